// Shared helpers for the differential tests: argument parsing, loading the
// pinned npm reference packages from build/reference (outside the source tree,
// so plain `import "pkg"` cannot find them), and running heft.
import {spawnSync} from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {pathToFileURL} from "node:url";

export function parseArgs(argv = process.argv.slice(2)) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--")) {
      const key = argv[i].slice(2);
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) args[key] = true;
      else { args[key] = next; i++; }
    }
  }
  return args;
}

function referenceModules() {
  const dirs = (process.env.NODE_PATH || "").split(path.delimiter).filter(Boolean);
  for (const d of dirs) if (fs.existsSync(d)) return d;
  throw new Error("reference tools not installed (NODE_PATH=" + process.env.NODE_PATH + "): run scripts/setup");
}

function esmEntry(pkgDir, pkg) {
  const exp = pkg.exports;
  const pick = (e) => {
    if (typeof e === "string") return e;
    if (!e || typeof e !== "object") return undefined;
    for (const k of ["import", "node", "default", "require"]) {
      const v = pick(e[k]);
      if (v) return v;
    }
    return undefined;
  };
  let entry;
  if (exp) entry = pick(typeof exp === "object" && "." in exp ? exp["."] : exp);
  entry = entry || pkg.module || pkg.main || "index.js";
  return path.join(pkgDir, entry);
}

// Imports a reference package by name, e.g. await loadPackage("@huggingface/jinja").
export async function loadPackage(name) {
  const pkgDir = path.join(referenceModules(), name);
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  return import(pathToFileURL(esmEntry(pkgDir, pkg)).href);
}

// Runs heft with the given arguments; returns {status, stdout, stderr} (stdout as a Buffer when raw).
// simd: a SIMD target name for HEFT_SIMD (default: heft's own choice).
export function runHeft(heft, args, {input, raw = false, simd} = {}) {
  const env = simd ? {...process.env, HEFT_SIMD: simd} : process.env;
  const r = spawnSync(heft, args, {input, env, maxBuffer: 1 << 30, encoding: raw ? "buffer" : "utf8"});
  if (r.error) throw r.error;
  return {status: r.status, stdout: r.stdout, stderr: raw ? r.stderr.toString() : r.stderr};
}

// Every SIMD target this machine runs (`heft inspect --system`: scalar first). Tests that compare
// heft's numbers with a reference check each, so a pass on one machine covers every lower target.
export function heftTargets(heft) {
  const r = runHeft(heft, ["inspect", "--system", "--json"]);
  if (r.status !== 0) throw new Error(`heft inspect --system failed: ${r.stderr}`);
  const targets = JSON.parse(r.stdout).simd_supported;
  if (!Array.isArray(targets) || targets.length === 0) throw new Error("heft inspect --system listed no SIMD target");
  return targets;
}

// Collects failures and exits non-zero at the end if any; prints a summary.
export class Checker {
  constructor(name) { this.name = name; this.passed = 0; this.failures = []; }
  check(ok, what) { if (ok) this.passed++; else this.failures.push(what); return ok; }
  finish() {
    for (const f of this.failures.slice(0, 50)) console.error("FAIL:", f);
    if (this.failures.length > 50) console.error(`... and ${this.failures.length - 50} more`);
    console.log(`${this.name}: ${this.passed} passed, ${this.failures.length} failed`);
    if (this.passed === 0 && this.failures.length === 0) { console.error("nothing was checked"); process.exit(1); }
    process.exit(this.failures.length ? 1 : 0);
  }
}

// Runs fns with at most n in flight; results in order.
export async function pool(fns, n) {
  const out = new Array(fns.length);
  let next = 0;
  await Promise.all(Array.from({length: Math.min(n, fns.length)}, async () => {
    while (next < fns.length) { const i = next++; out[i] = await fns[i](); }
  }));
  return out;
}
