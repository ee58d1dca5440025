// heft vs llama.cpp on the same GGUF files (see bench/compare). Each round runs
// heft once (`heft bench -r 1 --json`, which warms up first) and then llama.cpp
// once, so drift in machine load hits both alike; the rounds give mean ±
// sample standard deviation. llama.cpp is node-llama-cpp's prebuilt CPU build
// (in process; the best variant for this CPU) unless --llama-bench names a
// local llama-bench binary. The memory bandwidth (bench/bandwidth) is measured
// before and after the whole run and around every heft round, and decode speed
// is reported as a share of it: of the readings around the same round (the
// host's bandwidth moves between minutes), and of the highest reading of the run.
import {spawnSync} from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import {fileURLToPath, pathToFileURL} from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");

function parse(argv) {
  const a = {heft: null, llamaBench: null, p: [512], n: [128], t: 2, r: 5, out: null, models: [], bandwidth: null, cache: "f16"};
  const list = (s) => s.split(",").map(Number).filter((x) => x > 0);
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i], v = argv[i + 1];
    if (k === "--heft") { a.heft = v; i++; }
    else if (k === "--llama-bench") { a.llamaBench = v; i++; }
    else if (k === "--bandwidth") { a.bandwidth = v; i++; }
    else if (k === "-p") { a.p = list(v); i++; }
    else if (k === "-n") { a.n = list(v); i++; }
    else if (k === "-t") { a.t = Number(v); i++; }
    else if (k === "-r") { a.r = Number(v); i++; }
    else if (k === "--out") { a.out = v; i++; }
    else if (k.startsWith("-")) { console.error(`unknown option ${k}`); process.exit(1); }
    else a.models.push(k);
  }
  if (!a.models.length) {
    console.error("usage: bench/compare [--heft PATH] [--llama-bench PATH] [-p 512] [-n 128] [-t 2] [-r 5] [--out DIR] MODEL...");
    process.exit(1);
  }
  const firstExisting = (...c) => c.find((f) => f && fs.existsSync(f));
  a.heft = firstExisting(a.heft, `${repo}/build/heft`, `${repo}/build-perf/heft`);
  a.bandwidth = firstExisting(a.bandwidth, `${repo}/build/bench/bandwidth`, `${repo}/build-perf/bench/bandwidth`);
  if (!a.heft) { console.error("heft binary not found (--heft PATH)"); process.exit(1); }
  a.out = a.out || `${repo}/build/bench-results/${new Date().toISOString().replace(/[:.]/g, "-")}`;
  return a;
}

const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
const sd = (v) => v.length < 2 ? 0 : Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / (v.length - 1));

function run(cmd, args) {
  const r = spawnSync(cmd, args, {encoding: "utf8", maxBuffer: 1 << 28});
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr || r.error}`);
  return r.stdout;
}

// This process's peak resident set (VmHWM), and a reset of it to the current
// size (clear_refs 5, Linux 4.0+), so that llama.cpp's figure is the peak of
// its load and rounds, as heft's is, not the size left after a round.
function peakRss() {
  try {
    const m = /^VmHWM:\s*(\d+) kB/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {}
  return process.memoryUsage.rss();
}
function resetPeakRss() {
  try { fs.writeFileSync("/proc/self/clear_refs", "5"); } catch {}
}

function bandwidth(a) {
  if (!a.bandwidth) return null;
  // The median pass: single best passes of a virtual machine's memory are sometimes far off.
  return JSON.parse(run(a.bandwidth, ["-t", String(a.t), "--json"])).median_gb_s;
}

// heft: one repetition of every test, after its own warm-up.
function heftRound(a, model) {
  const out = JSON.parse(run(a.heft, ["bench", model, "-p", a.p.join(","), "-n", a.n.join(","), "-t", String(a.t),
                                      "-r", "1", "--cache-type", a.cache, "--json"]));
  const res = {};
  for (const o of out) res[o.test] = o.avg_ts;
  return {res, rss: out[0].peak_rss_bytes, simd: out[0].simd, size: out[0].model_size, type: out[0].model_type};
}

// llama.cpp through node-llama-cpp, loaded once per model.
async function nodeLlama() {
  const ref = await import(pathToFileURL(`${repo}/tests/reference/lib/ref.mjs`).href);
  const {getLlama} = await ref.loadPackage("node-llama-cpp");
  return getLlama({gpu: false, build: "never", logLevel: "error"});
}

async function llamaNodeModel(llama, a, model) {
  const m = await llama.loadModel({modelPath: model});
  const maxCtx = Math.max(...a.p, 0) + Math.max(...a.n, 0) + 16;
  const ctx = await m.createContext({contextSize: maxCtx, batchSize: 512, threads: a.t, flashAttention: false,
                                     experimentalKvCacheKeyType: a.cache.toUpperCase(),
                                     experimentalKvCacheValueType: a.cache.toUpperCase()});
  const seq = ctx.getSequence();
  let seed = 42;  // token ids 10 .. 1009: inside every vocabulary, away from special tokens
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) % 1000 + 10;
  const pp = async (n) => {
    await seq.clearHistory();
    const toks = Array.from({length: n}, rnd);
    const t0 = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(toks);
    return n / ((performance.now() - t0) / 1000);
  };
  // One token at a time, with logits and a greedy pick for each (llama-bench's tg computes logits too).
  const tg = async (n) => {
    await seq.clearHistory();
    let got = 0;
    const t0 = performance.now();
    for await (const _ of seq.evaluate([rnd()], {temperature: 0})) if (++got >= n) break;
    return n / ((performance.now() - t0) / 1000);
  };
  // Warm-up, as llama-bench does.
  if (a.p.length) await pp(Math.min(...a.p));
  await tg(4);
  return {
    async round() {
      const res = {};
      for (const p of a.p) res[`pp${p}`] = await pp(p);
      for (const n of a.n) res[`tg${n}`] = await tg(n);
      return {res, rss: peakRss()};
    },
    async dispose() { await ctx.dispose(); await m.dispose(); },
  };
}

function llamaBenchRound(a, model) {
  const args = ["-m", model, "-p", a.p.join(","), "-n", a.n.join(","), "-t", String(a.t), "-r", "1", "-o", "json", "-fa", "0"];
  const r = spawnSync("/usr/bin/time", ["-f", "%M", a.llamaBench, ...args], {encoding: "utf8", maxBuffer: 1 << 28});
  if (r.status !== 0) throw new Error(`llama-bench failed: ${r.stderr}`);
  const res = {};
  for (const o of JSON.parse(r.stdout)) res[o.n_prompt > 0 ? `pp${o.n_prompt}` : `tg${o.n_gen}`] = o.avg_ts;
  const kb = Number(r.stderr.trim().split("\n").pop());
  return {res, rss: kb * 1024};
}

function svgChart(rows) {
  const w = 760, barH = 18, gap = 10, left = 260, scale = 250;  // 1.0x = 250 px
  const h = 50 + rows.length * (barH + gap);
  const lines = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
                 `<text x="10" y="20" font-size="14">heft / llama.cpp throughput (same file, same threads; &gt; 1 is faster)</text>`];
  rows.forEach((r, i) => {
    const y = 40 + i * (barH + gap), len = Math.min(r.ratio, 2.8) * scale;
    const color = r.ratio >= 1 ? "#2a7" : "#d55";
    lines.push(`<text x="10" y="${y + 13}">${r.label}</text>`);
    lines.push(`<rect x="${left}" y="${y}" width="${len.toFixed(1)}" height="${barH}" fill="${color}"/>`);
    lines.push(`<text x="${(left + len + 5).toFixed(1)}" y="${y + 13}">${r.ratio.toFixed(2)}x</text>`);
  });
  lines.push(`<line x1="${left + scale}" y1="30" x2="${left + scale}" y2="${h - 5}" stroke="#333" stroke-dasharray="4 3"/>`);
  lines.push("</svg>");
  return lines.join("\n") + "\n";
}

const a = parse(process.argv.slice(2));
fs.mkdirSync(a.out, {recursive: true});
const bwBefore = bandwidth(a);
const llama = a.llamaBench ? null : await nodeLlama();
const results = [];
for (const model of a.models) {
  const heft = {}, ref = {};
  let heftRss = 0, refRss = 0, info = null;
  const roundCeilings = [];
  resetPeakRss();
  const baseRss = process.memoryUsage.rss();
  const lm = llama ? await llamaNodeModel(llama, a, model) : null;
  for (let round = 0; round < a.r; round++) {
    const bw0 = bandwidth(a);
    const h = heftRound(a, model);
    const bw1 = bandwidth(a);
    if (bw0 || bw1) roundCeilings.push(Math.max(bw0 || 0, bw1 || 0));
    info = h;
    heftRss = Math.max(heftRss, h.rss);
    for (const [k, v] of Object.entries(h.res)) (heft[k] ||= []).push(v);
    const l = lm ? await lm.round() : llamaBenchRound(a, model);
    refRss = Math.max(refRss, lm ? l.rss - baseRss : l.rss);
    for (const [k, v] of Object.entries(l.res)) (ref[k] ||= []).push(v);
    process.stderr.write(`${path.basename(model)} round ${round + 1}/${a.r}: ` +
                         Object.keys(heft).map((k) => `${k} heft ${heft[k].at(-1).toFixed(1)} llama.cpp ${ref[k].at(-1).toFixed(1)}`).join(", ") + "\n");
  }
  if (lm) await lm.dispose();
  for (const test of Object.keys(heft))
    results.push({model: path.basename(model), model_type: info.type, model_size: info.size, simd: info.simd, test,
                  heft: {avg_ts: mean(heft[test]), stddev_ts: sd(heft[test]), samples: heft[test], peak_rss_bytes: heftRss},
                  llama_cpp: {avg_ts: mean(ref[test]), stddev_ts: sd(ref[test]), samples: ref[test], peak_rss_bytes: refRss},
                  ratio: mean(heft[test]) / mean(ref[test]), round_ceilings_gb_s: roundCeilings});
}
const bwAfter = bandwidth(a);
const readings = [bwBefore, bwAfter, ...results.flatMap((r) => r.round_ceilings_gb_s)].filter((x) => x);
const ceiling = readings.length ? Math.max(...readings) : null;

const fmt = (m, s) => `${m.toFixed(2)} ± ${s.toFixed(2)}`;
const mib = (b) => (b / 1048576).toFixed(0);
const lines = [
  `Machine: ${os.cpus()[0].model}, ${os.cpus().length} logical cores; threads: ${a.t}; rounds: ${a.r}; KV cache ${a.cache}; heft kernels: ${results[0]?.simd}`,
  `llama.cpp: ${a.llamaBench ? a.llamaBench : "node-llama-cpp 3.21.1 prebuilt CPU build"}; memory read bandwidth (bench/bandwidth, ${a.t} threads, median pass): ${bwBefore?.toFixed(1)} GB/s before, ${bwAfter?.toFixed(1)} GB/s after, ` +
      `${readings.length ? Math.min(...readings).toFixed(1) : "?"}-${ceiling?.toFixed(1)} GB/s over all readings (around every heft round too)`,
  "",
  "| model | test | heft t/s | llama.cpp t/s | heft / llama.cpp | heft GB/s (tg: % of the readings around its rounds / of the highest) | peak RSS heft / llama.cpp (MiB) |",
  "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
];
for (const r of results) {
  let bw = "";
  if (r.test.startsWith("tg") && ceiling) {
    const gbs = r.model_size * r.heft.avg_ts / 1e9;
    // Each round against the higher of the two readings taken just before and after it.
    const rc = r.round_ceilings_gb_s;
    const near = rc.length === r.heft.samples.length ? mean(r.heft.samples.map((ts, i) => r.model_size * ts / 1e9 / rc[i])) : null;
    r.heft.share_of_round_ceiling = near;
    r.heft.share_of_highest = gbs / ceiling;
    bw = `${gbs.toFixed(1)} (${near === null ? "?" : (100 * near).toFixed(0)}% / ${(100 * gbs / ceiling).toFixed(0)}%)`;
  }
  lines.push(`| ${r.model} | ${r.test} | ${fmt(r.heft.avg_ts, r.heft.stddev_ts)} | ${fmt(r.llama_cpp.avg_ts, r.llama_cpp.stddev_ts)} | ` +
             `${r.ratio.toFixed(2)} | ${bw} | ${mib(r.heft.peak_rss_bytes)} / ${mib(r.llama_cpp.peak_rss_bytes)} |`);
}
if (!a.llamaBench) lines.push("", "llama.cpp's RSS is the node process's peak growth while the model was loaded and run (node itself excluded).");
const table = lines.join("\n") + "\n";
fs.writeFileSync(path.join(a.out, "table.md"), table);
fs.writeFileSync(path.join(a.out, "chart.svg"), svgChart(results.map((r) => ({label: `${r.model} ${r.test}`, ratio: r.ratio}))));
fs.writeFileSync(path.join(a.out, "results.json"),
                 JSON.stringify({bandwidth_gb_s: {before: bwBefore, after: bwAfter}, threads: a.t, results}, null, 2) + "\n");
process.stdout.write(table);
process.stderr.write(`written to ${a.out}/ (table.md, chart.svg, results.json)\n`);
