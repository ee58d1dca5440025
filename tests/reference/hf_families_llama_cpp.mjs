// Top-token agreement with llama.cpp (node-llama-cpp 3.21.1, CPU) on the tiny
// random-weight Hugging Face checkpoints of hf_checkpoints.py, under teacher
// forcing: the same TEST_IDS go in, and at each position the greedy next token
// (the argmax of the logits) must agree at >= 99% of positions.
//
//   --against heft   (the part (b)) heft converts each folder with
//                    `heft convert FOLDER OUT.gguf`; llama.cpp runs OUT.gguf and
//                    must agree with `heft logits FOLDER` (and with `heft logits
//                    OUT.gguf`). Catches a wrong weight mapping or metadata key
//                    that a NumPy reference written here could share.
//   --against numpy  checks the NumPy reference itself: ref_gguf.py (a converter
//                    written for the tests, not heft's) turns the folder into a GGUF
//                    and llama.cpp must agree with numpy_forward.py on it.
//
// Only variants llama.cpp can express run here (hf_checkpoints.py --list); a variant
// that fails to convert, load or agree fails the test.
import {spawnSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs, loadPackage, runHeft, heftTargets, Checker} from "./lib/ref.mjs";

const args = parseArgs();

// Worker mode: llama.cpp's greedy next token after each prefix of the ids, for one GGUF, as JSON
// on stdout. Each GGUF runs in its own process, so a file that makes llama.cpp abort fails that
// variant only.
if (args.worker) {
  const {gguf, ids} = JSON.parse(fs.readFileSync(0, "utf8"));
  const {getLlama} = await loadPackage("node-llama-cpp");
  const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
  const model = await llama.loadModel({modelPath: gguf});
  const ctx = await model.createContext({contextSize: 128, batchSize: 128, threads: 2, flashAttention: false,
                                         experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"});
  const res = await ctx.getSequence().controlledEvaluate(
      ids.map((t) => [t, {generateNext: {token: true, options: {temperature: 0}}}]));
  process.stdout.write(JSON.stringify(ids.map((_, i) => res[i]?.next?.token ?? null)) + "\n");
  await ctx.dispose();
  await model.dispose();
  process.exit(0);
}

const against = args.against || "heft";
if (against !== "heft" && against !== "numpy") throw new Error("--against must be heft or numpy");
const python = typeof args.python === "string" ? args.python : "python3";
const here = path.join(args.source, "tests", "reference");
const MIN_AGREEMENT = 0.99;

function py(script, argv) {
  const r = spawnSync(python, [path.join(here, script), ...argv], {encoding: "utf8", maxBuffer: 1 << 28});
  if (r.error) throw r.error;
  if (r.status !== 0) return {ok: false, err: (r.stderr || "").trim().split("\n").pop() || `exit ${r.status}`};
  return {ok: true, out: r.stdout};
}

const listed = py("hf_checkpoints.py", ["--json"]);
if (!listed.ok) throw new Error("hf_checkpoints.py --json: " + listed.err);
const {variants, test_ids: ids} = JSON.parse(listed.out);
const only = typeof args.only === "string" ? args.only.split(",") : null;
const chosen = variants.filter((v) => v.llama_cpp && (!only || only.includes(v.name)));

const check = new Checker(`hf_families_llama_cpp --against ${against}`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-hf-llama-cpp-"));
const summary = [];

// llama.cpp's greedy next token after each prefix of ids, evaluated as one batch (in a worker).
function llamaTop(gguf) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--worker"],
                      {input: JSON.stringify({gguf, ids}), encoding: "utf8", maxBuffer: 1 << 26});
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const lines = (r.stderr || "").trim().split("\n").filter((l) => l.trim());
    const why = lines.find((l) => /GGML_ASSERT|error|Error/.test(l)) || lines.pop() || `signal ${r.signal}`;
    throw new Error(r.signal ? `aborted (${r.signal}): ${why}` : why);
  }
  return JSON.parse(r.stdout);
}

function agreement(a, b) {
  let same = 0;
  const where = [];
  for (let i = 0; i < ids.length; i++) {
    if (a[i] === b[i]) same++;
    else where.push(i);
  }
  return {rate: same / ids.length, where};
}

function heftLogits(model, simd) {
  const r = runHeft(args.heft, ["logits", model, "--ids", ids.join(","), "-t", "2"], {simd});
  if (r.status !== 0) return {err: r.stderr.trim().split("\n").pop()};
  return {argmax: JSON.parse(r.stdout).argmax};
}

try {
  for (const [n, v] of chosen.entries()) {
    // Neutral names: llama.cpp treats a model whose general.name contains "phi3" specially
    // (it looks up Phi-3's own special tokens), and a converter may take the name from the folder.
    const dir = path.join(tmp, `model-${n}`);
    const gguf = path.join(tmp, `model-${n}.gguf`);
    const w = py("hf_checkpoints.py", [v.name, dir, "--shared", args.shared]);
    if (!check.check(w.ok, `${v.name}: writing the checkpoint failed: ${w.err}`)) continue;
    const runs = [];  // {label, argmax}: NumPy's, or heft's under each SIMD target
    if (against === "numpy") {
      const g = py("ref_gguf.py", [dir, gguf, "--vocab",
                                   path.join(args.shared, "models/TinyStories-656K-gguf/tinystories-656k-f32.gguf")]);
      if (!check.check(g.ok, `${v.name}: ref_gguf.py failed: ${g.err}`)) { summary.push(`FAIL ${v.name}: ref_gguf`); continue; }
      const n = py("numpy_forward.py", [dir, "--ids", ids.join(","), "--argmax"]);
      if (!check.check(n.ok, `${v.name}: numpy_forward.py failed: ${n.err}`)) { summary.push(`FAIL ${v.name}: numpy`); continue; }
      runs.push({label: "NumPy (folder)", argmax: JSON.parse(n.out).argmax});
    } else {
      const c = runHeft(args.heft, ["convert", dir, gguf]);
      if (!check.check(c.status === 0, `${v.name}: heft convert failed: ${c.stderr.trim().split("\n").pop()}`)) {
        summary.push(`FAIL ${v.name}: heft convert: ${c.stderr.trim().split("\n").pop()}`);
        continue;
      }
      for (const simd of heftTargets(args.heft)) {
        const h = heftLogits(dir, simd);
        if (!check.check(!h.err, `${v.name}: heft logits on the folder failed (HEFT_SIMD=${simd}): ${h.err}`)) {
          summary.push(`FAIL ${v.name}: heft logits (folder, HEFT_SIMD=${simd}): ${h.err}`);
          continue;
        }
        runs.push({label: `heft (folder, HEFT_SIMD=${simd})`, argmax: h.argmax});
        const hg = heftLogits(gguf, simd);
        if (check.check(!hg.err, `${v.name}: heft logits on the converted GGUF failed (HEFT_SIMD=${simd}): ${hg.err}`)) {
          const s = agreement(h.argmax, hg.argmax);
          check.check(s.rate >= MIN_AGREEMENT,
                      `${v.name}: heft on the folder and on its GGUF agree at ${(100 * s.rate).toFixed(1)}% (HEFT_SIMD=${simd}, at ${s.where.slice(0, 10)})`);
        }
      }
      if (runs.length === 0) continue;
    }
    let top;
    try {
      top = llamaTop(gguf);
    } catch (e) {
      check.check(false, `${v.name}: llama.cpp could not run the GGUF: ${e.message}`);
      summary.push(`FAIL ${v.name}: llama.cpp: ${e.message}`);
      continue;
    }
    for (const {label, argmax} of runs) {
      const s = agreement(argmax, top);
      const ok = check.check(s.rate >= MIN_AGREEMENT,
                             `${v.name}: ${label} and llama.cpp agree on the top token at ${(100 * s.rate).toFixed(1)}% of ` +
                             `${ids.length} positions (need ${100 * MIN_AGREEMENT}%); differ at ${s.where.slice(0, 10)}`);
      summary.push(`${ok ? "PASS" : "FAIL"} ${v.name} ${label}: ${(100 * s.rate).toFixed(1)}% of ${ids.length}` +
                   (s.where.length ? ` (differ at ${s.where.slice(0, 10)})` : ""));
    }
  }
} finally {
  fs.rmSync(tmp, {recursive: true, force: true});
}
for (const line of summary) console.log(line);
check.finish();
