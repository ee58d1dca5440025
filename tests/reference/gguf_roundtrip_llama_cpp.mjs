// Differential test: GGUFs that heft writes load in llama.cpp (node-llama-cpp
// 3.21.1) and behave as their sources do. Each shared model GGUF is rewritten
// by `heft convert` (a round trip) and one random model per preset-type pair is
// written by `heft synth`; llama.cpp must load each, and a round-tripped file
// must give the same greedy ids as its source. Vocabulary-only GGUFs are
// round-tripped and loaded vocabulary-only, and must tokenize alike.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseArgs, loadPackage, runHeft, Checker} from "./lib/ref.mjs";

const args = parseArgs();
const {getLlama} = await loadPackage("node-llama-cpp");
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const check = new Checker("gguf_roundtrip_llama_cpp");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-rt-"));

async function greedy(file, n) {
  const model = await llama.loadModel({modelPath: file});
  const ctx = await model.createContext({contextSize: 256, threads: 1});
  const seq = ctx.getSequence();
  const prompt = [model.tokens.bos ?? 1, ...model.tokenize("Once upon a time there was a", false)];
  const out = [];
  for await (const t of seq.evaluate(prompt, {temperature: 0})) { out.push(t); if (out.length >= n) break; }
  await ctx.dispose();
  await model.dispose();
  return out;
}

const models = ["models/TinyStories-656K-gguf/tinystories-656k-f32.gguf", "models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf",
                ...fs.readdirSync(`${args.shared}/models/synthetic-mini-gguf`).filter((f) => f.endsWith(".gguf"))
                    .map((f) => `models/synthetic-mini-gguf/${f}`)];
for (const rel of models) {
  const src = `${args.shared}/${rel}`;
  const out = path.join(tmp, path.basename(rel));
  const r = runHeft(args.heft, ["convert", src, out]);
  if (!check.check(r.status === 0, `${rel}: heft convert failed: ${r.stderr}`)) continue;
  const [a, b] = [await greedy(src, 12), await greedy(out, 12)];
  check.check(JSON.stringify(a) === JSON.stringify(b), `${rel}: llama.cpp's greedy ids differ after the round trip: ${a} vs ${b}`);
  fs.rmSync(out);
}

for (const f of fs.readdirSync(`${args.shared}/vocab`).filter((f) => f.endsWith(".gguf"))) {
  const src = `${args.shared}/vocab/${f}`;
  const out = path.join(tmp, f);
  const r = runHeft(args.heft, ["convert", src, out]);
  if (!check.check(r.status === 0, `${f}: heft convert failed: ${r.stderr}`)) continue;
  const text = "Hello world! 123 The quick brown fox. ¿Qué tal?";
  const [ma, mb] = [await llama.loadModel({modelPath: src, vocabOnly: true}), await llama.loadModel({modelPath: out, vocabOnly: true})];
  check.check(JSON.stringify(ma.tokenize(text)) === JSON.stringify(mb.tokenize(text)), `${f}: tokenization differs after the round trip`);
  await ma.dispose(); await mb.dispose();
  fs.rmSync(out);
}

for (const [preset, type] of [["mini", "F32"], ["mini", "Q8_0"], ["mini", "Q4_0"], ["mini", "Q4_K_M"], ["mini", "Q6_K"]]) {
  const out = path.join(tmp, `synth-${preset}-${type}.gguf`);
  const r = runHeft(args.heft, ["synth", "--preset", preset, "--type", type, "--vocab",
                                `${args.shared}/models/TinyStories-656K-gguf/tinystories-656k-f32.gguf`, out]);
  if (!check.check(r.status === 0, `synth ${preset} ${type} failed: ${r.stderr}`)) continue;
  const ids = await greedy(out, 4);
  check.check(ids.length === 4, `synth ${preset} ${type}: llama.cpp did not generate`);
  fs.rmSync(out);
}
// Every type heft quantizes to loads in llama.cpp and gives the ids llama.cpp gives on
// its own llama-quantize output of the same F32 file.
for (const type of ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K"]) {
  const src = `${args.shared}/models/synthetic-mini-gguf/synthetic-mini-f32.gguf`;
  const out = path.join(tmp, `quant-${type}.gguf`);
  const r = runHeft(args.heft, ["quantize", src, out, type]);
  if (!check.check(r.status === 0, `quantize ${type} failed: ${r.stderr}`)) continue;
  const ref = `${args.shared}/models/synthetic-mini-gguf/synthetic-mini-${type.toLowerCase()}.gguf`;
  const [a, b] = [await greedy(ref, 8), await greedy(out, 8)];
  check.check(JSON.stringify(a) === JSON.stringify(b), `quantize ${type}: llama.cpp gives ${b} on heft's file, ${a} on its own`);
  fs.rmSync(out);
}
fs.rmSync(tmp, {recursive: true, force: true});
check.finish();
