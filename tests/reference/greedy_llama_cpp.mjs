// Differential test: heft run --temp 0 against llama.cpp itself (node-llama-cpp
// 3.21.1, the prebuilt CPU build) on prompts this test keeps, for the F32 and
// Q8_0 TinyStories files with F32 and F16 caches. Prompt ids must match (the
// tokenizer) and so must every generated id (the forward pass). node-llama-cpp's
// evaluate() does not stop at end-of-generation tokens, so heft runs with --ignore-eos.
// heft runs under every SIMD target this machine runs (HEFT_SIMD).
import {parseArgs, loadPackage, runHeft, heftTargets, Checker} from "./lib/ref.mjs";

const args = parseArgs();
const {getLlama} = await loadPackage("node-llama-cpp");
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const check = new Checker("greedy_llama_cpp");

// Characters the TinyStories vocabulary covers (see golden/README.md).
const prompts = [
  "A",
  "The sun",
  "Lily and Ben went to the park to play on the swings.",
  "\"Can I have a cookie?\" asked the little boy.",
  "Once upon a time, in a small town, there lived a kind old man who loved to grow flowers in his garden. Every morning he",
  "Mom said: no more candy today!",
  "The dog barked.\nThe cat ran away.\n",
  "  two spaces before",
  "Sam was sad; his toy was broken. He asked his dad to fix it, but dad was busy",
  "Is it big? Yes, it is very big and very red",
  "Tim's friend, Sue, had a blue ball",
  "One day a bird flew into the house and sat on the table. The children",
  "Zoe liked to draw pictures of the moon, the stars and the sea.",
  "1 2 3 4 5 6 7 8 9 10",
  "They laughed and laughed",
  "After the rain, the garden was wet and the frogs came out to sing. The little girl put on her boots and",
];

const configs = [
  ["models/TinyStories-656K-gguf/tinystories-656k-f32.gguf", "f32"],
  ["models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf", "f32"],
  ["models/TinyStories-656K-gguf/tinystories-656k-f32.gguf", "f16"],
  ["models/TinyStories-656K-gguf/tinystories-656k-q8_0.gguf", "f16"],
];
const N = 48;
const targets = heftTargets(args.heft);
for (const [file, cache] of configs) {
  const path = `${args.shared}/${file}`;
  const model = await llama.loadModel({modelPath: path});
  for (const prompt of prompts) {
    const refPrompt = [model.tokens.bos, ...model.tokenize(prompt, false)];
    const ctx = await model.createContext({contextSize: 512, batchSize: 512, threads: 1, flashAttention: false,
                                           experimentalKvCacheKeyType: cache.toUpperCase(),
                                           experimentalKvCacheValueType: cache.toUpperCase()});
    const seq = ctx.getSequence();
    const ref = [];
    for await (const t of seq.evaluate(refPrompt, {temperature: 0})) { ref.push(t); if (ref.length >= N) break; }
    await ctx.dispose();
    for (const simd of targets) {
      const where = `${file} cache ${cache} HEFT_SIMD=${simd}`;
      const r = runHeft(args.heft, ["run", path, "-p", prompt, "-n", String(N), "--temp", "0", "--cache-type", cache,
                                    "-t", "2", "--ignore-eos", "--json"], {simd});
      if (!check.check(r.status === 0, `${where}: heft failed: ${r.stderr}`)) continue;
      const ours = JSON.parse(r.stdout);
      check.check(JSON.stringify(ours.prompt_tokens) === JSON.stringify(refPrompt),
                  `${where}: prompt ids for ${JSON.stringify(prompt)}: ${ours.prompt_tokens} vs ${refPrompt}`);
      const at = ref.findIndex((t, i) => t !== ours.tokens[i]);
      check.check(at < 0 && ours.tokens.length === N,
                  `${where}: ${JSON.stringify(prompt)} first differs at ${at}: ${ours.tokens.slice(0, 12)}... vs ${ref.slice(0, 12)}...`);
    }
  }
  await model.dispose();
}
check.finish();
