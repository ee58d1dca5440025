// Differential test: `heft inspect --json --full` against @huggingface/gguf on
// every .gguf under ../shared: every metadata key, value and value type, and
// every tensor's name, type, shape and offset.
import fs from "node:fs";
import path from "node:path";
import {parseArgs, loadPackage, runHeft, Checker} from "./lib/ref.mjs";

const args = parseArgs();
const {gguf, GGMLQuantizationType} = await loadPackage("@huggingface/gguf");
const check = new Checker("inspect_gguf");

function findGgufs(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findGgufs(p));
    else if (e.name.endsWith(".gguf")) out.push(p);
  }
  return out.sort();
}

// GGUF value type ids, as heft's JSON names them in the shortened form and as the reference reports them.
const typeIds = {UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8,
                 ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12};

function same(ref, ours) {
  if (typeof ref === "bigint") return typeof ours === "number" ? BigInt(ours) === ref || Number(ref) === ours
                                                             : String(ours) === String(ref);
  if (Array.isArray(ref)) return Array.isArray(ours) && ref.length === ours.length && ref.every((v, i) => same(v, ours[i]));
  if (typeof ref === "number" && Number.isNaN(ref)) return ours === null;
  // The reference decodes strings with TextDecoder, which drops a leading byte-order
  // mark (Llama 2's vocabulary has U+FEFF as a token); heft keeps the bytes.
  if (typeof ref === "string" && typeof ours === "string" && ours.startsWith("\uFEFF")) return ref === ours.slice(1);
  return ref === ours;
}

// JSON.parse loses precision above 2^53; keep big integers as strings.
function parseJsonKeepingBigInts(text) {
  return JSON.parse(text.replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}

const files = findGgufs(args.shared);
check.check(files.length >= 20, `found ${files.length} GGUF files under ${args.shared}`);
for (const file of files) {
  const rel = path.relative(args.shared, file);
  const ref = await gguf(file, {allowLocalFile: true, typedMetadata: true});
  const r = runHeft(args.heft, ["inspect", "--json", "--full", file]);
  if (!check.check(r.status === 0, `${rel}: heft exited ${r.status}: ${r.stderr}`)) continue;
  const ours = parseJsonKeepingBigInts(r.stdout);
  check.check(ours.format === "gguf", `${rel}: format ${ours.format}`);
  check.check(ours.gguf_version === ref.metadata.version, `${rel}: version`);

  const refKeys = Object.keys(ref.typedMetadata).filter((k) => !["version", "tensor_count", "kv_count"].includes(k));
  const ourKeys = Object.keys(ours.metadata);
  check.check(JSON.stringify(refKeys) === JSON.stringify(ourKeys), `${rel}: metadata keys differ`);
  for (const key of refKeys) {
    const {value, type, subType} = ref.typedMetadata[key];
    const mine = ours.metadata[key];
    check.check(same(value, mine), `${rel}: ${key}: reference ${String(value).slice(0, 80)} vs heft ${JSON.stringify(mine)?.slice(0, 80)}`);
    const ourType = ours.metadata_types?.[key];
    check.check(ourType !== undefined && typeIds[ourType.type] === type &&
                (subType === undefined || typeIds[ourType.element_type] === subType),
                `${rel}: ${key}: type ${type}/${subType} vs heft ${JSON.stringify(ourType)}`);
  }
  check.check(ref.tensorInfos.length === ours.tensors.length, `${rel}: tensor count`);
  ref.tensorInfos.forEach((t, i) => {
    const mine = ours.tensors[i] || {};
    check.check(mine.name === t.name, `${rel}: tensor ${i} name ${t.name} vs ${mine.name}`);
    check.check(mine.type === GGMLQuantizationType[t.dtype], `${rel}: ${t.name} type ${GGMLQuantizationType[t.dtype]} vs ${mine.type}`);
    check.check(same(t.shape, mine.shape), `${rel}: ${t.name} shape ${t.shape} vs ${mine.shape}`);
    check.check(same(t.offset, mine.offset), `${rel}: ${t.name} offset ${t.offset} vs ${mine.offset}`);
  });
  const params = ref.tensorInfos.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1n), 0n);
  check.check(same(params, ours.parameters), `${rel}: parameters ${params} vs ${ours.parameters}`);
}
check.finish();
