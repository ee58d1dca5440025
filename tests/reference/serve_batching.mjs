// `heft serve`'s continuous batching against `heft run`, on every SIMD target
// this machine runs, driven through the official openai client:
//   - at temperature 0 each request's text is `heft run`'s for the same prompt;
//   - 32 concurrent requests (prompts of many lengths, read in chunks beside
//     the running streams) each get exactly their solo tokens and logprobs,
//     bit for bit: no row of a pass depends on the others;
//   - a second request sharing a long prefix computes only its new tokens
//     (usage.prompt_tokens_details.cached_tokens and /metrics), with the output
//     it has without the cache.
// The models are random-weight files of the types whose prompt-batch and
// single-token sums differ (Q4_0, Q4_K_M), so an order mixed up between rows
// shows. -b 8 makes prompts of 8k + 1 tokens end in a lone row (single-token
// order in `heft run`); --batch-tokens 48 with 32 streams splits prompts over passes.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseArgs, loadPackage, runHeft, heftTargets, Checker} from "./lib/ref.mjs";
import {startServer as startHeftServer, killServers} from "./lib/serve.mjs";

const args = parseArgs();
const check = new Checker("serve_batching");
const {OpenAI} = await loadPackage("openai");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-batching-"));
const common = ["-c", "256", "-b", "8", "-t", "2"];

async function startServer(model, simd, extra = []) {
  const s = await startHeftServer(args.heft, model, [...common, ...extra], {env: {HEFT_SIMD: simd}});
  s.client = new OpenAI({baseURL: `${s.url}/v1`, apiKey: "none", maxRetries: 0});
  return s;
}

function metric(text, name) {
  const m = new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

// Prompts of 0 to 70 characters of words (the synthetic vocabulary is about a token
// per byte, so lengths fall on every residue of the 8-token chunks and 16-token blocks).
const words = ["the", "cat", "sat", "on", "a", "mat", "and", "then", "it", "ran", "far", "away", "over", "hills", "x"];
let seed = 12345;
const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const prompts = [""];
for (let len = 1; prompts.length < 16; len += 5) {
  let p = "";
  while (p.length < len) p += (p ? " " : "") + words[rand(words.length)];
  prompts.push(p);
}
const N = 12;

try {
  for (const type of ["Q4_0", "Q4_K_M"]) {
    const model = path.join(tmp, `mini-${type}.gguf`);
    const synth = runHeft(args.heft, ["synth", "--preset", "mini", "--type", type, "--std", "0.1", model]);
    if (synth.status !== 0) throw new Error(`heft synth failed: ${synth.stderr}`);
    for (const simd of heftTargets(args.heft)) {
      const where = `${type} ${simd}`;
      const s = await startServer(model, simd, ["--parallel", "32", "--batch-tokens", "48", "--alias", "x"]);
      const ask = (prompt, extra = {}) => s.client.completions.create({model: "x", prompt, max_tokens: N, temperature: 0, logprobs: 1, ...extra});

      // Alone, one at a time: `heft run`'s text.
      const solo = [];
      for (const p of prompts) {
        const r = runHeft(args.heft, ["run", model, "-p", p, "-n", String(N), "--temp", "0", "--json", ...common], {simd});
        if (r.status !== 0) throw new Error(`heft run failed: ${r.stderr}`);
        const want = JSON.parse(r.stdout);
        const got = await ask(p);
        solo.push(got.choices[0]);
        check.check(got.choices[0].text === want.text && got.usage.completion_tokens === want.tokens.length &&
                    got.usage.prompt_tokens === want.prompt_tokens.length,
                    `${where} '${p}' (${want.prompt_tokens.length} tokens): ${JSON.stringify(got.choices[0].text)} vs heft run ${JSON.stringify(want.text)}`);
      }

      // 32 at once, in an order other than the solo one: the same tokens and logprobs, bit for bit.
      const order = Array.from({length: 32}, (_, i) => (i * 7 + 3) % prompts.length);
      const many = await Promise.all(order.map((i) => ask(prompts[i])));
      many.forEach((r, k) => {
        const a = r.choices[0], b = solo[order[k]];
        check.check(a.text === b.text && JSON.stringify(a.logprobs.token_logprobs) === JSON.stringify(b.logprobs.token_logprobs),
                    `${where} concurrent '${prompts[order[k]]}': ${JSON.stringify(a.logprobs.token_logprobs)} vs solo ${JSON.stringify(b.logprobs.token_logprobs)}`);
      });

      // A shared prefix: the second request reads only its own tokens, and says so.
      const prefix = "the cat sat on a mat and then it ran far away over hills and the cat sat on a mat then ran far away";
      const first = prefix + " then the end";
      const second = prefix + " and a cat";
      const before = await (await fetch(`${s.url}/metrics`)).text();
      const solo2 = JSON.parse(runHeft(args.heft, ["run", model, "-p", second, "-n", String(N), "--temp", "0", "--json", ...common], {simd}).stdout);
      const a = await ask(first);
      const b = await ask(second);
      const after = await (await fetch(`${s.url}/metrics`)).text();
      const cached = b.usage.prompt_tokens_details?.cached_tokens;
      const ids = (text) => JSON.parse(runHeft(args.heft, ["tokenize", model, "--ids"], {input: text}).stdout);
      const ta = ids(first), tb = ids(second);
      let shared = 0;
      while (shared < ta.length && shared < tb.length && ta[shared] === tb[shared]) shared++;
      // Whole 16-token blocks of the shared tokens; never the last prompt token.
      const expect = Math.floor(Math.min(shared, b.usage.prompt_tokens - 1) / 16) * 16;
      check.check(a.usage.prompt_tokens_details?.cached_tokens === 0, `${where} first request cached ${JSON.stringify(a.usage)}`);
      check.check(cached === expect && cached >= 64, `${where} second request cached ${cached}, expected ${expect}`);
      check.check(b.choices[0].text === solo2.text, `${where} cached prefix: ${JSON.stringify(b.choices[0].text)} vs heft run ${JSON.stringify(solo2.text)}`);
      check.check(metric(after, "heft_prefix_cache_hits_total") - metric(before, "heft_prefix_cache_hits_total") === cached,
                  `${where} /metrics prefix hits grew by ${metric(after, "heft_prefix_cache_hits_total") - metric(before, "heft_prefix_cache_hits_total")}`);
      check.check(metric(after, "heft_prefix_cache_queries_total") - metric(before, "heft_prefix_cache_queries_total") ===
                  a.usage.prompt_tokens + b.usage.prompt_tokens, `${where} /metrics prefix queries`);
      check.check(metric(after, "heft_kv_cache_used_blocks") === 0 && metric(after, "heft_kv_cache_blocks") === 256 * 32 / 16,
                  `${where} KV blocks after: ${metric(after, "heft_kv_cache_used_blocks")} of ${metric(after, "heft_kv_cache_blocks")}`);
      // The same request again: all but its last block from the cache, the same text.
      const again = await ask(first);
      check.check(again.choices[0].text === a.choices[0].text &&
                  again.usage.prompt_tokens_details.cached_tokens === Math.floor((a.usage.prompt_tokens - 1) / 16) * 16,
                  `${where} repeated request: cached ${again.usage.prompt_tokens_details.cached_tokens} of ${a.usage.prompt_tokens}`);
      await s.stop();
    }
  }
} finally {
  killServers();
  fs.rmSync(tmp, {recursive: true, force: true});
}
check.finish();
