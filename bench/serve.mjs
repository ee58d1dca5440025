// bench/serve: a load generator for an OpenAI-compatible server (heft serve or
// llama-server). For each concurrency it keeps that many streaming
// completions in flight for a fixed number of requests and reports aggregate
// generated tokens per second, and p50/p99 time to first token and
// inter-token latency, measured at the client from the SSE chunks.
//   node bench/serve.mjs --url http://127.0.0.1:8080 [--concurrency 1,4,16,64]
//     [--requests-per-stream 4] [--max-tokens 128] [--prompt-words 64] [--model NAME] [--json OUT]
// Or let it start heft itself: --heft build/heft --model-file m.gguf [-t 2] [--ctx-size C]
//   [--parallel N (default: the highest concurrency)] [--serve-args="more flags for heft serve"]
// Tokens are counted as the server reports them (usage, via stream_options.include_usage);
// one SSE chunk is one token for heft (a chunk per token) but not always for other servers,
// so inter-token latency is the gap between content chunks.
import {spawn} from "node:child_process";

const argv = process.argv.slice(2);
const opt = {};
for (let i = 0; i < argv.length; i++) {
  if (!argv[i].startsWith("--")) continue;
  const eq = argv[i].indexOf("=");  // --serve-args="--decode-order batch"
  if (eq > 0) opt[argv[i].slice(2, eq)] = argv[i].slice(eq + 1);
  else opt[argv[i].slice(2)] = argv[i + 1] && !argv[i + 1].startsWith("--") ? argv[++i] : true;
}
const levels = String(opt.concurrency ?? "1,4,16,64").split(",").map(Number);
const perStream = Number(opt["requests-per-stream"] ?? 4);
const maxTokens = Number(opt["max-tokens"] ?? 128);
const words = Number(opt["prompt-words"] ?? 64);

let server = null;
let url = opt.url;
if (!url) {
  if (!opt.heft || !opt["model-file"]) {
    console.error("bench/serve: give --url, or --heft and --model-file");
    process.exit(1);
  }
  const args = ["serve", opt["model-file"], "--port", "0", "-t", String(opt.t ?? 2), "--max-queue", "1024"];
  if (opt["ctx-size"]) args.push("-c", String(opt["ctx-size"]));
  args.push("--parallel", String(opt.parallel ?? Math.max(...levels)));
  if (opt["serve-args"]) args.push(...String(opt["serve-args"]).split(/\s+/).filter(Boolean));
  server = spawn(opt.heft, args, {stdio: ["ignore", "ignore", "pipe"]});
  let log = "";
  server.stderr.on("data", (d) => { log += d; });
  while (!/listening on (http:\/\/\S+)/.test(log)) {
    if (server.exitCode !== null) { console.error(`heft serve exited: ${log}`); process.exit(1); }
    await new Promise((r) => setTimeout(r, 20));
  }
  url = /listening on (http:\/\/\S+)/.exec(log)[1];
  while ((await fetch(`${url}/health`).catch(() => ({status: 0}))).status !== 200) {
    if (server.exitCode !== null) { console.error(`heft serve exited: ${log}`); process.exit(1); }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const vocabulary = ["the", "little", "dog", "ran", "to", "a", "big", "tree", "and", "saw", "bird", "sun", "happy", "girl"];
function prompt(seed) {
  const w = [];
  for (let i = 0; i < words; i++) w.push(vocabulary[(seed * 7 + i * 13 + (i * i) % 5) % vocabulary.length]);
  return w.join(" ");
}

async function one(seed) {
  const body = {prompt: prompt(seed), max_tokens: maxTokens, temperature: 0, stream: true,
                stream_options: {include_usage: true}};
  if (opt.model) body.model = opt.model;
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/completions`, {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body)});
  if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
  const decoder = new TextDecoder();
  let buf = "", ttft = null, last = null, tokens = 0;
  const gaps = [];
  for await (const part of res.body) {
    buf += decoder.decode(part, {stream: true});
    let at;
    while ((at = buf.indexOf("\n\n")) >= 0) {
      const event = buf.slice(0, at);
      buf = buf.slice(at + 2);
      if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
      const c = JSON.parse(event.slice(6));
      if (c.usage) tokens = c.usage.completion_tokens;
      if (c.choices?.[0]?.text) {
        const now = performance.now();
        if (ttft === null) ttft = now - t0;
        else gaps.push(now - last);
        last = now;
      }
    }
  }
  return {ttft, gaps, tokens};
}

function pct(xs, p) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

// One request first, not counted: the model's pages come in from the file.
await one(999999);
const rows = [];
for (const c of levels) {
  const results = [];
  const t0 = performance.now();
  await Promise.all(Array.from({length: c}, async (_, stream) => {
    for (let k = 0; k < perStream; k++) results.push(await one(stream * 1000 + k));
  }));
  const seconds = (performance.now() - t0) / 1000;
  const tokens = results.reduce((a, r) => a + r.tokens, 0);
  const ttfts = results.map((r) => r.ttft).filter((x) => x !== null);
  const gaps = results.flatMap((r) => r.gaps);
  const row = {concurrency: c, requests: results.length, tokens, seconds: +seconds.toFixed(2),
               tokens_per_second: +(tokens / seconds).toFixed(1),
               ttft_p50_ms: +pct(ttfts, 0.5).toFixed(1), ttft_p99_ms: +pct(ttfts, 0.99).toFixed(1),
               itl_p50_ms: +pct(gaps, 0.5).toFixed(2), itl_p99_ms: +pct(gaps, 0.99).toFixed(2)};
  rows.push(row);
  console.error(JSON.stringify(row));
}
console.log("| streams | requests | generated tokens/s | TTFT p50 / p99 ms | inter-token p50 / p99 ms |");
console.log("|---:|---:|---:|---:|---:|");
for (const r of rows)
  console.log(`| ${r.concurrency} | ${r.requests} | ${r.tokens_per_second} | ${r.ttft_p50_ms} / ${r.ttft_p99_ms} | ${r.itl_p50_ms} / ${r.itl_p99_ms} |`);
if (opt.json) (await import("node:fs")).writeFileSync(opt.json, JSON.stringify(rows, null, 2));
if (server) server.kill("SIGTERM");
