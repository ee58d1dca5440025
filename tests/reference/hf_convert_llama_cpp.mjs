// Differential test: the real Hugging Face TinyStories folder converted by heft
// runs in llama.cpp (node-llama-cpp 3.21.1) to llama.cpp's golden greedy ids;
// quantized by heft to Q8_0 it gives the ids llama.cpp gives on its own Q8_0 file.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseArgs, loadPackage, runHeft, Checker} from "./lib/ref.mjs";

const args = parseArgs();
const {getLlama} = await loadPackage("node-llama-cpp");
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const check = new Checker("hf_convert_llama_cpp");
const golden = JSON.parse(fs.readFileSync(`${args.shared}/golden/prompts-dev.json`, "utf8"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-hfconv-"));
const f32 = path.join(tmp, "ts-f32.gguf"), q8 = path.join(tmp, "ts-q8_0.gguf");

let r = runHeft(args.heft, ["convert", `${args.shared}/models/TinyStories-656K`, f32]);
check.check(r.status === 0, `heft convert: ${r.stderr}`);
r = runHeft(args.heft, ["quantize", f32, q8, "Q8_0"]);
check.check(r.status === 0, `heft quantize: ${r.stderr}`);

for (const [file, key] of [[f32, "llama_cpp_f32_exact"], [q8, "llama_cpp_q8_0_f32_exact"]]) {
  const model = await llama.loadModel({modelPath: file});
  for (const p of golden.prompts) {
    const prompt = [model.tokens.bos, ...model.tokenize(p.prompt, false)];
    check.check(JSON.stringify(prompt) === JSON.stringify(p.prompt_ids), `${path.basename(file)}: prompt ids for ${p.prompt}`);
    const ctx = await model.createContext({contextSize: 512, batchSize: 512, threads: 1, flashAttention: false,
                                           experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"});
    const seq = ctx.getSequence();
    const ids = [];
    for await (const t of seq.evaluate(p.prompt_ids, {temperature: 0})) { ids.push(t); if (ids.length >= 64) break; }
    await ctx.dispose();
    check.check(JSON.stringify(ids) === JSON.stringify(p[key]), `${path.basename(file)}: ${p.prompt}: ${ids.slice(0, 8)} vs ${p[key].slice(0, 8)}`);
  }
  await model.dispose();
}
fs.rmSync(tmp, {recursive: true, force: true});
check.finish();
