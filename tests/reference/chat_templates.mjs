// Differential test: `heft template` against @huggingface/jinja 0.5.11 (the
// renderer the dev references were made with) on every chat template under
// ../shared: the 57 templates/*.jinja, the chat templates of every
// tokenizer_config.json, and every GGUF that carries tokenizer.chat_template,
// for the dev conversations (templates/conversations.json) and this repo's
// extra ones (tests/chat/conversations-extra.json), with and without the
// generation prompt.
//
// Where @huggingface/jinja is wrong, Debian's python3-jinja2 configured as
// transformers configures it (tests/reference/jinja2_render.py) decides:
//  - @huggingface/jinja renders, Python renders something else: the two spell
//    a printed list/dict/bool or a Markup concatenation differently; Python's
//    spelling is what transformers users get, so Python is the reference.
//  - @huggingface/jinja renders, Python raises (e.g. `"text" + list`): heft
//    follows @huggingface/jinja (docs/jinja.md), so its output is the reference.
//  - @huggingface/jinja fails in its engine: Python's output (or its
//    raise_exception) is the reference; where Python fails too there is none,
//    and heft only has to exit cleanly (status 0 or 1, never a crash).
//  - raise_exception() in @huggingface/jinja: heft must exit 1 saying raise_exception.
// Model sources (tokenizer_config.json, GGUF) are rendered by heft from the
// model path, so its special tokens come from heft's own loader, while the
// references get them from this script's reading of the same files.
import fs from "node:fs";
import path from "node:path";
import {spawnSync} from "node:child_process";
import {parseArgs, loadPackage, runHeft, Checker} from "./lib/ref.mjs";

const args = parseArgs();
const {Template, Environment} = await loadPackage("@huggingface/jinja");
const {gguf} = await loadPackage("@huggingface/gguf");
const check = new Checker("chat_templates");
const shared = args.shared;

// strftime_now() on the fixed date 2026-11-26 00:00 (a Thursday), as heft gets with --now.
function strftimeNow(fmt) {
  const f = {Y: "2026", m: "11", d: "26", b: "Nov", B: "November", y: "26", a: "Thu", A: "Thursday", H: "00",
             M: "00", S: "00", j: "330", e: "26", I: "12", p: "AM", "%": "%"};
  return fmt.replace(/%(.)/g, (all, c) => (c in f ? f[c] : all));
}
class Raised extends Error {}
const raiseException = (msg) => { throw new Raised(String(msg)); };
// The package declares its own (real-clock) strftime_now and raise_exception and refuses
// to redeclare them; let the render context's versions replace those two.
const declare = Environment.prototype.declareVariable;
Environment.prototype.declareVariable = function (name, value) {
  if ((name === "strftime_now" || name === "raise_exception") && this.variables.has(name)) {
    this.variables.set(name, value);
    return value;
  }
  return declare.call(this, name, value);
};

// ---- template sources ------------------------------------------------------
const sources = [];  // {label, heftArgs, template, tokens (special tokens for the references), tokensInContext}

const renderContext = JSON.parse(fs.readFileSync(path.join(shared, "templates/render-context.json"), "utf8"));
for (const file of fs.readdirSync(path.join(shared, "templates")).filter((f) => f.endsWith(".jinja")).sort()) {
  const t = renderContext.templates[file.slice(0, -6)];
  const p = path.join(shared, "templates", file);
  sources.push({label: `templates/${file}`, heftArgs: ["--template", p], template: fs.readFileSync(p, "utf8"),
                tokens: {bos_token: t.bos_token, eos_token: t.eos_token}, tokensInContext: true});
}
check.check(sources.length === 57, `found ${sources.length} .jinja templates, expected 57`);

// tokenizer_config.json: special tokens as strings or AddedToken objects, as transformers reads them.
const roles = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"];
const tokenText = (v) => (typeof v === "string" ? v : v && typeof v === "object" && typeof v.content === "string" ? v.content : null);
function configTokens(cfg) {
  const out = {};
  for (const r of roles) if (r in cfg && tokenText(cfg[r]) !== null) out[r] = tokenText(cfg[r]);
  if (Array.isArray(cfg.additional_special_tokens))
    out.additional_special_tokens = cfg.additional_special_tokens.map(tokenText).filter((t) => t !== null);
  return out;
}
const configs = fs.readdirSync(path.join(shared, "tokenizers"))
  .map((d) => path.join(shared, "tokenizers", d, "tokenizer_config.json"))
  .concat([path.join(shared, "models/TinyStories-656K/tokenizer_config.json")])
  .filter((p) => fs.existsSync(p)).sort();
let configTemplates = 0;
for (const p of configs) {
  const cfg = JSON.parse(fs.readFileSync(p, "utf8"));
  const ct = cfg.chat_template;
  const named = typeof ct === "string" ? [["default", ct]] : Array.isArray(ct) ? ct.map((e) => [e.name, e.template]) : [];
  if (!named.length) {
    // No template: heft must say so rather than invent one.
    const r = runHeft(args.heft, ["template", p, "--context", "-"], {input: JSON.stringify({messages: []})});
    check.check(r.status === 1 && /no chat_template|no chat template/.test(r.stderr), `${p}: heft should report no chat template: ${r.status} ${r.stderr}`);
    continue;
  }
  for (const [name, text] of named) {
    sources.push({label: `${path.relative(shared, p)}[${name}]`, heftArgs: [p, "--template-name", name], template: text,
                  tokens: configTokens(cfg), tokensInContext: false});
    configTemplates++;
  }
}
check.check(configTemplates >= 3, `found ${configTemplates} tokenizer_config.json chat templates`);

// GGUFs with tokenizer.chat_template: special-token texts from tokenizer.ggml.tokens.
function findGgufs(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findGgufs(p));
    else if (e.name.endsWith(".gguf")) out.push(p);
  }
  return out.sort();
}
let ggufTemplates = 0;
for (const file of findGgufs(shared)) {
  const {metadata} = await gguf(file, {allowLocalFile: true});
  const keys = Object.keys(metadata).filter((k) => k === "tokenizer.chat_template" || k.startsWith("tokenizer.chat_template."));
  if (!keys.length) continue;
  const tokens = {};
  const vocab = metadata["tokenizer.ggml.tokens"];
  for (const [g, v] of [["bos", "bos_token"], ["eos", "eos_token"], ["unknown", "unk_token"], ["seperator", "sep_token"],
                        ["padding", "pad_token"], ["cls", "cls_token"], ["mask", "mask_token"]]) {
    const id = metadata[`tokenizer.ggml.${g}_token_id`];
    if (id !== undefined && vocab && Number(id) < vocab.length) tokens[v] = vocab[Number(id)];
  }
  for (const key of keys) {
    const name = key === "tokenizer.chat_template" ? null : key.slice("tokenizer.chat_template.".length);
    sources.push({label: `${path.relative(shared, file)}[${name ?? "default"}]`,
                  heftArgs: name ? [file, "--template-name", name] : [file], template: metadata[key], tokens,
                  tokensInContext: false});
    ggufTemplates++;
  }
}
check.check(ggufTemplates >= 1, `found ${ggufTemplates} GGUF chat templates`);

// ---- conversations -----------------------------------------------------------
const conversations = [
  ...JSON.parse(fs.readFileSync(path.join(shared, "templates/conversations.json"), "utf8")).conversations,
  ...JSON.parse(fs.readFileSync(path.join(args.source, "tests/chat/conversations-extra.json"), "utf8")).conversations,
];
check.check(conversations.length >= 20, `found ${conversations.length} conversations`);

// ---- renders ---------------------------------------------------------------------
const jobs = [];
for (const src of sources) {
  let compiled = null, parseError = null;
  try { compiled = new Template(src.template); } catch (e) { parseError = e; }
  for (const conv of conversations) {
    for (const agp of conv.add_generation_prompt) {
      const base = {messages: conv.messages, tools: conv.tools ?? null, add_generation_prompt: agp, date_string: "26 Nov 2026"};
      const refContext = {...src.tokens, ...base};
      let hf;
      if (parseError) hf = {engineError: String(parseError.message)};
      else {
        try { hf = {output: compiled.render({...refContext, strftime_now: strftimeNow, raise_exception: raiseException})}; }
        catch (e) { hf = e instanceof Raised ? {raised: e.message} : {engineError: String(e.message)}; }
      }
      jobs.push({src, conv: conv.id, agp, refContext, heftContext: src.tokensInContext ? refContext : base, hf});
    }
  }
}

// Python Jinja2 on every job, in one process.
function python() { return fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }
const py = spawnSync(python(), [path.join(args.source, "tests/reference/jinja2_render.py")], {
  input: JSON.stringify({now: "2026-11-26", jobs: jobs.map((j) => ({template: j.src.template, context: j.refContext}))}),
  maxBuffer: 1 << 30, encoding: "utf8"});
if (py.status !== 0) {
  check.check(false, `python3-jinja2 reference failed (scripts/setup installs python3-jinja2): ${py.stderr}`);
  check.finish();
}
const pyResults = JSON.parse(py.stdout);

const counts = {hf: 0, pythonSpelling: 0, python: 0, raised: 0, noReference: 0};
jobs.forEach((job, i) => {
  const what = `${job.src.label} / ${job.conv} / ${job.agp ? "gen" : "no-gen"}`;
  const r = runHeft(args.heft, ["template", ...job.src.heftArgs, "--context", "-", "--now", "2026-11-26"],
                    {input: JSON.stringify(job.heftContext)});
  if (!check.check(r.status === 0 || r.status === 1, `${what}: heft crashed (status ${r.status}, signal ${r.signal}) ${r.stderr}`)) return;
  if (r.status === 1) check.check(/^heft: .*\n$/.test(r.stderr) && r.stderr.split("\n").length === 2, `${what}: error is not one line: ${r.stderr}`);
  const p = pyResults[i];
  let expected = null, expectRaise = false, reference = "";
  if ("output" in job.hf) {
    if ("output" in p && p.output !== job.hf.output) { expected = p.output; reference = "python3-jinja2 (spelling)"; }
    else { expected = job.hf.output; reference = "@huggingface/jinja"; }
  } else if ("raised" in job.hf) {
    expectRaise = true; reference = "@huggingface/jinja raise_exception";
  } else if ("output" in p) {
    expected = p.output; reference = "python3-jinja2";
  } else if (p.error_kind === "raise_exception") {
    expectRaise = true; reference = "python3-jinja2 raise_exception";
  } else {
    counts.noReference++;
    check.check(true, what);
    return;
  }
  if (expectRaise) {
    if (check.check(r.status === 1 && r.stderr.includes("raise_exception: "), `${what}: expected raise_exception (${reference}), heft: ${r.status} ${r.stderr.trim() || JSON.stringify(r.stdout.slice(0, 200))}`)) counts.raised++;
    return;
  }
  if (r.status !== 0) { check.check(false, `${what}: heft failed (${reference} renders): ${r.stderr.trim()}`); return; }
  if (check.check(r.stdout === expected, `${what}: differs from ${reference}:\n  want ${JSON.stringify(expected).slice(0, 600)}\n  heft ${JSON.stringify(r.stdout).slice(0, 600)}`)) {
    if (reference === "@huggingface/jinja") counts.hf++;
    else if (reference.startsWith("python3-jinja2 (")) counts.pythonSpelling++;
    else counts.python++;
  }
});
console.log(`${sources.length} templates x ${conversations.length} conversations: ${jobs.length} renders; ` +
            `${counts.hf} match @huggingface/jinja, ${counts.pythonSpelling} match Python where the spelling differs, ` +
            `${counts.python} match Python where @huggingface/jinja fails, ${counts.raised} raise_exception as the reference, ` +
            `${counts.noReference} without reference`);
check.finish();
