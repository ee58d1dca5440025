// heft serve's Ollama API driven by Ollama's official JavaScript client
// (ollama 0.6.4, pinned): version, list (tags), show, generate and chat,
// streamed and not, JSON format, errors. Expected texts come from other heft
// commands (`heft run` at temperature 0 on the prompt `heft template`
// renders), never from the server itself.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseArgs, loadPackage, runHeft, Checker} from "./lib/ref.mjs";
import {startServer, killServers} from "./lib/serve.mjs";

const args = parseArgs();
const check = new Checker("serve_ollama");
const {Ollama} = await loadPackage("ollama");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-ollama-"));
const demo = path.join(args.source, "models/tinystories-656k-q8_0.gguf");

function heftRun(model, prompt, n, extra = []) {
  const r = runHeft(args.heft, ["run", model, "-p", prompt, "-n", String(n), "--temp", "0", "-t", "2", "--json", ...extra]);
  if (r.status !== 0) throw new Error(`heft run failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
async function errorOf(p) {
  try { await p; return null; } catch (e) { return e; }
}

try {
  // The demo model: generate (raw: no template), tags, show, version.
  {
    const s = await startServer(args.heft, demo, ["-t", "2"]);
    const ollama = new Ollama({host: s.url});
    const v = await ollama.version();
    check.check(typeof v.version === "string" && v.version.length > 0, `version: ${JSON.stringify(v)}`);
    const tags = await ollama.list();
    const m = tags.models?.[0];
    check.check(tags.models.length === 1 && m.name === "tinystories-656k-q8_0:latest" && m.model === m.name,
                `list names the one model with a tag (${m?.name})`);
    check.check(m.size === fs.statSync(demo).size && /^[0-9a-f]{64}$/.test(m.digest) && !isNaN(Date.parse(m.modified_at)),
                "list: size, digest and modified_at");
    check.check(m.details.format === "gguf" && m.details.family === "llama" && m.details.quantization_level === "Q8_0" &&
                /K$/.test(m.details.parameter_size), `list details ${JSON.stringify(m.details)}`);
    const shown = await ollama.show({model: m.name});
    check.check(shown.model_info["general.architecture"] === "llama" && shown.details.quantization_level === "Q8_0" &&
                shown.capabilities.includes("completion") && shown.model_info["llama.context_length"] > 0,
                `show: model_info, details, capabilities (${JSON.stringify(shown.capabilities)})`);
    const missing = await errorOf(ollama.show({model: "llama3:8b"}));
    check.check(missing && missing.status_code === 404 && /not found/.test(missing.error), `show of another model: 404 (${missing?.error})`);

    const prompt = "Once upon a time, there was a little";
    const want = heftRun(demo, prompt, 12);
    const g = await ollama.generate({model: m.name, prompt, raw: true, stream: false, options: {temperature: 0, num_predict: 12}});
    check.check(g.response === want.text, `generate = heft run (${JSON.stringify(g.response)} vs ${JSON.stringify(want.text)})`);
    check.check(g.done === true && g.done_reason === "length" && g.eval_count === 12 && g.prompt_eval_count === want.prompt_tokens.length,
                `generate counts and done_reason (${g.done_reason}, ${g.eval_count}, ${g.prompt_eval_count} vs ${want.prompt_tokens.length})`);
    check.check(g.total_duration > 0 && typeof g.created_at === "string", "generate durations and created_at");
    let text = "", parts = 0, last;
    for await (const part of await ollama.generate({model: m.name, prompt, raw: true, stream: true, options: {temperature: 0, num_predict: 12}})) {
      if (!part.done) { text += part.response; parts++; }
      last = part;
    }
    check.check(text === want.text && parts >= 2, `streamed generate (NDJSON, ${parts} parts) = heft run`);
    check.check(last?.done === true && last.eval_count === 12 && last.done_reason === "length", "the stream ends with done and counts");
    const seeded = await ollama.generate({model: m.name, prompt, raw: true, stream: false, options: {temperature: 0.8, seed: 7, num_predict: 8}});
    const again = await ollama.generate({model: m.name, prompt, raw: true, stream: false, options: {temperature: 0.8, seed: 7, num_predict: 8}});
    check.check(seeded.response === again.response, "options.seed makes sampling repeatable");
    const loaded = await ollama.generate({model: m.name, prompt: ""});
    check.check(loaded.done === true && loaded.done_reason === "load", "an empty prompt answers done_reason load");
    const badOpt = await errorOf(ollama.generate({model: m.name, prompt, raw: true, stream: false, options: {mirostat: 2}}));
    check.check(badOpt && badOpt.status_code === 400 && /mirostat/.test(badOpt.error), `an option heft cannot honour is refused (${badOpt?.error})`);
    const unknown = await errorOf(ollama.generate({model: m.name, prompt, raw: true, stream: false, options: {warp_factor: 9}}));
    check.check(unknown && unknown.status_code === 400, "an unknown option is refused");
    const r = await fetch(`${s.url}/api/generate`, {method: "POST", body: JSON.stringify({model: m.name, prompt, raw: true, stream: false,
      options: {num_ctx: 4096, temperature: 0, num_predict: 2}})});
    check.check(r.status === 200 && /num_ctx/.test(r.headers.get("x-heft-warning") ?? ""), "num_ctx is accepted and reported as not applied per request");
    const bad = await fetch(`${s.url}/api/chat`, {method: "POST", body: "{"});
    const badBody = await bad.json();
    check.check(bad.status === 400 && typeof badBody.error === "string", "errors are Ollama's {\"error\": \"...\"}");
    await s.stop();
  }

  // A model with a chat template: chat, streamed and not, and JSON format.
  {
    const model = path.join(tmp, "phi3-chat.gguf");
    const synth = runHeft(args.heft, ["synth", "--preset", "mini", "--type", "Q8_0", "--vocab", path.join(args.shared, "vocab/ggml-vocab-phi-3.gguf"),
                                      "--chat-template", path.join(args.shared, "templates/microsoft-Phi-3.5-mini-instruct.jinja"), model]);
    if (synth.status !== 0) throw new Error(`heft synth failed: ${synth.stderr}`);
    const s = await startServer(args.heft, model, ["--alias", "phi3", "-c", "512", "-t", "2"]);
    const ollama = new Ollama({host: s.url});
    const messages = [{role: "system", content: "You are terse."}, {role: "user", content: "Name a colour."}];
    const msgFile = path.join(tmp, "messages.json");
    fs.writeFileSync(msgFile, JSON.stringify(messages));
    const rendered = runHeft(args.heft, ["template", model, "--messages", msgFile]);
    if (rendered.status !== 0) throw new Error(`heft template failed: ${rendered.stderr}`);
    const want = heftRun(model, rendered.stdout, 16, ["--parse-special"]);
    const c = await ollama.chat({model: "phi3", messages, stream: false, options: {temperature: 0, num_predict: 16}});
    check.check(c.message.role === "assistant" && c.message.content === want.text,
                `chat = heft run on the rendered template (${JSON.stringify(c.message.content)} vs ${JSON.stringify(want.text)})`);
    check.check(c.prompt_eval_count === want.prompt_tokens.length && c.eval_count === want.tokens.length, "chat counts");
    let text = "";
    for await (const part of await ollama.chat({model: "phi3:latest", messages, stream: true, options: {temperature: 0, num_predict: 16}}))
      if (!part.done) text += part.message.content;
    check.check(text === want.text, "streamed chat = unstreamed");
    const j = await ollama.chat({model: "phi3", messages: [{role: "user", content: "Give me JSON."}], format: "json", stream: false,
                                 options: {temperature: 1, seed: 3, num_predict: 48}});
    let parsed = null;
    try { parsed = JSON.parse(j.message.content); } catch {}
    check.check(j.done_reason === "length" || (parsed !== null && typeof parsed === "object"), `format: "json" gives JSON (${j.message.content})`);
    const schema = {type: "object", properties: {colour: {type: "string", enum: ["red", "blue"]}}, required: ["colour"], additionalProperties: false};
    const js = await ollama.chat({model: "phi3", messages: [{role: "user", content: "A colour?"}], format: schema, stream: false,
                                  options: {temperature: 1, seed: 5, num_predict: 48}});
    let obj = null;
    try { obj = JSON.parse(js.message.content); } catch {}
    check.check(js.done_reason === "length" || ["red", "blue"].includes(obj?.colour), `format: a JSON Schema holds the reply to it (${js.message.content})`);
    const other = await errorOf(ollama.chat({model: "mistral", messages, stream: false}));
    check.check(other && other.status_code === 404, "chat with another model: 404");
    const img = await errorOf(ollama.chat({model: "phi3", messages: [{role: "user", content: "x", images: ["aGk="]}], stream: false}));
    check.check(img && img.status_code === 400 && /image/.test(img.error), "images are refused with a reason");
    await s.stop();
  }
} finally {
  killServers();
  fs.rmSync(tmp, {recursive: true, force: true});
}
check.finish();
