// The soak loop of scripts/soak-serve (see there). Bounded: it stops after --minutes.
import {spawn} from "node:child_process";
import fs from "node:fs";

const argv = process.argv.slice(2);
const opt = {};
for (let i = 0; i < argv.length; i++) if (argv[i].startsWith("--")) opt[argv[i].slice(2)] = argv[++i];
const minutes = Number(opt.minutes ?? 10), clients = Number(opt.clients ?? 8);

const server = spawn(opt.heft, ["serve", opt.model, "--port", "0", "-t", "2", "--max-queue", "256"], {stdio: ["ignore", "ignore", "pipe"]});
let log = "";
server.stderr.on("data", (d) => { log += d; if (log.length > 1 << 20) log = log.slice(-(1 << 19)); });
while (!/listening on (http:\/\/\S+)/.test(log)) await new Promise((r) => setTimeout(r, 20));
const url = /listening on (http:\/\/\S+)/.exec(log)[1];
while ((await fetch(`${url}/health`).catch(() => ({status: 0}))).status !== 200) await new Promise((r) => setTimeout(r, 50));

const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, "utf8"))[1]) * 1024;
const samples = [];
const start = Date.now(), end = start + minutes * 60000;
const sampler = setInterval(() => samples.push({t: (Date.now() - start) / 1000, rss: rss()}), 10000);
const stats = {ok: 0, dropped: 0, failed: 0, errors: []};
const words = ["the", "dog", "ran", "to", "a", "tree", "and", "saw", "bird", "sun", "girl", "happy"];

async function client(id) {
  let k = 0;
  while (Date.now() < end) {
    k++;
    const stream = k % 2 === 0, drop = stream && k % 3 === 0;
    const prompt = Array.from({length: 8 + (k * 7 + id) % 40}, (_, i) => words[(i * 5 + k + id) % words.length]).join(" ");
    const ac = new AbortController();
    try {
      const res = await fetch(`${url}/v1/completions`, {method: "POST", signal: ac.signal, headers: {"content-type": "application/json"},
        body: JSON.stringify({prompt, max_tokens: 16 + (k * 13) % 100, temperature: (k % 4) / 4, stream})});
      if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
      if (stream) {
        let chunks = 0;
        for await (const _ of res.body) if (drop && ++chunks === 3) { ac.abort(); break; }
      } else {
        const j = await res.json();
        if (!j.choices?.length) throw new Error(`no choices: ${JSON.stringify(j)}`);
      }
      stats[drop ? "dropped" : "ok"]++;
    } catch (e) {
      if (drop && ac.signal.aborted) { stats.dropped++; continue; }
      stats.failed++;
      if (stats.errors.length < 10) stats.errors.push(String(e.message ?? e));
    }
  }
}
await Promise.all(Array.from({length: clients}, (_, i) => client(i)));
clearInterval(sampler);
samples.push({t: (Date.now() - start) / 1000, rss: rss()});
server.kill("SIGTERM");
const warm = samples.find((s) => s.t >= 60) ?? samples[0];
const last = samples[samples.length - 1];
const growth = (last.rss - warm.rss) / warm.rss;
const result = {minutes, clients, ...stats, rss_after_warmup_mb: +(warm.rss / 2 ** 20).toFixed(1),
                rss_end_mb: +(last.rss / 2 ** 20).toFixed(1), rss_max_mb: +(Math.max(...samples.map((s) => s.rss)) / 2 ** 20).toFixed(1),
                growth_percent: +(growth * 100).toFixed(2)};
console.log(JSON.stringify(result, null, 2));
process.exit(stats.failed === 0 && growth <= 0.10 ? 0 : 1);
