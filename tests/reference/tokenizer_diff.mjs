// Differential test: heft's tokenizer.json tokenization against Hugging Face
// tokenizers (npm `tokenizers`, its Rust library through napi) on the corpus
// in tests/tokenizer/corpus.json, for every real tokenizer.json in shared/
// and the synthetic ones in tests/tokenizer/fixtures/.
//
// For each tokenizer and corpus string it compares, in all four combinations
// of add_special x parse_special:
//  - heft --parse-special  vs tokenizers' encode (which always matches
//    special-token text as added tokens);
//  - heft default          vs tokenizers with split_special_tokens semantics
//    (Rust's encode_special_tokens, which the npm binding does not expose): a
//    copy of the tokenizer.json whose special added tokens can no longer
//    match, ids unchanged (a token that only exists as an added token keeps
//    its slot under an unmatchable content; one that is also in the model's
//    vocabulary is simply dropped from added_tokens).
// It also compares decoding of the reference ids, with and without special
// tokens. heft runs in batch mode (--jsonl) so each tokenizer loads a few times.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import {Checker, loadPackage, parseArgs, runHeft} from "./lib/ref.mjs";

const args = parseArgs();
const heft = args.heft;
const shared = args.shared;
const source = args.source;
if (!heft || !shared || !source) throw new Error("usage: tokenizer_diff.mjs --heft BIN --shared DIR --source DIR");

const mod = await loadPackage("tokenizers");
const Tokenizer = mod.Tokenizer ?? mod.default?.Tokenizer;

const corpus = JSON.parse(fs.readFileSync(path.join(source, "tests/tokenizer/corpus.json"), "utf8"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-tokdiff-"));
const corpusFile = path.join(tmp, "corpus.jsonl");
fs.writeFileSync(corpusFile, corpus.map((s) => JSON.stringify(s)).join("\n") + "\n");

// [name, what heft loads, the tokenizer.json the reference loads]
const targets = [];
const tokDir = path.join(shared, "tokenizers");
for (const d of fs.readdirSync(tokDir).sort()) {
  const tj = path.join(tokDir, d, "tokenizer.json");
  if (fs.existsSync(tj)) targets.push([d, path.join(tokDir, d), tj]);
}
const tiny = path.join(shared, "models/TinyStories-656K");
targets.push(["TinyStories-656K", tiny, path.join(tiny, "tokenizer.json")]);
const fixDir = path.join(source, "tests/tokenizer/fixtures");
for (const f of fs.readdirSync(fixDir).sort()) {
  if (f.endsWith(".json")) targets.push([f, path.join(fixDir, f), path.join(fixDir, f)]);
}

// A copy in which special added tokens cannot match, with every id unchanged.
function withoutSpecialMatching(tokenizerJson, name) {
  const j = JSON.parse(fs.readFileSync(tokenizerJson, "utf8"));
  const model = j.model ?? {};
  const inModel = (content) => {
    if (Array.isArray(model.vocab)) return model.vocab.some((e) => e[0] === content);
    return model.vocab && Object.prototype.hasOwnProperty.call(model.vocab, content);
  };
  const kept = [];
  let k = 0;
  for (const t of j.added_tokens ?? []) {
    if (!t.special) kept.push(t);
    else if (!inModel(t.content)) kept.push({...t, content: `\uE000heft-unmatchable-${k++}\uE001`});
  }
  j.added_tokens = kept;
  const out = path.join(tmp, `${name}.nospecial.json`);
  fs.writeFileSync(out, JSON.stringify(j));
  return out;
}

function heftJsonl(cmd, model, file, flags) {
  const r = runHeft(heft, [cmd, model, "--jsonl", file, ...flags]);
  if (r.status !== 0) throw new Error(`heft ${cmd} ${model} ${flags.join(" ")} failed: ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l.length).map((l) => JSON.parse(l));
}

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const show = (s) => JSON.stringify(s).slice(0, 120);

const checker = new Checker("tokenizer_diff");
const summary = [];
for (const [name, heftModel, tj] of targets) {
  const ref = Tokenizer.fromFile(tj);
  const refPlain = Tokenizer.fromFile(withoutSpecialMatching(tj, name));
  let ok = 0, total = 0;
  let referenceIds = null;
  for (const add of [true, false]) {
    for (const parse of [true, false]) {
      const flags = [];
      if (!add) flags.push("--no-add-special");
      if (parse) flags.push("--parse-special");
      const got = heftJsonl("tokenize", heftModel, corpusFile, flags);
      const r = parse ? ref : refPlain;
      const want = [];
      for (const s of corpus) want.push((await r.encode(s, null, {addSpecialTokens: add})).getIds());
      if (add && parse) referenceIds = want;
      for (let i = 0; i < corpus.length; i++) {
        total++;
        const pass = checker.check(got[i] !== undefined && same(got[i], want[i]),
            `${name} add_special=${add} parse_special=${parse} ${show(corpus[i])}\n    heft ${JSON.stringify(got[i])}\n    ref  ${JSON.stringify(want[i])}`);
        if (pass) ok++;
      }
    }
  }
  // Decoding the reference ids.
  const idsFile = path.join(tmp, `${name}.ids.jsonl`);
  fs.writeFileSync(idsFile, referenceIds.map((ids) => JSON.stringify(ids)).join("\n") + "\n");
  for (const skip of [false, true]) {
    const got = heftJsonl("detokenize", heftModel, idsFile, skip ? ["--skip-special"] : []);
    for (let i = 0; i < corpus.length; i++) {
      const want = await ref.decode(referenceIds[i], skip);
      total++;
      if (checker.check(got[i] === want, `${name} decode skip_special=${skip} ${show(corpus[i])}\n    heft ${show(got[i])}\n    ref  ${show(want)}`)) ok++;
    }
  }
  summary.push(`${name}: ${ok}/${total}`);
}
fs.rmSync(tmp, {recursive: true, force: true});
for (const line of summary) console.log(line);
checker.finish();
