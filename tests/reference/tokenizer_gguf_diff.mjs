// Differential test: heft's GGUF tokenization against llama.cpp itself
// (node-llama-cpp's bundled libllama, vocabulary-only loads) on the corpus in
// tests/tokenizer/corpus.json, for every vocabulary GGUF in shared/vocab and
// the TinyStories GGUF.
//
// node-llama-cpp's tokenize calls common_tokenize(vocab, text,
// add_special=false, parse_special), so both parse_special settings are
// compared without BOS (BOS/EOS rules are covered by the llama-tokenize
// goldens). Decoding compares llama_detokenize(ids, remove_special=false,
// unparse_special) with heft detokenize, with and without --skip-special.
// llama.cpp aborts on characters the TinyStories vocabulary lacks (it has no
// byte tokens), so that model only gets the corpus strings inside its alphabet.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import {Checker, loadPackage, parseArgs, runHeft} from "./lib/ref.mjs";

const args = parseArgs();
const {heft, shared, source} = args;
if (!heft || !shared || !source) throw new Error("usage: tokenizer_gguf_diff.mjs --heft BIN --shared DIR --source DIR");

const {getLlama} = await loadPackage("node-llama-cpp");
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});

const corpus = JSON.parse(fs.readFileSync(path.join(source, "tests/tokenizer/corpus.json"), "utf8"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-tokgguf-"));

const targets = [];
const vocabDir = path.join(shared, "vocab");
for (const f of fs.readdirSync(vocabDir).sort())
  if (f.endsWith(".gguf")) targets.push([f, path.join(vocabDir, f), corpus]);
const tinyAlphabet = /^[A-Za-z0-9\n !"$',\-.:;<>?_|]*$/;
targets.push(["tinystories-656k-f32.gguf", path.join(shared, "models/TinyStories-656K-gguf/tinystories-656k-f32.gguf"),
              corpus.filter((s) => tinyAlphabet.test(s))]);

function heftJsonl(cmd, model, file, flags) {
  const r = runHeft(heft, [cmd, model, "--jsonl", file, ...flags]);
  if (r.status !== 0) throw new Error(`heft ${cmd} ${model} ${flags.join(" ")} failed: ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l.length).map((l) => JSON.parse(l));
}

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const show = (s) => JSON.stringify(s).slice(0, 120);

const checker = new Checker("tokenizer_gguf_diff");
const summary = [];
for (const [name, file, texts] of targets) {
  const model = await llama.loadModel({modelPath: file, vocabOnly: true});
  const native = model._model;  // the addon: tokenize(text, parse_special), detokenize(ids, special)
  const textFile = path.join(tmp, `${name}.texts.jsonl`);
  fs.writeFileSync(textFile, texts.map((s) => JSON.stringify(s)).join("\n") + "\n");
  let ok = 0, total = 0;
  let referenceIds = null;
  for (const parse of [true, false]) {
    const got = heftJsonl("tokenize", file, textFile, parse ? ["--no-add-special", "--parse-special"] : ["--no-add-special"]);
    const want = texts.map((s) => Array.from(native.tokenize(s, parse)));
    if (parse) referenceIds = want;
    for (let i = 0; i < texts.length; i++) {
      total++;
      if (checker.check(got[i] !== undefined && same(got[i], want[i]),
          `${name} parse_special=${parse} ${show(texts[i])}\n    heft ${JSON.stringify(got[i])}\n    ref  ${JSON.stringify(want[i])}`)) ok++;
    }
  }
  const idsFile = path.join(tmp, `${name}.ids.jsonl`);
  fs.writeFileSync(idsFile, referenceIds.map((ids) => JSON.stringify(ids)).join("\n") + "\n");
  for (const skip of [false, true]) {
    const got = heftJsonl("detokenize", file, idsFile, skip ? ["--skip-special"] : []);
    for (let i = 0; i < texts.length; i++) {
      const want = native.detokenize(Uint32Array.from(referenceIds[i]), !skip);
      total++;
      if (checker.check(got[i] === want, `${name} decode skip_special=${skip} ${show(texts[i])}\n    heft ${show(got[i])}\n    ref  ${show(want)}`)) ok++;
    }
  }
  await model.dispose();
  summary.push(`${name}: ${ok}/${total}`);
}
fs.rmSync(tmp, {recursive: true, force: true});
for (const line of summary) console.log(line);
checker.finish();
