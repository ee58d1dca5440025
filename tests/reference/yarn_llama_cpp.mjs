// YaRN RoPE scaling against llama.cpp itself (node-llama-cpp 3.21.1, CPU): a
// synthetic llama GGUF written by `heft synth` with rope.scaling.type = yarn
// (factor 4, original context 128, the TinyStories vocabulary) must give the
// same perplexity on ../shared/golden/story-dev.txt in heft (`heft perplexity`)
// and in llama.cpp (this script, by llama-perplexity's method: chunks of n_ctx
// tokens starting with BOS, the second half of each scored), within 1e-4
// relative, at a context below the original one (64) and above it (256).
// The same weights without the scaling metadata must give a perplexity far
// from it, so a heft that dropped YaRN (or its ramp, or its magnitude) could
// not pass by accident. The first 512 tokens of the text keep it fast: the
// full next-token distributions llama.cpp hands over cost most of the time.
import {spawnSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseArgs, loadPackage, runHeft, heftTargets, Checker} from "./lib/ref.mjs";

const args = parseArgs();
const check = new Checker("yarn_llama_cpp");
const TOLERANCE = 1e-4;
const CONTEXTS = [64, 256];  // below and above the original context (128)
const story = path.join(args.shared, "golden/story-dev.txt");
const N_TOKENS = 512;
const vocab = path.join(args.shared, "models/TinyStories-656K-gguf/tinystories-656k-f32.gguf");

const {getLlama} = await loadPackage("node-llama-cpp");
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});

// llama-perplexity's number for `ids` (BOS first) at context n: mean negative log-likelihood
// of each chunk's second half, from llama.cpp's full next-token distributions.
async function llamaPerplexity(model, ids, n) {
  const ctx = await model.createContext({contextSize: n, batchSize: n, threads: 2, flashAttention: false,
                                         experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"});
  const seq = ctx.getSequence();
  let nll = 0, count = 0;
  for (let start = 0; start + n <= ids.length; start += n) {
    const chunk = ids.slice(start, start + n);
    chunk[0] = ids[0];  // each chunk starts with BOS
    const items = chunk.map((t, j) => (j >= n / 2 && j < n - 1 ? [t, {generateNext: {probabilities: true}}] : t));
    const res = await seq.controlledEvaluate(items);
    for (let j = n / 2; j < n - 1; j++) {
      const p = res[j]?.next?.probabilities?.get(ids[start + j + 1]);
      if (!(p > 0)) throw new Error(`no probability for position ${start + j}`);
      nll -= Math.log(p);
      count++;
    }
    await seq.clearHistory();
  }
  await ctx.dispose();
  return Math.exp(nll / count);
}

function heftPerplexity(gguf, text, n, simd) {
  const r = runHeft(args.heft, ["perplexity", gguf, "-f", text, "-c", String(n), "--cache-type", "f32", "-t", "2", "--json"], {simd});
  if (r.status !== 0) throw new Error(`heft perplexity failed: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout).perplexity;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-yarn-"));
try {
  // The same seed gives the same weights: only the metadata differs.
  const files = {yarn: path.join(tmp, "yarn.gguf"), plain: path.join(tmp, "plain.gguf")};
  const text = path.join(tmp, "story.txt");
  const common = ["--preset", "mini", "--type", "F32", "--vocab", vocab, "--std", "0.08", "--seed", "7"];
  for (const [name, extra] of [["yarn", ["--rope-scaling", "yarn", "--rope-factor", "4", "--rope-orig-ctx", "128"]],
                               ["plain", []]]) {
    const r = runHeft(args.heft, ["synth", files[name], ...common, ...extra]);
    if (r.status !== 0) throw new Error(`heft synth failed: ${r.stderr.trim()}`);
  }
  const insp = JSON.parse(runHeft(args.heft, ["inspect", files.yarn, "--json"]).stdout).hparams;
  check.check(insp.rope_scaling === "yarn" && insp.yarn?.original_context === 128,
              `heft inspect does not show the YaRN settings: ${JSON.stringify(insp)}`);

  // The ids both sides score: heft's tokenizer and llama.cpp's must agree on them. The text is
  // cut after the word that reaches N_TOKENS tokens (heft perplexity reads a file).
  const tokenize = (file) => {
    const t = runHeft(args.heft, ["tokenize", files.yarn, "-f", file, "--ids"]);
    if (t.status !== 0) throw new Error(`heft tokenize failed: ${t.stderr.trim()}`);
    return JSON.parse(t.stdout);
  };
  const words = fs.readFileSync(story, "utf8").split(" ");
  let cut = words.length;
  for (let lo = 1, hi = words.length; lo <= hi;) {  // the fewest words giving N_TOKENS tokens
    const mid = (lo + hi) >> 1;
    fs.writeFileSync(text, words.slice(0, mid).join(" "));
    if (tokenize(text).length >= N_TOKENS) { cut = mid; hi = mid - 1; } else lo = mid + 1;
  }
  fs.writeFileSync(text, words.slice(0, cut).join(" "));
  const ids = tokenize(text);
  const results = {};
  const model = await llama.loadModel({modelPath: files.yarn});
  const refIds = [model.tokens.bos, ...model.tokenize(fs.readFileSync(text, "utf8"), false)];
  check.check(JSON.stringify(refIds) === JSON.stringify(ids), "heft's and llama.cpp's token ids differ");
  for (const n of CONTEXTS) {
    const ref = await llamaPerplexity(model, ids, n);
    for (const simd of heftTargets(args.heft)) {  // every SIMD target this machine runs
      const ours = heftPerplexity(files.yarn, text, n, simd);
      const rel = Math.abs(ours / ref - 1);
      results[`yarn/${n}`] = ours;
      console.log(`n_ctx ${n} (${ids.length} tokens) HEFT_SIMD=${simd}: heft ${ours.toFixed(6)} llama.cpp ${ref.toFixed(6)} relative ${rel.toExponential(2)}`);
      check.check(rel <= TOLERANCE, `n_ctx ${n} HEFT_SIMD=${simd}: heft ${ours} vs llama.cpp ${ref} (relative ${rel.toExponential(2)})`);
    }
    results[`plain/${n}`] = heftPerplexity(files.plain, text, n);
  }
  await model.dispose();
  // Without the metadata the numbers must move far more than the tolerance.
  for (const n of CONTEXTS) {
    const moved = Math.abs(results[`yarn/${n}`] / results[`plain/${n}`] - 1);
    console.log(`n_ctx ${n}: YaRN moves the perplexity by ${moved.toExponential(2)}`);
    check.check(moved > 100 * TOLERANCE, `n_ctx ${n}: YaRN moves the perplexity only by ${moved.toExponential(2)}`);
  }
} finally {
  fs.rmSync(tmp, {recursive: true, force: true});
}
check.finish();
