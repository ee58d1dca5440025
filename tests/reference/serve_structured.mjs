// `heft serve`'s structured output (response_format json_schema / json_object,
// llama-server's `json_schema` field) is sound under sampling: on a random-weight
// model at temperature 1 (every token the grammar allows is about as likely as
// any other, so generations wander over the whole language the grammar
// accepts), every completed generation (finish_reason "stop") is JSON that ajv
// (8.20.0, an independent validator) accepts for the schema it was asked for.
//   - the schemas are tests/reference/structured_schemas.json: objects, arrays,
//     enums, consts, anyOf/oneOf, $ref/$defs (recursive too), strings with
//     lengths, patterns and formats, bounded integers and numbers, nullable and
//     type arrays, additionalProperties, prefixItems, draft-07 spellings and
//     boolean sub-schemas, plus probes heft may refuse but never enforce unsoundly;
//   - each is asked for through the official openai client (chat, strict) with
//     several seeds, some also through /v1/completions' `json_schema` field;
//   - the six formats heft enforces are checked here by their RFCs (3339, 4122)
//     and ajv-formats' email rule, not by heft's own patterns;
//   - numbers are read by JSON.parse, as IEEE 754 doubles (what RFC 8259 §6 says
//     interoperable JSON may expect): 1e-400 is 0 and 1e400 is not a number (ajv's
//     strictNumbers), so a grammar must keep to what a double holds;
//   - where a string nothing bounds would outrun max_tokens (property names under
//     additionalProperties, emails), the entry's "bias" raises the logits of a few
//     byte tokens (the closing quote, '@') so generations end;
//   - unsupported keywords are refused (400 naming the keyword and its JSON
//     pointer) under strict, and with strict false are listed in
//     X-Heft-Unenforced-Keywords while the rest of the schema still holds;
//   - json_object gives a JSON object; a 3-token limit gives "length", never a
//     "stop" with truncated JSON; a streamed generation equals the unstreamed one.
// Generations that hit max_tokens ("length") are counted, not validated; at
// least MIN_COMPLETED of them must complete, so the test cannot pass by never
// finishing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {createRequire} from "node:module";
import {fileURLToPath} from "node:url";
import {parseArgs, loadPackage, runHeft, Checker, pool} from "./lib/ref.mjs";
import {startServer, killServers} from "./lib/serve.mjs";

const args = parseArgs();
const check = new Checker("serve_structured");
const {OpenAI} = await loadPackage("openai");
// ajv (CommonJS; require finds it through NODE_PATH): the draft-07 class and the 2020-12 one.
const require = createRequire(import.meta.url);
const Ajv07 = require("ajv").default;
const Ajv2020 = require("ajv/dist/2020").default;

const here = path.dirname(fileURLToPath(import.meta.url));
const suite = JSON.parse(fs.readFileSync(path.join(here, "structured_schemas.json"), "utf8"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-structured-"));

const SEEDS = 16;                // chat generations per schema
const COMPLETION_SEEDS = 2;      // /v1/completions generations for every other schema
const MAX_TOKENS = 256;
// The share of generations that must finish ("stop"): measured 100% (1318 of 1318; "bias" keeps the
// otherwise unbounded property names and emails short), so 90% fails only when heft stops finishing.
const MIN_COMPLETED = 0.90;
const CONCURRENCY = 8;           // requests in flight (the server runs --parallel 4, the rest wait)

// ---- The formats, by their definitions (independent of heft's patterns) ----
const leap = (y) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const daysIn = (y, m) => [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
// RFC 3339 full-date.
function isDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo);
}
// RFC 3339 full-time: the offset is required; a leap second (:60) only where it is 23:59 UTC.
function isTime(s) {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:([zZ])|([+-])(\d{2}):(\d{2}))$/.exec(s);
  if (!m) return false;
  const [h, mi, sec] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (h > 23 || mi > 59 || sec > 60) return false;
  let off = 0;
  if (!m[4]) {
    const [oh, om] = [Number(m[6]), Number(m[7])];
    if (oh > 23 || om > 59) return false;
    off = (m[5] === "+" ? 1 : -1) * (oh * 60 + om);
  }
  if (sec === 60) return ((h * 60 + mi - off) % 1440 + 1440) % 1440 === 23 * 60 + 59;
  return true;
}
// RFC 3339 date-time: full-date "T" full-time (either case).
const isDateTime = (s) => s.length > 11 && (s[10] === "T" || s[10] === "t") && isDate(s.slice(0, 10)) && isTime(s.slice(11));
// RFC 4122's string form: 8-4-4-4-12 hex digits.
const isUuid = (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
// ajv-formats' "email" (dot-atom local part @ DNS labels), which heft documents as its rule.
const isEmail = (s) => /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(s);
// Dotted quad, each octet 0-255 without leading zeros.
function isIpv4(s) {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}
const formats = {date: isDate, time: isTime, "date-time": isDateTime, uuid: isUuid, email: isEmail, ipv4: isIpv4};

// Checks of the checks: a format rule that accepts nonsense would hide heft's mistakes.
for (const [f, good, bad] of [
  ["date", ["2024-02-29", "2023-12-31", "0000-01-01"], ["2023-02-29", "1900-02-29", "2024-13-01", "2024-04-31", "2024-1-01", "2024-00-10"]],
  ["time", ["23:59:60Z", "15:59:60-08:00", "00:00:00.5+05:30", "12:34:56z"], ["23:59:60+01:00", "24:00:00Z", "12:60:00Z", "12:00:00", "12:00:00+24:00"]],
  ["date-time", ["2024-02-29T23:59:60Z", "1999-01-01t00:00:00+00:00"], ["2024-02-29 12:00:00Z", "2023-02-29T00:00:00Z", "2024-01-01T00:00:00"]],
  ["uuid", ["123e4567-e89b-12d3-a456-426614174000", "ABCDEF01-2345-6789-ABCD-EF0123456789"], ["123e4567e89b12d3a456426614174000", "g23e4567-e89b-12d3-a456-426614174000"]],
  ["email", ["a.b+c@x-y.example", "z@q.r"], ["a..b@x.y", "a@x", "a@-x.y", ".a@x.y", "a b@x.y"]],
  ["ipv4", ["0.0.0.0", "255.255.255.255", "10.0.12.9"], ["256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5"]],
]) {
  for (const s of good) check.check(formats[f](s), `the test's own ${f} rule rejects ${JSON.stringify(s)}`);
  for (const s of bad) check.check(!formats[f](s), `the test's own ${f} rule accepts ${JSON.stringify(s)}`);
}

function newAjv(Cls) {
  const ajv = new Cls({allErrors: true, strictTypes: false, strictTuples: false, strictRequired: false});
  for (const [name, fn] of Object.entries(formats)) ajv.addFormat(name, {type: "string", validate: fn});
  return ajv;
}
const ajv2020 = newAjv(Ajv2020), ajv07 = newAjv(Ajv07);
// A validator for a schema: draft-07 when it says so, else 2020-12.
function compile(schema) {
  const draft07 = typeof schema === "object" && /draft-07/.test(schema.$schema ?? "");
  return (draft07 ? ajv07 : ajv2020).compile(schema);
}

// ---- JSON pointers ----
const unescape = (t) => t.replace(/~1/g, "/").replace(/~0/g, "~");
function removeAt(schema, pointer) {
  const copy = structuredClone(schema);
  const toks = pointer.split("/").slice(1).map(unescape);
  let o = copy;
  for (const t of toks.slice(0, -1)) o = o[t];
  delete o[toks.at(-1)];
  return copy;
}

// ---- Requests ----
// heft synth's vocabulary: <unk> <s> </s>, then the 256 byte tokens (checked through /detokenize below).
const byteToken = (ch) => 3 + ch.charCodeAt(0);
// An entry's "bias" ({char: logit}) as logit_bias, so strings that nothing bounds (property names, emails) end.
const logitBias = (entry) => entry.bias ? {logit_bias: Object.fromEntries(Object.entries(entry.bias).map(([c, b]) => [String(byteToken(c)), b]))} : {};
const messages = (name) => [{role: "system", content: "Answer in JSON."}, {role: "user", content: `Give me a ${name}.`}];
const responseFormat = (name, schema, strict = true) => ({type: "json_schema", json_schema: {name: name.replace(/[^a-zA-Z0-9_-]/g, "_"), schema, strict}});

async function statusOf(promise) {
  try {
    return {status: 0, value: await promise};
  } catch (e) {
    return {status: e.status ?? -1, error: e.error, message: e.message};
  }
}

// A refusal's message (or the header) names the keyword and its JSON pointer.
const namesKeywordAndPointer = (msg, keyword, pointer) =>
    typeof msg === "string" && msg.includes(keyword) && msg.includes(pointer);

const tally = {stop: 0, length: 0, other: 0};
const perSchema = new Map();
// Counts one generation; a completed one must be JSON the schema accepts (validate: ajv's, compiled from schema).
function record(where, name, schema, validate, content, finish) {
  const s = perSchema.get(name) ?? {stop: 0, total: 0};
  perSchema.set(name, s);
  s.total++;
  if (finish === "length") { tally.length++; return; }
  if (finish !== "stop") {
    tally.other++;
    check.check(false, `${where}: finish_reason ${JSON.stringify(finish)} (content ${JSON.stringify(content)})`);
    return;
  }
  tally.stop++;
  s.stop++;
  let value;
  try {
    value = JSON.parse(content);
  } catch (e) {
    check.check(false, `${where}: completed output is not JSON (${e.message}): ${JSON.stringify(content)}`);
    return;
  }
  const ok = validate(value);
  check.check(ok, `${where}: output ${JSON.stringify(content)} fails the schema (${ok ? "" : ajv2020.errorsText(validate.errors)}); schema ${JSON.stringify(schema)}`);
}

try {
  const step = (what) => console.error(`serve_structured: ${what}`);
  step("building a random-weight model");
  const model = path.join(tmp, "mini.gguf");
  const template = path.join(tmp, "chat.jinja");
  fs.writeFileSync(template, "{% for m in messages %}<|{{ m.role }}|>\n{{ m.content }}\n{% endfor %}" +
                             "{% if add_generation_prompt %}<|assistant|>\n{% endif %}");
  const synth = runHeft(args.heft, ["synth", model, "--preset", "mini", "--seed", "7", "--chat-template", template]);
  if (synth.status !== 0) throw new Error(`heft synth failed: ${synth.stderr}`);
  const server = await startServer(args.heft, model, ["-t", "2", "-c", "512", "--parallel", "4", "--alias", "mini"]);
  const openai = new OpenAI({baseURL: `${server.url}/v1`, apiKey: "none", maxRetries: 0, timeout: 300000});
  const detok = await (await fetch(`${server.url}/detokenize`, {method: "POST", body: JSON.stringify({tokens: ['"', "@", "."].map(byteToken)})})).json();
  check.check(detok.content === '"@.', `byte tokens for logit_bias: ${JSON.stringify(detok)}`);
  const chat = (name, schema, seed, extra = {}) => openai.chat.completions.create({
    model: "mini", messages: messages(name), temperature: 1.0, seed, max_completion_tokens: MAX_TOKENS,
    response_format: responseFormat(name, schema), ...extra});
  const rawChat = async (body) => {
    const r = await fetch(`${server.url}/v1/chat/completions`, {method: "POST", headers: {"content-type": "application/json"},
                                                               body: JSON.stringify({model: "mini", temperature: 1.0, max_completion_tokens: MAX_TOKENS, ...body})});
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch {}
    return {status: r.status, headers: r.headers, text, json};
  };

  step(`${suite.schemas.length} schemas x ${SEEDS} seeds (chat), every other also through /v1/completions`);
  const jobs = [];
  const firstChat = new Map();   // schema name -> {seed, content, finish} of its first chat generation (for the streaming check)
  const refusedProbes = [];
  const enforced = [];
  for (const [k, entry] of suite.schemas.entries()) {
    const validate = compile(entry.schema);
    // The first request tells whether heft takes the schema at all.
    jobs.push(async () => {
      const seed = 1000 * k + 1;
      const r = await statusOf(chat(entry.name, entry.schema, seed, logitBias(entry)));
      if (r.status !== 0) {
        if (entry.mayRefuse && r.status === 400) {
          refusedProbes.push(`${entry.name}: ${r.message}`);
          const m = /'([A-Za-z$]+)' at (\/\S*?)(?::|\s|$)/.exec(r.message);
          check.check(m && m[2].endsWith(`/${m[1]}`), `probe ${entry.name}: a refusal that names no keyword and its pointer: ${r.message}`);
        } else {
          check.check(false, `schema ${entry.name}: request failed with ${r.status}: ${r.message}`);
        }
        return;
      }
      enforced.push(entry.name);
      const c = r.value.choices[0];
      firstChat.set(entry.name, {seed, content: c.message.content, finish: c.finish_reason});
      record(`schema ${entry.name} seed ${seed} (chat)`, entry.name, entry.schema, validate, c.message.content, c.finish_reason);
      // The other seeds, and /v1/completions for every third schema.
      const more = [];
      for (let s = 2; s <= SEEDS; s++) {
        more.push(async () => {
          const r2 = await statusOf(chat(entry.name, entry.schema, 1000 * k + s, logitBias(entry)));
          if (!check.check(r2.status === 0, `schema ${entry.name} seed ${1000 * k + s}: ${r2.status} ${r2.message}`)) return;
          const c2 = r2.value.choices[0];
          record(`schema ${entry.name} seed ${1000 * k + s} (chat)`, entry.name, entry.schema, validate, c2.message.content, c2.finish_reason);
        });
      }
      if (k % 2 === 0) {
        for (let s = 1; s <= COMPLETION_SEEDS; s++) {
          more.push(async () => {
            const seed2 = 1000 * k + 500 + s;
            const r2 = await statusOf(openai.completions.create({model: "mini", prompt: `A ${entry.name} in JSON: `, temperature: 1.0,
                                                                 seed: seed2, max_tokens: MAX_TOKENS, json_schema: entry.schema, ...logitBias(entry)}));
            if (!check.check(r2.status === 0, `schema ${entry.name} seed ${seed2} (completions): ${r2.status} ${r2.message}`)) return;
            const c2 = r2.value.choices[0];
            record(`schema ${entry.name} seed ${seed2} (/v1/completions json_schema)`, entry.name, entry.schema, validate, c2.text, c2.finish_reason);
          });
        }
      }
      await pool(more, 2);
    });
  }
  await pool(jobs, CONCURRENCY / 2);

  step("refusals of keywords heft cannot enforce");
  await pool(suite.refusals.map((entry, k) => async () => {
    const where = `refusal ${entry.name}`;
    // strict: 400, naming the keyword and where it is.
    const r = await statusOf(chat(entry.name, entry.schema, 7, logitBias(entry)));
    check.check(r.status === 400 && namesKeywordAndPointer(r.message, entry.keyword, entry.pointer),
                `${where} (strict): want 400 naming '${entry.keyword}' at ${entry.pointer}, got ${r.status} ${r.message ?? JSON.stringify(r.value?.choices?.[0])}`);
    // strict false: served, the keyword listed in the header, the rest enforced.
    let rest = entry.schema;
    for (const p of entry.remove ?? [entry.pointer]) rest = removeAt(rest, p);
    const validate = compile(rest);
    for (let s = 1; s <= 2; s++) {
      const seed = 9000 + 10 * k + s;
      const lenient = await rawChat({messages: messages(entry.name), seed, response_format: responseFormat(entry.name, entry.schema, false),
                                     ...logitBias(entry)});
      const header = lenient.headers.get("x-heft-unenforced-keywords");
      if (!check.check(lenient.status === 200, `${where} (strict false, seed ${seed}): ${lenient.status} ${lenient.text}`)) continue;
      check.check(namesKeywordAndPointer(header, entry.keyword, entry.pointer),
                  `${where} (strict false): X-Heft-Unenforced-Keywords ${JSON.stringify(header)} does not list '${entry.keyword}' at ${entry.pointer}`);
      const c = lenient.json.choices[0];
      record(`${where} (strict false, seed ${seed}; validated without ${(entry.remove ?? [entry.pointer]).join(", ")})`,
             `refusal:${entry.name}`, rest, validate, c.message.content, c.finish_reason);
    }
  }), CONCURRENCY);
  {
    // A schema heft enforces whole lists nothing, strict or not.
    const r = await rawChat({messages: messages("x"), seed: 1, response_format: responseFormat("x", suite.schemas[0].schema, false)});
    check.check(r.status === 200 && r.headers.get("x-heft-unenforced-keywords") === null,
                `a fully enforced schema with strict false: ${r.status}, header ${r.headers.get("x-heft-unenforced-keywords")}`);
  }

  step("json_object");
  {
    const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
    const results = await pool(Array.from({length: 8}, (_, s) => () => statusOf(openai.chat.completions.create({
      model: "mini", messages: messages("object"), temperature: 1.0, seed: 300 + s, max_completion_tokens: MAX_TOKENS,
      response_format: {type: "json_object"}, ...logitBias({bias: {'"': 5}})}))), CONCURRENCY);
    let completed = 0;
    results.forEach((r, s) => {
      if (!check.check(r.status === 0, `json_object seed ${300 + s}: ${r.status} ${r.message}`)) return;
      const c = r.value.choices[0];
      if (c.finish_reason !== "stop") return;
      completed++;
      let v;
      try { v = JSON.parse(c.message.content); } catch {}
      check.check(isObject(v), `json_object seed ${300 + s}: not a JSON object: ${JSON.stringify(c.message.content)}`);
    });
    // Completions too (the field llama-server takes: response_format on /v1/completions).
    const comp = await statusOf(openai.completions.create({model: "mini", prompt: "{", temperature: 1.0, seed: 5, max_tokens: MAX_TOKENS,
                                                           response_format: {type: "json_object"}, ...logitBias({bias: {'"': 5}})}));
    if (check.check(comp.status === 0, `json_object on /v1/completions: ${comp.status} ${comp.message}`)) {
      const c = comp.value.choices[0];
      if (c.finish_reason === "stop") {
        completed++;
        let v;
        try { v = JSON.parse(c.text); } catch {}
        check.check(isObject(v), `json_object (completions): not a JSON object: ${JSON.stringify(c.text)}`);
      }
    }
    console.error(`serve_structured: json_object: ${completed} of 9 completed`);
    check.check(completed >= 3, `json_object: only ${completed} of 9 generations completed`);
  }

  step("a 3-token limit");
  for (const name of ["flat-required", "nested-objects", "format-uuid", "consts", "pattern-code"]) {
    const entry = suite.schemas.find((e) => e.name === name);
    const r = await statusOf(chat(name, entry.schema, 11, {max_completion_tokens: 3}));
    if (!check.check(r.status === 0, `${name} with 3 tokens: ${r.status} ${r.message}`)) continue;
    const c = r.value.choices[0];
    check.check(c.finish_reason === "length" && r.value.usage.completion_tokens <= 3,
                `${name} with max_completion_tokens 3: finish_reason ${c.finish_reason}, ${r.value.usage.completion_tokens} tokens, content ${JSON.stringify(c.message.content)}`);
  }

  step("streaming");
  {
    const names = [...firstChat.keys()].filter((_, i) => i % 6 === 0);
    await pool(names.map((name) => async () => {
      const entry = suite.schemas.find((e) => e.name === name);
      const want = firstChat.get(name);
      const stream = await chat(name, entry.schema, want.seed, {stream: true, ...logitBias(entry)});
      let text = "", finish = null;
      for await (const ch of stream)
        for (const choice of ch.choices) { text += choice.delta.content ?? ""; if (choice.finish_reason) finish = choice.finish_reason; }
      check.check(text === want.content && finish === want.finish,
                  `streamed ${name} seed ${want.seed}: ${JSON.stringify(text)} (${finish}) vs unstreamed ${JSON.stringify(want.content)} (${want.finish})`);
    }), CONCURRENCY);
  }

  // ---- Summary ----
  const total = tally.stop + tally.length + tally.other;
  const share = total ? tally.stop / total : 0;
  console.error(`serve_structured: ${enforced.length} schemas enforced, ${refusedProbes.length} probes refused, ${suite.refusals.length} refusal cases`);
  for (const p of refusedProbes) console.error(`serve_structured:   refused probe ${p}`);
  console.error(`serve_structured: ${total} generations: ${tally.stop} completed (${(100 * share).toFixed(1)}%), ${tally.length} hit the token limit`);
  const never = [...perSchema].filter(([, s]) => s.stop === 0).map(([n]) => n);
  if (never.length) console.error(`serve_structured: never completed: ${never.join(", ")}`);
  check.check(enforced.length >= 50, `only ${enforced.length} schemas were enforced (want 50 or more)`);
  check.check(share >= MIN_COMPLETED, `only ${(100 * share).toFixed(1)}% of generations completed (want ${100 * MIN_COMPLETED}%)`);
} finally {
  killServers();
  fs.rmSync(tmp, {recursive: true, force: true});
}
check.finish();
