// The JSON Schema Test Suite's draft-04 tests (json-schema-test-suite 0.0.10,
// pinned in package-lock.json) through `heft grammar check --json-schema`:
// heft compiles each group's schema to a grammar and checks every instance
// (JSON.stringify of the test's data, the text a model would be held to).
//   - a group heft compiles must get every decision right: accepted exactly
//     when the suite says `valid` (a mismatch fails, with schema, instance
//     and both verdicts);
//   - a group heft refuses (exit 1, one stderr line) must name a keyword that
//     occurs in its schema; refRemote's groups count as refused;
//   - ajv 8.20.0 (with ajv-draft-04) validates the same data as a second
//     opinion; groups where the suite and ajv disagree are listed, not failed.
// Prints the share of groups and instances heft covers and the refused
// keywords with their counts. The optional/ tests are left out: their
// instances (1.0 for "not an integer", bignums) do not survive
// JSON.stringify, and format needs ajv-formats.
// CLI contract: exit 0 "accepted", 3 not accepted, 1 schema refused/invalid.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseArgs, loadPackage, runHeft, Checker} from "./lib/ref.mjs";

const args = parseArgs();
if (!args.heft) throw new Error("usage: node json_schema_suite.mjs --heft PATH [--shared DIR] [--source DIR]");
const check = new Checker("json_schema_suite");
const ajvModule = await loadPackage("ajv-draft-04");
const Ajv04 = ajvModule.default?.default ?? ajvModule.default ?? ajvModule;
const DRAFT4 = "http://json-schema.org/draft-04/schema#";

// The suite's files sit beside the other reference packages (NODE_PATH).
function suiteRoot() {
  for (const d of (process.env.NODE_PATH || "").split(path.delimiter).filter(Boolean)) {
    const p = path.join(d, "json-schema-test-suite");
    if (fs.existsSync(path.join(p, "tests", "draft4"))) return p;
  }
  throw new Error("json-schema-test-suite not installed (NODE_PATH=" + process.env.NODE_PATH + "): run scripts/setup");
}

// The documents refRemote's schemas name (http://localhost:1234/...), for ajv.
function remotes(root) {
  const out = [];
  const walk = (dir, rel) => {
    for (const e of fs.readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(path.join(dir, e.name), rel + e.name + "/");
      else if (e.name.endsWith(".json"))
        out.push({uri: "http://localhost:1234/" + rel + e.name, schema: JSON.parse(fs.readFileSync(path.join(dir, e.name), "utf8"))});
    }
  };
  if (fs.existsSync(path.join(root, "remotes"))) walk(path.join(root, "remotes"), "");
  return out;
}

// Every object key in the schema (where a refused keyword must come from).
function keysOf(value, out = new Set()) {
  if (Array.isArray(value)) value.forEach((v) => keysOf(v, out));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) out.add(k), keysOf(v, out);
  return out;
}

let remoteSchemas = [];
function ajvVerdict(schema, data) {
  try {
    const ajv = new Ajv04({strict: false, validateFormats: false, allErrors: false});
    for (const r of remoteSchemas) ajv.addSchema(r.schema, r.uri);
    return ajv.validate(schema, data) ? "valid" : "invalid";
  } catch (e) {
    return "error: " + String(e.message).split("\n")[0];
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-json-schema-"));
const stats = {groups: 0, compiled: 0, instances: 0, covered: 0};
const refusedKeywords = new Map();
const disagreements = [];
try {
  const root = suiteRoot();
  remoteSchemas = remotes(root);
  const dir = path.join(root, "tests", "draft4");
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  let n = 0;
  for (const file of files) {
    const remote = file === "refRemote.json";
    for (const group of JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"))) {
      const name = `${file} / ${group.description}`;
      stats.groups++;
      stats.instances += group.tests.length;
      // The suite's schemas omit $schema; heft reads drafts 4-7 $ref semantics from it.
      const schema = group.schema && typeof group.schema === "object" && !("$schema" in group.schema)
          ? {$schema: DRAFT4, ...group.schema} : group.schema;
      const schemaFile = path.join(tmp, `schema-${++n}.json`);
      fs.writeFileSync(schemaFile, JSON.stringify(schema));
      for (const t of group.tests) {
        const ajv = ajvVerdict(schema, t.data);
        if (ajv !== (t.valid ? "valid" : "invalid"))
          disagreements.push(`${name} / ${t.description}: suite ${t.valid ? "valid" : "invalid"}, ajv ${ajv}`);
      }
      const verdicts = [];
      let refused = null;
      for (const t of group.tests) {
        const instance = JSON.stringify(t.data);
        const instanceFile = path.join(tmp, "instance.json");
        fs.writeFileSync(instanceFile, instance);
        const r = runHeft(args.heft, ["grammar", "check", "--json-schema", schemaFile, "--file", instanceFile]);
        if (r.status === 1) {
          refused = r.stderr.trim();
          break;
        }
        if (r.status !== 0 && r.status !== 3) {
          check.check(false, `${name} / ${t.description}: heft exited ${r.status}: ${r.stderr.trim()}`);
          verdicts.push(null);
          continue;
        }
        verdicts.push({t, instance, accepted: r.status === 0});
      }
      if (refused !== null) {
        const lines = refused.split("\n");
        const keyword = /keyword '([^']+)'/.exec(refused)?.[1];
        const where = `${name}: refused with "${refused}"`;
        check.check(lines.length === 1, `${where}: expected one line on stderr`);
        check.check(keyword !== undefined && keysOf(schema).has(keyword),
                    `${where}: the message names no keyword of the schema ${JSON.stringify(schema)}`);
        const k = keyword ?? "(none)";
        refusedKeywords.set(k, (refusedKeywords.get(k) ?? 0) + 1);
        continue;
      }
      if (!remote) {
        stats.compiled++;
        stats.covered += group.tests.length;
      } else {
        refusedKeywords.set("$ref (refRemote)", (refusedKeywords.get("$ref (refRemote)") ?? 0) + 1);
      }
      for (const v of verdicts) {
        if (!v) continue;
        const {t, instance, accepted} = v;
        check.check(accepted === t.valid,
                    `${name} / ${t.description}\n  schema:   ${JSON.stringify(schema)}\n  instance: ${instance}\n` +
                        `  heft: ${accepted ? "accepted" : "rejected"}, suite: ${t.valid ? "valid" : "invalid"}, ` +
                        `ajv: ${ajvVerdict(schema, t.data)}`);
      }
    }
  }
  const pct = (a, b) => (b ? (100 * a / b).toFixed(1) : "0.0") + "%";
  console.log(`json_schema_suite: heft compiles ${stats.compiled} of ${stats.groups} groups (${pct(stats.compiled, stats.groups)}), ` +
              `covering ${stats.covered} of ${stats.instances} instances (${pct(stats.covered, stats.instances)})`);
  console.log("refused keywords: " + ([...refusedKeywords].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
                                          .map(([k, c]) => `${k} ${c}`).join(", ") || "none"));
  if (disagreements.length) {
    console.log(`the suite and ajv disagree on ${disagreements.length} instance(s):`);
    for (const d of disagreements) console.log("  " + d);
  } else {
    console.log("the suite and ajv agree on every instance");
  }
} finally {
  fs.rmSync(tmp, {recursive: true, force: true});
}
check.finish();
