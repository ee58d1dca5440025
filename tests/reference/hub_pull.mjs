// `heft pull` against a mock Hub (lib/hub_mock.mjs) whose protocol is first
// checked with Hugging Face's official JavaScript client (@huggingface/hub
// 2.17.5, pinned): listFiles and downloadFile must work against it, and
// downloadFileToCacheDir's cache layout is what heft's store must match.
// Then: quantization, split and safetensors pulls; a pull killed at random
// offsets resumes without fetching again what it had saved and ends
// byte-identical; a changed byte is caught and nothing lands; dropped
// connections, 429 and 503 are retried (Retry-After honoured); gated and
// private repositories need the token, which never reaches the CDN host;
// offline mode works from the store; two pulls of one file download it once.
import {spawn} from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseArgs, loadPackage, Checker} from "./lib/ref.mjs";
import {makeRepo, startHub} from "./lib/hub_mock.mjs";

const args = parseArgs();
const check = new Checker("hub_pull");
const hubLib = await loadPackage("@huggingface/hub");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-pull-"));
const shared = (p) => fs.readFileSync(path.join(args.shared, "models", p));
const sha256 = (b) => crypto.createHash("sha256").update(b).digest("hex");
const rand = (n, seed) => {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) { x = (x * 1664525 + 1013904223) >>> 0; out[i] = x >>> 24; }
  return out;
};

const tinyQ8 = shared("TinyStories-656K-gguf/tinystories-656k-q8_0.gguf");
const tinyF32 = shared("TinyStories-656K-gguf/tinystories-656k-f32.gguf");
const miniF32 = shared("synthetic-mini-gguf/synthetic-mini-f32.gguf");
const card = (license) => `---\nlicense: ${license}\n---\n# test model\n`;
const st = {};
for (const f of fs.readdirSync(path.join(args.shared, "models/TinyStories-656K"))) st[f] = shared(`TinyStories-656K/${f}`);

// A GGUF of an architecture heft does not run: one F32 tensor of 24 MB behind a small header.
function alienGguf() {
  const parts = [];
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
  const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); parts.push(b); };
  const str = (t) => { u64(Buffer.byteLength(t)); parts.push(Buffer.from(t)); };
  parts.push(Buffer.from("GGUF")); u32(3); u64(1); u64(2);
  str("general.architecture"); u32(8); str("mamba-x");
  str("general.license"); u32(8); str("mit");
  str("blk.0.weight"); u32(1); u64(6 << 20); u32(0); u64(0);
  const head = Buffer.concat(parts);
  const pad = (32 - (head.length % 32)) % 32;
  return Buffer.concat([head, Buffer.alloc(pad), rand(24 << 20, 11)]);
}

const repos = [
  makeRepo({id: "heft-test/tiny-gguf", branches: {main: null, v1: null}, files: {
    "README.md": card("apache-2.0"), "LICENSE": "Apache License 2.0 (test)\n",
    "tinystories-656k-Q8_0.gguf": tinyQ8, "tinystories-656k-F32.gguf": tinyF32,
    "split/tiny-Q4_0-00001-of-00002.gguf": tinyQ8, "split/tiny-Q4_0-00002-of-00002.gguf": rand(100000, 7)}}),
  makeRepo({id: "heft-test/mini-gguf", files: {"README.md": card("mit"), "mini-F32.gguf": miniF32}}),
  makeRepo({id: "heft-test/tiny-st", files: {...st, "original/consolidated.pth": rand(5000, 3)}}),
  makeRepo({id: "heft-test/alien", files: {"README.md": card("mit"), "alien-F32.gguf": alienGguf()}}),
  makeRepo({id: "heft-test/alien-st", files: {"config.json": JSON.stringify({architectures: ["MambaForCausalLM"]}),
                                              "model.safetensors": rand(3 << 20, 5)}}),
  makeRepo({id: "heft-test/llama-licence", files: {"README.md": card("llama3.1"), "m-Q8_0.gguf": tinyQ8}}),
  makeRepo({id: "heft-test/gguf-licence", files: {"m-Q8_0.gguf": tinyQ8, "alien-F32.gguf": alienGguf()}}),
  makeRepo({id: "heft-test/gated", gated: "manual", token: "hf_gated_secret", files: {"README.md": card("apache-2.0"), "m-Q8_0.gguf": tinyQ8}}),
  makeRepo({id: "heft-test/private", private: true, token: "hf_private_secret", files: {"m-Q8_0.gguf": tinyQ8}}),
];
const repo = (id) => repos.find((r) => r.id === id);
const hub = await startHub(repos, {pageSize: 3});  // every listing spans pages

// heft asynchronously (the mock answers from this process's event loop).
function heft(argv, {env = {}, onSpawn} = {}) {
  return new Promise((resolve) => {
    const child = spawn(args.heft, argv, {env: {...process.env, HF_ENDPOINT: hub.url, HF_TOKEN: "", HF_HUB_OFFLINE: "",
                                                 HOME: tmp, ...env}});
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => stdout += d);
    child.stderr.on("data", (d) => stderr += d);
    child.on("close", (status, signal) => resolve({status, signal, stdout, stderr}));
    if (onSpawn) onSpawn(child);
  });
}
const cacheDir = (name) => path.join(tmp, name);
const repoDir = (cache, id) => path.join(cache, `models--${id.replace("/", "--")}`);
const pull = (cache, model, extra = [], opts = {}) => heft(["pull", model, ...extra], {...opts, env: {HF_HUB_CACHE: cache, ...(opts.env ?? {})}});

function checkStored(cache, r, file, what) {
  const e = r.entries.find((x) => x.path === file);
  const dir = repoDir(cache, r.id);
  const link = path.join(dir, "snapshots", r.commit, file);
  const etag = e.sha256 ?? e.oid;
  let ok = check.check(fs.existsSync(link) && fs.lstatSync(link).isSymbolicLink(), `${what}: ${file} is a link in snapshots/`);
  if (!ok) return;
  check.check(fs.readlinkSync(link) === path.relative(path.dirname(link), path.join(dir, "blobs", etag)),
              `${what}: ${file} links to ../blobs/${etag} relatively (got ${fs.readlinkSync(link)})`);
  check.check(Buffer.compare(fs.readFileSync(link), e.bytes) === 0, `${what}: ${file} byte-identical`);
}
const leftovers = (cache) => {
  const out = [];
  const walk = (d) => { for (const f of fs.existsSync(d) ? fs.readdirSync(d, {withFileTypes: true}) : []) {
    const p = path.join(d, f.name);
    if (f.isDirectory()) walk(p); else if (/\.(heft-partial|incomplete|tmp)(\.json)?$|\.(heft-link|tmp)\./.test(f.name)) out.push(p);
  } };
  walk(cache);
  return out;
};

// 1. The mock speaks the Hub's protocol: the official client lists and downloads from it.
{
  for (const r of repos.filter((x) => !x.gated && !x.private)) {
    const listed = [];
    for await (const f of hubLib.listFiles({repo: r.id, recursive: true, hubUrl: hub.url})) if (f.type === "file") listed.push(f);
    check.check(listed.length === r.entries.length && r.entries.every((e) => listed.some((f) =>
      f.path === e.path && f.size === e.size && f.oid === e.oid && (f.lfs?.oid ?? null) === e.sha256)),
      `@huggingface/hub listFiles(${r.id}) lists every file with size, oid and LFS sha256`);
  }
  const r = repo("heft-test/tiny-gguf");
  for (const file of ["tinystories-656k-Q8_0.gguf", "README.md"]) {
    const blob = await hubLib.downloadFile({repo: r.id, path: file, hubUrl: hub.url});
    const bytes = Buffer.from(await blob.arrayBuffer());
    check.check(Buffer.compare(bytes, r.entries.find((e) => e.path === file).bytes) === 0, `@huggingface/hub downloadFile(${file}) byte-identical`);
  }
  const g = repo("heft-test/gated");
  let denied = false;
  try { await hubLib.downloadFile({repo: g.id, path: "m-Q8_0.gguf", hubUrl: hub.url}); } catch { denied = true; }
  check.check(denied, "@huggingface/hub is refused a gated file without a token");
  const ok = await hubLib.downloadFile({repo: g.id, path: "m-Q8_0.gguf", hubUrl: hub.url, accessToken: g.token});
  check.check(ok && (await ok.arrayBuffer()).byteLength === tinyQ8.length, "@huggingface/hub downloads a gated file with the token");
  // Its cache layout, for the comparison with heft's below.
  await hubLib.downloadFileToCacheDir({repo: r.id, path: "tinystories-656k-Q8_0.gguf", revision: r.commit, hubUrl: hub.url, cacheDir: cacheDir("hfjs")});
  checkStored(cacheDir("hfjs"), r, "tinystories-656k-Q8_0.gguf", "@huggingface/hub's cache");
}

// 2. A GGUF by its quantization: layout, refs, card and licence, and the model runs from the store.
{
  const r = repo("heft-test/tiny-gguf");
  const cache = cacheDir("a");
  const p = await pull(cache, `${r.id}:Q8_0`);
  check.check(p.status === 0, `pull ${r.id}:Q8_0 exits 0 (${p.stderr})`);
  for (const f of ["tinystories-656k-Q8_0.gguf", "README.md", "LICENSE"]) checkStored(cache, r, f, "pull :Q8_0");
  check.check(!fs.existsSync(path.join(repoDir(cache, r.id), "snapshots", r.commit, "tinystories-656k-F32.gguf")), "pull :Q8_0 leaves the F32 file alone");
  check.check(fs.readFileSync(path.join(repoDir(cache, r.id), "refs/main"), "utf8") === r.commit, "refs/main holds the commit");
  // Same blob name and link as @huggingface/hub's downloadFileToCacheDir wrote.
  const rel = (c) => fs.readlinkSync(path.join(repoDir(c, r.id), "snapshots", r.commit, "tinystories-656k-Q8_0.gguf"));
  check.check(rel(cache) === rel(cacheDir("hfjs")), "heft's snapshot link equals @huggingface/hub's");
  check.check(p.stdout.includes(path.join(repoDir(cache, r.id), "snapshots", r.commit, "tinystories-656k-Q8_0.gguf")), "pull prints the stored path");
  const run = await heft(["run", `${r.id}:Q8_0`, "-p", "Once upon a time", "-n", "4", "--temp", "0", "-t", "2"], {env: {HF_HUB_CACHE: cache}});
  check.check(run.status === 0 && run.stdout.length > 0, `heft run ${r.id}:Q8_0 runs from the store (${run.stderr})`);
  check.check(leftovers(cache).length === 0, `no partial files left (${leftovers(cache)})`);

  // A revision by branch name: refs/v1 too.
  const v1 = await pull(cache, `${r.id}@v1:Q8_0`);
  check.check(v1.status === 0 && fs.readFileSync(path.join(repoDir(cache, r.id), "refs/v1"), "utf8") === r.commit, "pull @v1 writes refs/v1");

  // Split GGUF: every part.
  const s = await pull(cache, `${r.id}:Q4_0`);
  check.check(s.status === 0, `pull :Q4_0 (split) exits 0 (${s.stderr})`);
  for (const f of ["split/tiny-Q4_0-00001-of-00002.gguf", "split/tiny-Q4_0-00002-of-00002.gguf"]) checkStored(cache, r, f, "split pull");

  // Files another client stored are used, not fetched again.
  hub.resetStats();
  const again = await pull(cacheDir("hfjs"), `${r.id}:Q8_0`);
  check.check(again.status === 0 && hub.cdn.length === 0, `a file @huggingface/hub stored is not downloaded again (${hub.cdn.length} CDN requests)`);

  // Refusals with the choices.
  const q = await pull(cache, `${r.id}:Q5_K_M`);
  check.check(q.status === 1 && q.stderr.includes("tinystories-656k-Q8_0.gguf"), `an absent quantization lists the GGUF files (${q.stderr.trim()})`);
  const none = await pull(cache, r.id);
  check.check(none.status === 1 && /QUANT/.test(none.stderr), `a GGUF repository without a selector asks for one (${none.stderr.trim()})`);
  const missing = await pull(cache, "heft-test/no-such-repo:Q8_0");
  check.check(missing.status === 1 && missing.stderr.includes("not found"), `an unknown repository is not found (${missing.stderr.trim()})`);
  const badrev = await pull(cache, `${r.id}@nope:Q8_0`);
  check.check(badrev.status === 1 && /rev/i.test(badrev.stderr), `an unknown revision is refused (${badrev.stderr.trim()})`);
}

// 3. A safetensors checkpoint: weights, configs, tokenizer, card — not the other folders.
{
  const r = repo("heft-test/tiny-st");
  const cache = cacheDir("a");
  const p = await pull(cache, r.id);
  check.check(p.status === 0, `pull ${r.id} exits 0 (${p.stderr})`);
  for (const f of Object.keys(st)) checkStored(cache, r, f, "safetensors pull");
  check.check(!fs.existsSync(path.join(repoDir(cache, r.id), "snapshots", r.commit, "original")), "original/ is not pulled");
  const ins = await heft(["inspect", r.id, "--json"], {env: {HF_HUB_CACHE: cache}});
  check.check(ins.status === 0, `heft inspect ${r.id} opens the pulled folder (${ins.stderr})`);
}

// 4. Killed at random offsets, resumed: nothing saved is fetched again; the end is byte-identical.
{
  const r = repo("heft-test/mini-gguf");
  const e = r.entries.find((x) => x.path === "mini-F32.gguf");
  const cache = cacheDir("kill");
  const blobs = path.join(repoDir(cache, r.id), "blobs");
  const sidecar = path.join(blobs, `${e.sha256}.heft-partial.json`);
  hub.faults.bytesPerSecond = 4 << 20;
  // Each run is stopped after a random 12–25% of the file has been sent to it.
  const cuts = [0, 1, 2].map(() => Math.floor(e.size * (0.12 + 0.13 * crypto.randomInt(1000) / 1000)));
  let kills = 0;
  console.log(`kill points (bytes sent to each run): ${cuts}`);
  for (const [i, cut] of cuts.entries()) {
    const saved = fs.existsSync(sidecar) ? JSON.parse(fs.readFileSync(sidecar, "utf8")).ranges : null;
    hub.resetStats();
    let child;
    hub.onCdnBytes = (sha, _n, sent) => { if (sha === e.sha256 && sent >= cut && child && !child.killed) child.kill(i === 1 ? "SIGINT" : "SIGKILL"); };
    const p = await pull(cache, `${r.id}:F32`, ["--connections", "4"], {onSpawn: (c) => child = c});
    hub.onCdnBytes = null;
    if (i === 1) check.check(p.status === 130 && /resume/.test(p.stderr), `SIGINT: exit 130 with how to resume (${p.status}, ${p.stderr.trim()})`);
    else check.check(p.signal === "SIGKILL", `pull killed at byte ${cut} (${p.status} ${p.signal})`);
    if (p.signal === "SIGKILL" || p.status === 130) kills++;
    check.check(!fs.existsSync(path.join(blobs, e.sha256)), `after the kill at ${cut} no blob is visible`);
    if (saved) checkResumeRequests(saved, hub.cdn.filter((c) => c.sha === e.sha256), `attempt ${i + 1}`);
  }
  const saved = fs.existsSync(sidecar) ? JSON.parse(fs.readFileSync(sidecar, "utf8")).ranges : null;
  check.check(saved !== null, "the killed pull left its record of ranges");
  const savedBytes = saved ? saved.reduce((s, [a, , d]) => s + d - a, 0) : 0;
  hub.resetStats();
  const fin = await pull(cache, `${r.id}:F32`, ["--connections", "4"]);
  hub.faults.bytesPerSecond = 0;
  check.check(fin.status === 0, `the resumed pull finishes (${fin.stderr})`);
  if (saved) checkResumeRequests(saved, hub.cdn.filter((c) => c.sha === e.sha256), "final attempt");
  check.check(savedBytes > 0 && /resuming/.test(fin.stderr), `the last run resumed with ${savedBytes} bytes kept`);
  checkStored(cache, r, "mini-F32.gguf", "resumed pull");
  check.check(sha256(fs.readFileSync(path.join(blobs, e.sha256))) === e.sha256, "resumed blob's SHA-256 is the listing's");
  check.check(leftovers(cache).length === 0, `no partial files left after the resume (${leftovers(cache)})`);
  check.check(kills === 3, `three interrupted runs (${kills})`);
}

// Every range a resumed run asks for starts where a saved range stopped, never inside saved bytes.
function checkResumeRequests(saved, requests, what) {
  let ok = requests.length > 0;
  for (const req of requests) {
    const start = Number(/bytes=(\d+)-/.exec(req.range ?? "bytes=0-")[1]);
    for (const [a, , d] of saved) if (start >= a && start < d) ok = false;
  }
  const unfinished = saved.filter(([, b, d]) => d < b).map(([, , d]) => d);
  const starts = new Set(requests.map((r) => Number(/bytes=(\d+)-/.exec(r.range ?? "bytes=0-")[1])));
  check.check(ok && unfinished.every((d) => starts.has(d)),
              `${what}: ranges resume at the saved offsets (${[...starts]}) and never fetch saved bytes again (saved ${JSON.stringify(saved)})`);
}

// 5. One changed byte: caught, named, nothing lands; the next clean pull succeeds.
{
  const r = repo("heft-test/tiny-gguf");
  const e = r.entries.find((x) => x.path === "tinystories-656k-F32.gguf");
  const cache = cacheDir("corrupt");
  hub.faults.corrupt.set(e.sha256, 1234567);
  const p = await pull(cache, `${r.id}:F32`);
  hub.faults.corrupt.clear();
  check.check(p.status === 1 && p.stderr.includes("tinystories-656k-F32.gguf") && p.stderr.includes(e.sha256),
              `a changed byte fails the pull naming the file and the expected SHA-256 (${p.stderr.trim()})`);
  const dir = repoDir(cache, r.id);
  check.check(!fs.existsSync(path.join(dir, "blobs", e.sha256)) && !fs.existsSync(path.join(dir, "snapshots", r.commit, e.path)),
              "nothing of the changed file lands in the store");
  check.check(leftovers(cache).length === 0, `the bad partial is deleted (${leftovers(cache)})`);
  // A small (non-LFS) file is checked against its git blob id.
  const readme = r.entries.find((x) => x.path === "README.md");
  hub.faults.corrupt.set(readme.oid, 5);
  const small = await pull(cacheDir("corrupt-small"), `${r.id}:Q8_0`);
  hub.faults.corrupt.clear();
  check.check(small.status === 1 && small.stderr.includes("README.md") && small.stderr.includes(readme.oid),
              `a changed byte in a small file fails against its git id (${small.stderr.trim()})`);
  check.check(!fs.existsSync(path.join(repoDir(cacheDir("corrupt-small"), r.id), "blobs", readme.oid)), "the bad small file does not land");
  const again = await pull(cache, `${r.id}:F32`);
  check.check(again.status === 0, `the next pull succeeds (${again.stderr})`);
  checkStored(cache, r, e.path, "pull after a corrupt one");
}

// 6. Dropped connections, 429 with Retry-After and 503 are retried.
{
  const r = repo("heft-test/tiny-gguf");
  const cache = cacheDir("retry");
  hub.resetStats();
  hub.faults.statuses = [{status: 503}, {status: 429, retryAfter: 1}];
  hub.faults.dropAfter = [300000, 900000];
  const t0 = Date.now();
  const p = await pull(cache, `${r.id}:F32`, ["--connections", "1"]);
  const secs = (Date.now() - t0) / 1000;
  check.check(p.status === 0, `pull through 503, 429 and two dropped connections succeeds (${p.stderr})`);
  check.check(hub.faults.statuses.length === 0 && hub.faults.dropAfter.length === 0, "every fault was met");
  check.check(hub.cdn.filter((c) => c.status === 429 || c.status === 503).length === 2, "the 429 and the 503 were each answered once");
  check.check(secs >= 0.9, `Retry-After: 1 was waited for (${secs.toFixed(2)} s)`);
  checkStored(cache, r, "tinystories-656k-F32.gguf", "retried pull");
  const e = r.entries.find((x) => x.path === "tinystories-656k-F32.gguf");
  const sent = hub.cdn.filter((c) => c.sha === e.sha256).reduce((s, c) => s + c.sent, 0);
  check.check(sent === e.size, `retries continue where the connection dropped (${sent} bytes sent for ${e.size})`);
}

// 7. Gated and private repositories.
{
  const g = repo("heft-test/gated");
  const cache = cacheDir("gated");
  const no = await pull(cache, `${g.id}:Q8_0`);
  check.check(no.status === 1 && no.stderr.includes("gated") && no.stderr.includes(`${hub.url}/${g.id}`) && no.stderr.includes("HF_TOKEN"),
              `a gated repository without a token says where to accept and how to give the token (${no.stderr.trim()})`);
  const wrong = await pull(cache, `${g.id}:Q8_0`, [], {env: {HF_TOKEN: "hf_wrong"}});
  check.check(wrong.status === 1, "a wrong token is refused");
  hub.resetStats();
  const yes = await pull(cache, `${g.id}:Q8_0`, [], {env: {HF_TOKEN: g.token}});
  check.check(yes.status === 0, `HF_TOKEN opens the gated repository (${yes.stderr})`);
  check.check(hub.cdn.length > 0 && hub.cdn.every((c) => c.auth === null), "the token never reaches the CDN host");
  check.check(hub.requests.filter((q) => q.url.startsWith("/api/")).every((q) => q.auth === `Bearer ${g.token}`), "the token goes with every API call");
  const tokenFile = path.join(tmp, "token");
  fs.writeFileSync(tokenFile, g.token + "\n");
  const tf = await pull(cacheDir("gated2"), `${g.id}:Q8_0`, ["--token-file", tokenFile]);
  check.check(tf.status === 0, `--token-file opens the gated repository (${tf.stderr})`);
  const hfHome = path.join(tmp, "hfhome");
  fs.mkdirSync(hfHome, {recursive: true});
  fs.writeFileSync(path.join(hfHome, "token"), g.token);
  const stored = await pull(cacheDir("gated3"), `${g.id}:Q8_0`, [], {env: {HF_HOME: hfHome}});
  check.check(stored.status === 0, `the token huggingface_hub stored under HF_HOME is used (${stored.stderr})`);
  const pv = repo("heft-test/private");
  const hidden = await pull(cacheDir("private"), `${pv.id}:Q8_0`);
  check.check(hidden.status === 1 && hidden.stderr.includes("not found") && hidden.stderr.includes("token"), `a private repository without a token (${hidden.stderr.trim()})`);
  const shown = await pull(cacheDir("private"), `${pv.id}:Q8_0`, [], {env: {HF_TOKEN: pv.token}});
  check.check(shown.status === 0, `a private repository with its token (${shown.stderr})`);
}

// 8. Offline: from the store only, without a request.
{
  const r = repo("heft-test/tiny-gguf");
  hub.resetStats();
  const off = await pull(cacheDir("a"), `${r.id}:Q8_0`, [], {env: {HF_HUB_OFFLINE: "1"}});
  check.check(off.status === 0 && hub.requests.length === 0, `HF_HUB_OFFLINE=1 pull of a stored model succeeds without a request (${off.stderr})`);
  const gone = await pull(cacheDir("empty"), `${r.id}:Q8_0`, [], {env: {HF_HUB_OFFLINE: "1"}});
  check.check(gone.status === 1 && hub.requests.length === 0 && gone.stderr.includes("HF_HUB_OFFLINE"), `offline and not stored: refused (${gone.stderr.trim()})`);
  const run = await heft(["run", `${r.id}:Q8_0`, "-p", "Once", "-n", "2", "-t", "2"], {env: {HF_HUB_CACHE: cacheDir("a"), HF_HUB_OFFLINE: "1"}});
  check.check(run.status === 0, "offline run from the store");
}

// 9. A model heft cannot run stops after the first megabytes; --force downloads it anyway.
{
  const r = repo("heft-test/alien");
  const e = r.entries.find((x) => x.path === "alien-F32.gguf");
  const cache = cacheDir("alien");
  hub.resetStats();
  const p = await pull(cache, `${r.id}:F32`);
  const sent = hub.sentBySha.get(e.sha256) ?? 0;
  check.check(p.status === 1 && p.stderr.includes("mamba-x") && p.stderr.includes("--force"),
              `an unknown architecture stops the pull and names it (${p.stderr.trim()})`);
  check.check(sent > 0 && sent <= 4 << 20, `it stopped after ${sent} of ${e.size} bytes`);
  check.check(!fs.existsSync(path.join(repoDir(cache, r.id), "blobs", e.sha256)), "nothing of it is stored as a blob");
  hub.resetStats();
  const f = await pull(cache, `${r.id}:F32`, ["--force"]);
  check.check(f.status === 0 && f.stderr.includes("--force"), `--force downloads it anyway (${f.stderr.trim()})`);
  checkStored(cache, r, e.path, "forced pull");
  check.check((hub.sentBySha.get(e.sha256) ?? 0) === e.size - sent, "the forced pull continued from the first bytes it had");
  const stRepo = repo("heft-test/alien-st");
  hub.resetStats();
  const c = await pull(cacheDir("alien"), stRepo.id);
  check.check(c.status === 1 && c.stderr.includes("MambaForCausalLM") && hub.cdn.length === 0,
              `a checkpoint whose config names an unknown architecture stops before its weights (${c.stderr.trim()})`);
}

// 10. The licence: a summary before the weights; terms that ask to be accepted need --accept-license.
{
  const r = repo("heft-test/llama-licence");
  const e = r.entries.find((x) => x.path === "m-Q8_0.gguf");
  const cache = cacheDir("licence");
  hub.resetStats();
  const no = await pull(cache, `${r.id}:Q8_0`);
  check.check(no.status === 1 && no.stderr.includes("Llama 3.1") && no.stderr.includes("--accept-license"),
              `a Llama 3.1 model needs --accept-license and says why (${no.stderr.trim()})`);
  check.check(!hub.sentBySha.has(e.sha256), "no weights were fetched before the licence was accepted");
  const yes = await pull(cache, `${r.id}:Q8_0`, ["--accept-license"]);
  check.check(yes.status === 0 && /700/.test(yes.stderr.replace(/[,_ ]/g, "")) , `--accept-license pulls it, after a summary of the terms (${yes.stderr.trim()})`);
  checkStored(cache, r, e.path, "accepted licence");
  // A GGUF's own general.license is read from its first bytes when there is no card.
  const g = repo("heft-test/gguf-licence");
  const m = await pull(cacheDir("licence2"), `${g.id}:alien-F32.gguf`, ["--force"]);
  check.check(m.status === 0 && /MIT/i.test(m.stderr), `the GGUF's general.license is summarized when no card names one (${m.stderr.trim()})`);
}

// 11. heft show: card, licence, quantizations with predicted memory — from one header, not the files.
{
  const r = repo("heft-test/tiny-gguf");
  hub.resetStats();
  const sh = await heft(["show", r.id, "--json"], {env: {HF_HUB_CACHE: cacheDir("a")}});
  check.check(sh.status === 0, `heft show exits 0 (${sh.stderr})`);
  if (sh.status === 0) {
    const o = JSON.parse(sh.stdout);
    const q = Object.fromEntries(o.quants.map((x) => [x.quant, x]));
    check.check(o.commit === r.commit && o.license.license.id === "apache-2.0", `show: commit and licence (${o.license?.license?.id})`);
    check.check(JSON.stringify(Object.keys(q).sort()) === JSON.stringify(["F32", "Q4_0", "Q8_0"]), `show: the quantizations (${Object.keys(q)})`);
    check.check(q.Q4_0?.files.length === 2 && q.Q4_0.size_bytes === tinyQ8.length + 100000, "show: a split quantization counts every part");
    check.check(q.Q8_0?.in_store === true && q.F32?.in_store === false, "show: which quantizations are in the store");
    check.check(Object.values(q).every((x) => x.memory_bytes > x.size_bytes), "show: predicted memory exceeds each file's size");
    check.check(o.best_quant === "F32", `show: the best that fits is the largest (${o.best_quant})`);
    const f32 = r.entries.find((x) => x.path === "tinystories-656k-F32.gguf");
    check.check(!hub.sentBySha.has(f32.sha256), "show fetched no byte of the larger files");
  }
  hub.resetStats();
  const off = await heft(["show", r.id], {env: {HF_HUB_CACHE: cacheDir("a"), HF_HUB_OFFLINE: "1"}});
  check.check(off.status === 0 && hub.requests.length === 0 && off.stdout.includes("Q8_0") && off.stdout.includes("store"),
              `offline show reads the store (${off.stderr})`);
}

// 12. Two pulls of one file at once: one download, both succeed.
{
  const r = repo("heft-test/mini-gguf");
  const e = r.entries.find((x) => x.path === "mini-F32.gguf");
  const cache = cacheDir("concurrent");
  hub.resetStats();
  hub.faults.bytesPerSecond = 8 << 20;
  const [a, b] = await Promise.all([pull(cache, `${r.id}:F32`), pull(cache, `${r.id}:F32`)]);
  hub.faults.bytesPerSecond = 0;
  check.check(a.status === 0 && b.status === 0, `both concurrent pulls succeed (${a.stderr} ${b.stderr})`);
  check.check((hub.sentBySha.get(e.sha256) ?? 0) === e.size, `the file was downloaded once (${hub.sentBySha.get(e.sha256)} bytes for ${e.size})`);
  check.check(/waiting for another download/.test(a.stderr + b.stderr), "one pull said it waits for the other");
  checkStored(cache, r, "mini-F32.gguf", "concurrent pulls");
}

await hub.close();
fs.rmSync(tmp, {recursive: true, force: true});
check.finish();
