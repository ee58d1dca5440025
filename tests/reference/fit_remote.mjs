// `heft fit` on a repository not pulled, against the mock Hub (lib/hub_mock.mjs):
// every quantization is sized from its file's first megabytes (Range
// requests; nothing is stored), the largest that fits is chosen, and a
// quantization sized remotely is sized as the same file on disk is.
import {spawn} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseArgs, Checker} from "./lib/ref.mjs";
import {makeRepo, startHub} from "./lib/hub_mock.mjs";

const args = parseArgs();
const check = new Checker("fit_remote");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-fit-remote-"));
const mini = (q) => path.join(args.shared, "models/synthetic-mini-gguf", `synthetic-mini-${q}.gguf`);
const files = {"README.md": "---\nlicense: mit\n---\n"};
for (const q of ["q4_0", "q8_0", "f32"]) files[`synthetic-mini-${q.toUpperCase()}.gguf`] = fs.readFileSync(mini(q));
const hub = await startHub([makeRepo({id: "heft-test/fit", files})]);
const cache = path.join(tmp, "hub");

// heft asynchronously (the mock answers from this process's event loop).
function heft(argv, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(args.heft, argv, {env: {...process.env, HF_ENDPOINT: hub.url, HF_TOKEN: "", HF_HUB_OFFLINE: "",
                                                 HF_HUB_CACHE: cache, HOME: tmp, XDG_CACHE_HOME: tmp, ...env}});
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => stdout += d);
    child.stderr.on("data", (d) => stderr += d);
    child.on("close", (status) => resolve({status, stdout, stderr}));
  });
}
const json = (r, what) => {
  if (!check.check(r.status === 0, `${what}: exit 0 (${r.stderr.trim()})`)) return null;
  return JSON.parse(r.stdout);
};

// Every quantization, headers only; the best is the largest (memory is plenty here).
let r = json(await heft(["fit", "heft-test/fit", "--no-speed", "--json"]), "fit ORG/NAME");
if (r) {
  check.check(r.candidates?.length === 3, `three candidates (${JSON.stringify(r.candidates)})`);
  check.check(r.best === r.model && r.weights_bytes === fs.statSync(mini("f32")).size,
              `the F32 file is the best that fits (best ${r.best}, weights ${r.weights_bytes})`);
  for (const c of r.candidates ?? []) check.check(c.memory_bytes > c.weights_bytes, `${c.model}: sized`);
}
const sent = hub.cdn.reduce((n, c) => n + (c.sent ?? 0), 0);
const total = Object.values(files).reduce((n, b) => n + b.length, 0);
check.check(sent < total / 2, `only the headers were fetched (${sent} of ${total} bytes)`);
check.check(hub.cdn.length >= 3 && hub.cdn.every((c) => c.range), `each file's header by a range request (${hub.cdn.length} requests)`);
check.check(!fs.existsSync(path.join(cache, "models--heft-test--fit", "blobs")) ||
            fs.readdirSync(path.join(cache, "models--heft-test--fit", "blobs")).length === 0, "nothing stored");

// One quantization sized remotely = the same file sized on disk (the tokenizer is measured each time: close, not equal).
const remote = json(await heft(["fit", "heft-test/fit:Q4_0", "--no-speed", "--json", "-c", "256"]), "fit ORG/NAME:Q4_0");
const local = json(await heft(["fit", mini("q4_0"), "--no-speed", "--json", "-c", "256"]), "fit the local file");
if (remote && local) {
  for (const k of ["weights_bytes", "kv_bytes", "scratch_bytes", "n_ctx", "kv_tokens"])
    check.check(remote[k] === local[k], `${k}: remote ${remote[k]} = local ${local[k]}`);
  check.check(Math.abs(remote.memory_bytes - local.memory_bytes) < 0.05 * local.memory_bytes,
              `memory_bytes: remote ${remote.memory_bytes} ~ local ${local.memory_bytes}`);
}

// Offline, a repository not in the store cannot be sized.
r = await heft(["fit", "heft-test/fit", "--no-speed"], {HF_HUB_OFFLINE: "1"});
check.check(r.status === 1 && r.stderr.startsWith("heft: "), `offline: one-line error (${r.status}, ${r.stderr.trim()})`);

await hub.close();
fs.rmSync(tmp, {recursive: true, force: true});
check.finish();
