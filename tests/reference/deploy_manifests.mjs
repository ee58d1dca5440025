// The deployment files (issue 18) checked offline, without a cluster:
//   1. every YAML document under deploy/kubernetes — the base, and the example
//      overlay rendered here by applying its patches to the base (strategic
//      merge for the kinds it patches, lists of named items merged by name;
//      cross-checked against `kubectl kustomize` where kubectl is installed) —
//      validates against the Kubernetes OpenAPI schemas through the pinned npm
//      kubernetes-models validators; on top of them this test checks what the
//      schemas do not: unknown fields (from the models' own type declarations),
//      the security settings, probes, resources against `heft fit`, selectors
//      against labels, the Service's targetPort, the HPA's target, the API key
//      Secret, the model store, and that every heft flag used exists in
//      `heft <cmd> --help`. The ServiceMonitor (no model there) by hand.
//   2. broken copies (made here by mutating the valid objects) are rejected by
//      the same code.
//   3. `promtool check rules` passes on deploy/prometheus/alerts.yml and on the
//      dashboard's queries written as recording rules; `promtool test rules`
//      on deploy/prometheus/alerts_test.yml (each alert fires when it should).
//   4. `heft serve` on the demo model with --api-key-file: /health answers
//      without the key (probes), /metrics only with it (ServiceMonitor); after a
//      completion, every metric the dashboard and the alerts name is a series on
//      /metrics, and the HPA's metric is a gauge there.
import {spawnSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseArgs, loadPackage, runHeft, Checker} from "./lib/ref.mjs";
import {startServer, killServers} from "./lib/serve.mjs";

const args = parseArgs();
const check = new Checker("deploy_manifests");
const YAML = await loadPackage("yaml");
const K = await loadPackage("kubernetes-models");
const src = path.resolve(args.source);
const k8sDir = path.join(src, "deploy/kubernetes");
const demo = path.join(src, "models/tinystories-656k-q8_0.gguf");
const step = (what) => console.error(`deploy_manifests: ${what}`);
const modulesDir = (process.env.NODE_PATH || "").split(path.delimiter).find((d) => d && fs.existsSync(d));

// ---------------------------------------------------------------------------
// Reading and rendering the Kustomize tree.

function readDocs(file) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
  const out = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${file}: ${d.errors.map((e) => e.message).join("; ")}`);
    const obj = d.toJS();
    if (obj !== null && obj !== undefined) out.push(obj);
  }
  return out;
}

const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const clone = (v) => structuredClone(v);

// Strategic merge, simply: maps merge key by key; a list whose items all carry
// `name` (containers, env, volumes, ports, volumeMounts) merges item by name;
// any other list is replaced; null deletes.
function merge(base, patch) {
  if (isObj(base) && isObj(patch)) {
    const out = clone(base);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = k in out ? merge(out[k], v) : clone(v);
    }
    return out;
  }
  const named = (l) => Array.isArray(l) && l.every((x) => isObj(x) && typeof x.name === "string");
  if (named(base) && named(patch)) {
    const out = clone(base);
    for (const item of patch) {
      const i = out.findIndex((x) => x.name === item.name);
      if (i >= 0) out[i] = merge(out[i], item);
      else out.push(clone(item));
    }
    return out;
  }
  return clone(patch);
}

const KUSTOMIZATION_KEYS = new Set(["apiVersion", "kind", "resources", "patches", "namespace", "labels", "commonLabels",
                                    "namePrefix", "nameSuffix", "images", "replicas", "configMapGenerator", "secretGenerator"]);
// Renders a kustomization folder: its resources (files or folders), then its
// patches, namespace and labels. Supports what heft's tree uses and fails on the rest.
function render(dir, problems) {
  const kfile = path.join(dir, "kustomization.yaml");
  const [k] = readDocs(kfile);
  const rel = path.relative(src, kfile);
  if (k.apiVersion !== "kustomize.config.k8s.io/v1beta1" || k.kind !== "Kustomization") problems.push(`${rel}: not a Kustomization`);
  for (const key of Object.keys(k)) if (!KUSTOMIZATION_KEYS.has(key)) problems.push(`${rel}: unknown field ${key}`);
  for (const key of ["namePrefix", "nameSuffix", "images", "replicas", "configMapGenerator", "secretGenerator", "commonLabels"])
    if (key in k) problems.push(`${rel}: ${key} is not supported by this test's renderer`);
  let docs = [];
  for (const r of k.resources ?? []) {
    const p = path.join(dir, r);
    if (!fs.existsSync(p)) { problems.push(`${rel}: resource ${r} does not exist`); continue; }
    if (fs.statSync(p).isDirectory()) docs.push(...render(p, problems));
    else docs.push(...readDocs(p).map((d) => ({...d, __file: path.relative(src, p)})));
  }
  for (const patch of k.patches ?? []) {
    if (!patch.path || patch.target) { problems.push(`${rel}: only patches by path are supported`); continue; }
    const p = path.join(dir, patch.path);
    if (!fs.existsSync(p)) { problems.push(`${rel}: patch ${patch.path} does not exist`); continue; }
    for (const pd of readDocs(p)) {
      const i = docs.findIndex((d) => d.kind === pd.kind && d.metadata?.name === pd.metadata?.name &&
                                      d.apiVersion === pd.apiVersion);
      if (i < 0) { problems.push(`${patch.path}: patches ${pd.kind}/${pd.metadata?.name}, which the base lacks`); continue; }
      docs[i] = {...merge(docs[i], pd), __file: docs[i].__file};
    }
  }
  for (const d of docs) {
    d.metadata ??= {};
    if (k.namespace) d.metadata.namespace = k.namespace;
    for (const l of k.labels ?? []) {
      d.metadata.labels = {...d.metadata.labels, ...l.pairs};
      if (l.includeSelectors || l.includeTemplates) problems.push(`${rel}: labels with includeSelectors/includeTemplates not supported`);
    }
  }
  return docs;
}

// ---------------------------------------------------------------------------
// Schema validation (kubernetes-models) and unknown fields (the models' .d.ts).

const MODELS = {
  "apps/v1/Deployment": [K.apps.v1.Deployment, "apps/v1/Deployment"],
  "v1/Service": [K.v1.Service, "v1/Service"],
  "v1/PersistentVolumeClaim": [K.v1.PersistentVolumeClaim, "v1/PersistentVolumeClaim"],
  "autoscaling/v2/HorizontalPodAutoscaler": [K.autoscaling.v2.HorizontalPodAutoscaler, "autoscaling/v2/HorizontalPodAutoscaler"],
  "policy/v1/PodDisruptionBudget": [K.policy.v1.PodDisruptionBudget, "policy/v1/PodDisruptionBudget"],
};

// The fields of a model's interface, from its TypeScript declaration:
// {field: declaration file of its type, or null for a scalar, map or union}.
const declCache = new Map();
function declFields(file) {
  if (declCache.has(file)) return declCache.get(file);
  const text = fs.readFileSync(file, "utf8");
  const imports = new Map();
  for (const m of text.matchAll(/^import \{ (I\w+) \} from "([^"]+)";$/gm)) {
    const spec = m[2].replace(/\.js$/, "");
    const target = spec.startsWith(".") ? path.resolve(path.dirname(file), spec)
                                        : path.join(modulesDir, spec);
    imports.set(m[1], target + ".d.ts");
  }
  const body = /^export interface I\w+(?: extends [\w, ]+)? \{\n([\s\S]*?)\n\}/m.exec(text);
  if (!body) throw new Error(`no interface in ${file}`);
  const fields = {};
  for (const m of body[1].matchAll(/^ {4}"([^"]+)"\??: (.*?);?$/gm)) {
    const t = /^(?:Array<)?(I\w+)>?$/.exec(m[2]);
    fields[m[1]] = t && imports.has(t[1]) ? imports.get(t[1]) : null;
  }
  declCache.set(file, fields);
  return fields;
}

function unknownFields(value, file, where, out) {
  if (Array.isArray(value)) { value.forEach((v, i) => unknownFields(v, file, `${where}[${i}]`, out)); return; }
  if (!isObj(value)) return;
  const fields = declFields(file);
  for (const [k, v] of Object.entries(value)) {
    if (where === "" && k === "__file") continue;
    if (!(k in fields)) out.push(`unknown field ${where}.${k}`);
    else if (fields[k]) unknownFields(v, fields[k], `${where}.${k}`, out);
  }
}

const strip = (d) => { const {__file, ...rest} = d; return rest; };

function validateSchema(d) {
  const key = `${d.apiVersion}/${d.kind}`;
  const m = MODELS[key];
  if (!m) return [`${key}: no model`];
  const out = [];
  try { new m[0](strip(d)).validate(); } catch (e) { out.push(`schema: ${e.message}`); }
  unknownFields(strip(d), path.join(modulesDir, "kubernetes-models", m[1] + ".d.ts"), "", out);
  return out;
}

// The ServiceMonitor (monitoring.coreos.com/v1) by hand: required fields and
// the endpoint fields the Prometheus operator knows.
const SM_SPEC = new Set(["selector", "endpoints", "namespaceSelector", "jobLabel", "targetLabels", "podTargetLabels",
                         "sampleLimit", "targetLimit", "labelLimit", "attachMetadata", "scrapeProtocols"]);
const SM_ENDPOINT = new Set(["port", "targetPort", "path", "scheme", "params", "interval", "scrapeTimeout", "tlsConfig",
                             "bearerTokenSecret", "authorization", "basicAuth", "oauth2", "honorLabels",
                             "honorTimestamps", "metricRelabelings", "relabelings", "proxyUrl", "followRedirects",
                             "enableHttp2", "filterRunning", "trackTimestampsStaleness"]);
function validateServiceMonitor(d) {
  const out = [];
  for (const k of Object.keys(strip(d))) if (!["apiVersion", "kind", "metadata", "spec"].includes(k)) out.push(`unknown field .${k}`);
  if (typeof d.metadata?.name !== "string" || !d.metadata.name) out.push("metadata.name missing");
  const s = d.spec;
  if (!isObj(s)) return [...out, "spec missing"];
  for (const k of Object.keys(s)) if (!SM_SPEC.has(k)) out.push(`unknown field spec.${k}`);
  if (!isObj(s.selector) || !isObj(s.selector.matchLabels)) out.push("spec.selector.matchLabels missing");
  if (!Array.isArray(s.endpoints) || s.endpoints.length === 0) out.push("spec.endpoints missing or empty");
  for (const [i, e] of (s.endpoints ?? []).entries()) {
    for (const k of Object.keys(e)) if (!SM_ENDPOINT.has(k)) out.push(`unknown field spec.endpoints[${i}].${k}`);
    if (typeof e.port !== "string" && e.targetPort === undefined) out.push(`spec.endpoints[${i}]: needs port (a name) or targetPort`);
    if (e.interval !== undefined && !/^(\d+(ms|s|m|h))+$/.test(e.interval)) out.push(`spec.endpoints[${i}].interval: not a duration`);
    if (e.path !== undefined && !String(e.path).startsWith("/")) out.push(`spec.endpoints[${i}].path: not absolute`);
    const a = e.authorization;
    if (a !== undefined && (!isObj(a.credentials) || typeof a.credentials.name !== "string" || typeof a.credentials.key !== "string"))
      out.push(`spec.endpoints[${i}].authorization.credentials needs name and key`);
  }
  return out;
}

// ---------------------------------------------------------------------------
// What the schemas miss: heft's own rules for its deployment.

function quantity(q) {
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(q));
  if (!m) return NaN;
  const mult = {m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40}[m[2]] ?? 1;
  return Number(m[1]) * mult;
}
const subset = (sel, labels) => isObj(sel) && Object.keys(sel).length > 0 &&
  Object.entries(sel).every(([k, v]) => labels?.[k] === v);

const helpCache = new Map();
function heftFlags(cmd) {
  if (!helpCache.has(cmd)) {
    // Option lines: "  -t,--threads UINT  ...", "  --quiet  ...": flag → whether it takes a value.
    const r = runHeft(args.heft, [cmd, "--help"]);
    const flags = new Map();
    for (const m of r.stdout.matchAll(/^ {2}((?:-\w,)?--[\w-]+)(?: (TEXT|UINT|INT|FLOAT)\b)?/gm))
      for (const f of m[1].split(",")) flags.set(f, Boolean(m[2]));
    if (!flags.has("--help")) throw new Error(`heft ${cmd} --help lists no options: ${r.stdout}${r.stderr}`);
    helpCache.set(cmd, flags);
  }
  return helpCache.get(cmd);
}

// $(VAR) in args expands from the container's env, as the kubelet does.
function expand(c) {
  const env = Object.fromEntries((c.env ?? []).filter((e) => "value" in e).map((e) => [e.name, e.value]));
  return [...(c.command ?? []), ...(c.args ?? [])].map((a) => String(a).replace(/\$\((\w+)\)/g, (m, v) => env[v] ?? m));
}

function checkHeftCommand(c, sub, where, out) {
  const argv = expand(c);
  if (argv[0] !== "heft" || argv[1] !== sub) { out.push(`${where}: runs ${argv.slice(0, 2).join(" ")}, not heft ${sub}`); return {argv}; }
  const known = heftFlags(sub);
  for (const a of argv.slice(2)) if (a.startsWith("-") && !known.has(a.split("=")[0])) out.push(`${where}: heft ${sub} has no flag ${a}`);
  const unresolved = argv.find((a) => /\$\(\w+\)/.test(a));
  if (unresolved) out.push(`${where}: ${unresolved} names no env var`);
  const rest = argv.slice(2);
  const model = rest.find((a, i) => !a.startsWith("-") && !(i > 0 && known.get(rest[i - 1]) === true));
  if (!model || !/^[\w.-]+\/[\w.-]+(@[\w.-]+)?(:[\w.-]+)?$/.test(model)) out.push(`${where}: model ${model} is not ORG/NAME[:QUANT]`);
  return {argv, model};
}
const flagValue = (argv, ...names) => { const i = argv.findIndex((a) => names.includes(a)); return i >= 0 ? argv[i + 1] : undefined; };
const envOf = (c, name) => (c.env ?? []).find((e) => e.name === name)?.value;

function checkSecurity(c, pod, where, out) {
  const s = c.securityContext ?? {};
  if (s.readOnlyRootFilesystem !== true) out.push(`${where}: readOnlyRootFilesystem is not true`);
  if (s.allowPrivilegeEscalation !== false) out.push(`${where}: allowPrivilegeEscalation is not false`);
  if (!(s.capabilities?.drop ?? []).includes("ALL")) out.push(`${where}: capabilities.drop lacks ALL`);
  if (s.capabilities?.add?.length) out.push(`${where}: adds capabilities`);
  if ((s.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) !== true) out.push(`${where}: runAsNonRoot is not true`);
  if ((s.runAsUser ?? pod.securityContext?.runAsUser) === 0) out.push(`${where}: runs as uid 0`);
  if (s.privileged) out.push(`${where}: privileged`);
}

function checkResources(c, where, out) {
  const r = c.resources ?? {};
  for (const res of ["cpu", "memory"]) {
    const req = quantity(r.requests?.[res]), lim = quantity(r.limits?.[res]);
    if (!(req > 0)) out.push(`${where}: no ${res} request`);
    if (!(lim > 0)) out.push(`${where}: no ${res} limit`);
    if (req > lim) out.push(`${where}: ${res} request over its limit`);
  }
}

// All heft-specific problems of one rendered set of objects.
function crossChecks(docs, {fitBytes} = {}) {
  const out = [];
  const find = (kind) => docs.filter((d) => d.kind === kind);
  const [dep] = find("Deployment"), [svc] = find("Service"), [hpa] = find("HorizontalPodAutoscaler");
  const [pdb] = find("PodDisruptionBudget"), [sm] = find("ServiceMonitor"), pvcs = find("PersistentVolumeClaim");
  for (const [what, o] of Object.entries({Deployment: dep, Service: svc, HorizontalPodAutoscaler: hpa,
                                          PodDisruptionBudget: pdb, ServiceMonitor: sm})) if (!o) out.push(`no ${what}`);
  if (!pvcs.length) out.push("no PersistentVolumeClaim");
  if (!dep) return out;
  const pod = dep.spec?.template?.spec ?? {};
  const podLabels = dep.spec?.template?.metadata?.labels;
  if (!subset(dep.spec?.selector?.matchLabels, podLabels)) out.push("Deployment selector does not match its pod labels");
  const main = (pod.containers ?? []).find((c) => c.name === "heft") ?? pod.containers?.[0];
  const init = (pod.initContainers ?? [])[0];
  if (!main) return [...out, "Deployment has no container"];
  if (!init) out.push("Deployment has no init container (heft pull)");
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    checkSecurity(c, pod, `container ${c.name}`, out);
    checkResources(c, `container ${c.name}`, out);
  }
  if (pod.securityContext?.runAsNonRoot !== true) out.push("pod securityContext.runAsNonRoot is not true");

  // heft serve: flags, host, port, API key file, offline model store.
  const {argv, model: served} = checkHeftCommand(main, "serve", "container heft", out);
  if (flagValue(argv, "--host") !== "0.0.0.0") out.push("heft serve does not listen on 0.0.0.0");
  const port = Number(flagValue(argv, "--port"));
  const cports = main.ports ?? [];
  const cport = cports.find((p) => p.containerPort === port);
  if (!cport) out.push(`heft serve's --port ${port} is no containerPort`);
  if (envOf(main, "HF_HUB_OFFLINE") !== "1") out.push("heft serve without HF_HUB_OFFLINE=1");
  const cache = envOf(main, "HF_HUB_CACHE");
  const mounts = main.volumeMounts ?? [];
  const modelsMount = mounts.find((m) => m.mountPath === "/models");
  if (!modelsMount) out.push("no volume at /models");
  else {
    if (modelsMount.readOnly !== true) out.push("/models is not mounted read-only in the server");
    const vol = (pod.volumes ?? []).find((v) => v.name === modelsMount.name);
    const claim = vol?.persistentVolumeClaim?.claimName;
    if (!claim || !pvcs.some((p) => p.metadata.name === claim)) out.push(`/models is not a PersistentVolumeClaim of this set (${claim})`);
  }
  if (!cache?.startsWith("/models/")) out.push(`HF_HUB_CACHE (${cache}) is not inside /models`);
  const keyFile = flagValue(argv, "--api-key-file");
  let secretName, secretKey;
  if (!keyFile) out.push("heft serve without --api-key-file");
  else {
    const m = mounts.find((m) => keyFile.startsWith(m.mountPath.replace(/\/?$/, "/")));
    const vol = m && (pod.volumes ?? []).find((v) => v.name === m.name);
    if (!vol?.secret?.secretName) out.push(`--api-key-file ${keyFile} is not in a Secret volume`);
    else {
      secretName = vol.secret.secretName;
      const file = keyFile.slice(m.mountPath.replace(/\/?$/, "/").length);
      const item = (vol.secret.items ?? []).find((i) => i.path === file);
      secretKey = item ? item.key : file;
      if (vol.secret.defaultMode !== undefined && (vol.secret.defaultMode & 0o007)) out.push("API key file readable by others");
    }
  }
  if (argv.includes("--api-key")) out.push("API key on the command line");

  // Probes: readiness on /health; liveness present and patient.
  const portOk = (p) => p === port || p === cport?.name;
  const rp = main.readinessProbe?.httpGet;
  if (!rp || rp.path !== "/health" || !portOk(rp.port)) out.push("readiness probe is not GET /health on the server's port");
  const lp = main.livenessProbe;
  if (!lp) out.push("no liveness probe");
  else {
    if (lp.httpGet && !portOk(lp.httpGet.port)) out.push("liveness probe on another port");
    if (lp.httpGet && lp.httpGet.path !== "/health") out.push("liveness probe is not the cheap /health");
    const patience = (lp.periodSeconds ?? 10) * (lp.failureThreshold ?? 3);
    if (patience < 120) out.push(`liveness probe restarts after ${patience} s without an answer: would kill a busy server`);
    if ((lp.timeoutSeconds ?? 1) < 5) out.push("liveness probe timeout under 5 s");
  }

  // Resources against `heft fit` for the demo model (the base serves it).
  if (fitBytes) {
    const req = quantity(main.resources?.requests?.memory);
    if (!(req >= fitBytes)) out.push(`memory request ${main.resources?.requests?.memory} under heft fit's ${fitBytes} bytes`);
  }

  // heft pull in the init container, into the same store, the same model.
  if (init) {
    const {model: pulled} = checkHeftCommand(init, "pull", `init container ${init.name}`, out);
    if (pulled !== served) out.push(`init container pulls ${pulled}, the server serves ${served}`);
    if (envOf(init, "HF_HUB_CACHE") !== cache) out.push("init container's HF_HUB_CACHE differs from the server's");
    if (envOf(init, "HF_HUB_OFFLINE") === "1") out.push("init container pulls offline");
    const im = (init.volumeMounts ?? []).find((m) => m.mountPath === "/models");
    if (!im || im.name !== modelsMount?.name || im.readOnly) out.push("init container does not mount the model store writable at /models");
  }

  // Service → pods, targetPort → containerPort.
  if (svc) {
    if (!subset(svc.spec?.selector, podLabels)) out.push("Service selector does not match the pod labels");
    for (const p of svc.spec?.ports ?? []) {
      const t = p.targetPort ?? p.port;
      if (!cports.some((c) => c.containerPort === t || (c.name && c.name === t))) out.push(`Service targetPort ${t} is no containerPort`);
    }
  }
  if (pdb && !subset(pdb.spec?.selector?.matchLabels, podLabels)) out.push("PodDisruptionBudget selector does not match the pod labels");
  if (hpa) {
    const t = hpa.spec?.scaleTargetRef ?? {};
    if (!docs.some((d) => d.kind === t.kind && d.apiVersion === t.apiVersion && d.metadata?.name === t.name))
      out.push(`HPA target ${t.apiVersion} ${t.kind}/${t.name} does not exist`);
    if (!(hpa.spec?.minReplicas >= 1 && hpa.spec.minReplicas <= hpa.spec.maxReplicas)) out.push("HPA min/max replicas");
    const pm = (hpa.spec?.metrics ?? []).filter((m) => m.type === "Pods");
    if (!pm.length) out.push("HPA has no Pods metric");
  }
  if (sm && svc) {
    if (!subset(sm.spec?.selector?.matchLabels, svc.metadata?.labels)) out.push("ServiceMonitor selector does not match the Service's labels");
    for (const e of sm.spec?.endpoints ?? []) {
      if (e.port !== undefined && !(svc.spec?.ports ?? []).some((p) => p.name === e.port)) out.push(`ServiceMonitor port ${e.port} is no Service port name`);
      if (e.path !== undefined && e.path !== "/metrics") out.push(`ServiceMonitor path ${e.path} is not /metrics`);
      const cred = e.authorization?.credentials;
      if (keyFile && (!cred || cred.name !== secretName || cred.key !== secretKey))
        out.push("ServiceMonitor does not send the API key Secret heft serve reads (/metrics needs it)");
    }
  }
  return out;
}

// Every problem with a rendered set: the schemas, the ServiceMonitor, heft's rules.
function problemsOf(docs, opts) {
  const out = [];
  for (const d of docs) {
    const id = `${d.__file ?? "?"}: ${d.kind}/${d.metadata?.name}`;
    const ps = d.apiVersion === "monitoring.coreos.com/v1" && d.kind === "ServiceMonitor" ? validateServiceMonitor(d) : validateSchema(d);
    out.push(...ps.map((p) => `${id}: ${p}`));
  }
  out.push(...crossChecks(docs, opts));
  return out;
}

// ---------------------------------------------------------------------------
// PromQL: the metric names an expression reads.

const PROMQL_WORDS = new Set(["sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
  "count_values", "group", "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
  "bool", "offset", "inf", "nan", "atan2"]);
function metricNames(expr) {
  let e = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')  // strings
              .replace(/\$\{?\w+\}?/g, "")                                 // Grafana variables
              .replace(/\{[^}]*\}/g, "")                                   // label matchers
              .replace(/\[[^\]]*\]/g, "")                                  // ranges
              .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");  // label lists
  const names = new Set();
  for (const m of e.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(?!\w)(\s*\()?/g)) {
    if (m[2] || PROMQL_WORDS.has(m[1].toLowerCase())) continue;  // a function or keyword
    names.add(m[1]);
  }
  return [...names];
}
// label_values(METRIC{...}, label) in a Grafana variable reads METRIC.
const grafanaVariableExpr = (q) => { const m = /^label_values\((.*),\s*\w+\)$/.exec(q.trim()); return m ? m[1] : q; };

// The names the dashboard and alerts read; `up` is Prometheus's own series.
const PROMETHEUS_SERIES = new Set(["up"]);
function dashboardExprs(dash) {
  const exprs = [];
  const walk = (panels) => { for (const p of panels ?? []) { for (const t of p.targets ?? []) if (t.expr) exprs.push(t.expr); walk(p.panels); } };
  walk(dash.panels);
  for (const v of dash.templating?.list ?? []) {
    const q = typeof v.query === "string" ? v.query : v.query?.query;
    if (v.type === "query" && q) exprs.push(grafanaVariableExpr(q));
  }
  return exprs;
}
function alertExprs(rules) {
  return (rules.groups ?? []).flatMap((g) => (g.rules ?? []).map((r) => r.expr));
}

// /metrics text → {series: Set of sample names, types: family → type}.
function parseExposition(text) {
  const series = new Set(), types = new Map();
  for (const line of text.split("\n")) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1], t[2]);
    else if (line && !line.startsWith("#")) series.add(/^[a-zA-Z_:][\w:]*/.exec(line)?.[0]);
  }
  return {series, types};
}
// The family a series name belongs to and its type: NAME_bucket/_sum/_count of a histogram.
function familyOf(name, {types}) {
  if (types.has(name)) return {family: name, type: types.get(name)};
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m && types.get(m[1]) === "histogram") return {family: m[1], type: "histogram", part: m[2]};
  if (m && m[2] !== "bucket" && types.get(m[1]) === "summary") return {family: m[1], type: "summary", part: m[2]};
  return null;
}
// Problems of the metric names in EXPRS against a /metrics exposition.
function metricProblems(exprs, expo, where) {
  const out = [];
  for (const expr of exprs) {
    const names = metricNames(expr);
    if (!names.length) out.push(`${where}: reads no metric: ${expr}`);
    for (const n of names) {
      if (PROMETHEUS_SERIES.has(n)) continue;
      const f = familyOf(n, expo);
      if (!expo.series.has(n) || !f) { out.push(`${where}: ${n} is not a series heft exports (${expr.replace(/\s+/g, " ")})`); continue; }
      if (f.type === "histogram" && !f.part) out.push(`${where}: ${n} is a histogram family, not a series`);
    }
    for (const m of expr.matchAll(/\b(rate|irate|increase)\(\s*([a-zA-Z_:][\w:]*)/g)) {
      const f = familyOf(m[2], expo);
      if (f && f.type === "gauge") out.push(`${where}: ${m[1]}() of the gauge ${m[2]}`);
    }
    for (const m of expr.matchAll(/histogram_quantile\([^,]+,[^]*?([a-zA-Z_:][\w:]*)\s*\{/g)) {
      const f = familyOf(m[1], expo);
      if (f && f.part !== "bucket") out.push(`${where}: histogram_quantile over ${m[1]}, not a _bucket series`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-deploy-"));
try {
  // --- 1. The manifests validate. -----------------------------------------
  const fit = JSON.parse(runHeft(args.heft, ["fit", demo, "--json", "--parallel", "8", "--no-speed", "-t", "2"]).stdout);
  check.check(fit.memory_bytes > 0, "heft fit gave no memory_bytes");
  const sets = {};
  for (const [name, dir, opts] of [["base", "base", {fitBytes: fit.memory_bytes}], ["overlay example", "overlays/example", {}]]) {
    const renderProblems = [];
    const docs = render(path.join(k8sDir, dir), renderProblems);
    sets[name] = docs;
    step(`${name}: ${docs.map((d) => d.kind).join(", ")}`);
    check.check(renderProblems.length === 0, `${name}: ${renderProblems.join("; ")}`);
    check.check(docs.length >= 6, `${name}: only ${docs.length} objects`);
    const ps = problemsOf(docs, opts);
    check.check(ps.length === 0, `${name}:\n  ${ps.join("\n  ")}`);
  }
  // Every YAML file under deploy/kubernetes is either a kustomization or used by one.
  const used = new Set();
  const walkFiles = (d) => fs.readdirSync(d, {withFileTypes: true}).flatMap((e) => e.isDirectory() ? walkFiles(path.join(d, e.name)) : [path.join(d, e.name)]);
  for (const f of walkFiles(k8sDir).filter((f) => /\.ya?ml$/.test(f))) {
    const docs = readDocs(f);  // parses, or throws
    check.check(docs.length > 0, `${f}: no YAML document`);
    if (path.basename(f) === "kustomization.yaml") {
      const [k] = docs;
      for (const r of [...(k.resources ?? []), ...(k.patches ?? []).map((p) => p.path)]) used.add(path.resolve(path.dirname(f), r));
    }
  }
  for (const f of walkFiles(k8sDir).filter((f) => /\.ya?ml$/.test(f) && path.basename(f) !== "kustomization.yaml"))
    check.check(used.has(f), `${path.relative(src, f)} is in no kustomization`);
  // The overlay changes what it says it does.
  const ov = sets["overlay example"], base = sets.base;
  const dOf = (s) => s.find((d) => d.kind === "Deployment");
  check.check(dOf(ov).spec.replicas > dOf(base).spec.replicas, "overlay does not raise replicas");
  check.check(expand(dOf(ov).spec.template.spec.containers[0])[2] !== expand(dOf(base).spec.template.spec.containers[0])[2],
              "overlay serves the base's model");
  check.check(ov.every((d) => d.metadata.namespace === "heft"), "overlay: objects outside namespace heft");

  // Cross-check the renderer with kustomize itself where kubectl is installed.
  for (const [name, dir] of [["base", "base"], ["overlay example", "overlays/example"]]) {
    const kubectl = spawnSync("kubectl", ["kustomize", path.join(k8sDir, dir)], {encoding: "utf8"});
    if (kubectl.error) { console.error("deploy_manifests: kubectl not installed: renderer not cross-checked with kustomize"); break; }
    check.check(kubectl.status === 0, `kubectl kustomize ${dir}: ${kubectl.stderr}`);
    const theirs = kubectl.status === 0 ? YAML.parseAllDocuments(kubectl.stdout).map((d) => d.toJS()) : [];
    const key = (d) => `${d.apiVersion}/${d.kind}/${d.metadata?.name}`;
    const canon = (v) => JSON.stringify(v, (k, x) => isObj(x) ? Object.fromEntries(Object.entries(x).sort()) : x);
    for (const d of sets[name]) {
      const t = theirs.find((x) => key(x) === key(d));
      check.check(t && canon(t) === canon(strip(d)), `${name}: kubectl kustomize renders ${key(d)} differently:\n${canon(t)}\n${canon(strip(d))}`);
    }
    check.check(theirs.length === sets[name].length, `${name}: kubectl kustomize renders ${theirs.length} objects, this test ${sets[name].length}`);
  }

  // --- 2. Broken copies are rejected by the same code. --------------------
  const mutants = [
    ["replicas: \"two\"", "must be integer", (d) => { dOf(d).spec.replicas = "two"; }],
    ["a port without containerPort", "containerPort", (d) => { delete dOf(d).spec.template.spec.containers[0].ports[0].containerPort; }],
    ["an unknown field (readinessprobe)", "unknown field", (d) => { const c = dOf(d).spec.template.spec.containers[0]; c.readinessprobe = c.readinessProbe; }],
    ["a writable root filesystem", "readOnlyRootFilesystem", (d) => { dOf(d).spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false; }],
    ["capabilities kept", "capabilities.drop", (d) => { delete dOf(d).spec.template.spec.containers[0].securityContext.capabilities; }],
    ["no readiness probe", "readiness probe", (d) => { delete dOf(d).spec.template.spec.containers[0].readinessProbe; }],
    ["an impatient liveness probe", "busy server", (d) => { Object.assign(dOf(d).spec.template.spec.containers[0].livenessProbe, {periodSeconds: 5, failureThreshold: 2}); }],
    ["Service targetPort 9090", "targetPort", (d) => { d.find((x) => x.kind === "Service").spec.ports[0].targetPort = 9090; }],
    ["HPA on a missing Deployment", "HPA target", (d) => { d.find((x) => x.kind === "HorizontalPodAutoscaler").spec.scaleTargetRef.name = "heft-typo"; }],
    ["Service selector off", "Service selector", (d) => { d.find((x) => x.kind === "Service").spec.selector = {app: "other"}; }],
    ["a heft flag that does not exist", "no flag", (d) => { dOf(d).spec.template.spec.containers[0].args.push("--no-such-flag"); }],
    ["models mounted writable", "read-only", (d) => { dOf(d).spec.template.spec.containers[0].volumeMounts.find((m) => m.mountPath === "/models").readOnly = false; }],
    ["init container pulls another model", "init container pulls", (d) => { dOf(d).spec.template.spec.initContainers[0].env.find((e) => e.name === "HEFT_MODEL").value = "other/model:Q4_0"; }],
    ["ServiceMonitor without endpoints", "endpoints", (d) => { delete d.find((x) => x.kind === "ServiceMonitor").spec.endpoints; }],
    ["ServiceMonitor typo", "unknown field", (d) => { d.find((x) => x.kind === "ServiceMonitor").spec.endpoint = []; }],
    ["memory request under heft fit", "under heft fit", (d) => { dOf(d).spec.template.spec.containers[0].resources.requests.memory = "1Mi"; }],
    ["PVC accessModes not a list", "schema", (d) => { d.find((x) => x.kind === "PersistentVolumeClaim").spec.accessModes = "ReadWriteMany"; }],
  ];
  for (const [what, expect, mutate] of mutants) {
    const docs = clone(base);
    mutate(docs);
    const ps = problemsOf(docs, {fitBytes: fit.memory_bytes});
    check.check(ps.some((p) => p.includes(expect)), `broken manifest (${what}) not rejected with "${expect}": ${ps.join("; ") || "no problem found"}`);
  }
  step(`${mutants.length} broken manifests checked`);

  // --- 3. promtool on the alerts and on the dashboard's queries. ----------
  const alertsFile = path.join(src, "deploy/prometheus/alerts.yml");
  const promtool = spawnSync("promtool", ["check", "rules", alertsFile], {encoding: "utf8"});
  check.check(!promtool.error && promtool.status === 0, `promtool check rules alerts.yml: ${promtool.error ?? ""}${promtool.stdout}${promtool.stderr}`);
  // Each alert fires on series shaped as heft's and stays quiet on a healthy server.
  const ptest = spawnSync("promtool", ["test", "rules", path.join(src, "deploy/prometheus/alerts_test.yml")], {encoding: "utf8"});
  check.check(!ptest.error && ptest.status === 0, `promtool test rules alerts_test.yml: ${ptest.error ?? ""}${ptest.stdout}${ptest.stderr}`);
  const rules = YAML.parse(fs.readFileSync(alertsFile, "utf8"));
  const alertNames = (rules.groups ?? []).flatMap((g) => g.rules.map((r) => r.alert));
  for (const want of ["HeftDown", "HeftTimeToFirstTokenHigh", "HeftKVCacheFull", "HeftErrorRateHigh"])
    check.check(alertNames.includes(want), `alerts.yml lacks ${want}`);
  check.check(/histogram_quantile\(0\.99,[^]*heft_time_to_first_token_seconds_bucket/.test(alertExprs(rules).join("\n")),
              "no p99 TTFT alert over heft_time_to_first_token_seconds_bucket");
  const dash = JSON.parse(fs.readFileSync(path.join(src, "deploy/grafana/heft.json"), "utf8"));
  const dExprs = dashboardExprs(dash);
  check.check(dExprs.length >= 10, `dashboard has only ${dExprs.length} queries`);
  const asRules = {groups: [{name: "dashboard", rules: dExprs.map((e, i) => ({
    record: `dashboard:query_${i}`,
    expr: e.replaceAll("$__rate_interval", "5m").replace(/\$\{?\w+\}?/g, ".*")}))}]};
  fs.writeFileSync(path.join(tmp, "dashboard.rules.yml"), YAML.stringify(asRules));
  const pd = spawnSync("promtool", ["check", "rules", path.join(tmp, "dashboard.rules.yml")], {encoding: "utf8"});
  check.check(!pd.error && pd.status === 0, `dashboard queries do not parse as PromQL: ${pd.error ?? ""}${pd.stdout}${pd.stderr}`);
  // The same promtool rejects a broken rule file.
  fs.writeFileSync(path.join(tmp, "broken.rules.yml"), fs.readFileSync(alertsFile, "utf8").replace("histogram_quantile(0.99,", "histogram_quantile(0.99,,"));
  const pb = spawnSync("promtool", ["check", "rules", path.join(tmp, "broken.rules.yml")], {encoding: "utf8"});
  check.check(pb.status !== 0, "promtool accepted a broken alerts.yml");
  // The panels the issue asks for are there.
  const all = dExprs.join("\n");
  for (const [what, re] of [["tokens/s", /rate\(heft_generated_tokens_total/], ["TTFT quantiles", /histogram_quantile\([^]*heft_time_to_first_token_seconds_bucket/],
                            ["inter-token latency quantiles", /histogram_quantile\([^]*heft_inter_token_latency_seconds_bucket/],
                            ["queue", /heft_sequences_waiting/], ["KV use", /heft_kv_cache_used_blocks/],
                            ["prefix-cache hit rate", /heft_prefix_cache_hits_total[^]*heft_prefix_cache_queries_total/],
                            ["memory", /heft_process_resident_memory_bytes/]])
    check.check(re.test(all), `dashboard has no ${what} panel`);

  // --- 4. Against a live heft serve. ----------------------------------------
  const keyFile = path.join(tmp, "api-key");
  fs.writeFileSync(keyFile, "deploy-test-key\n", {mode: 0o600});
  step("starting heft serve on the demo model with --api-key-file");
  const server = await startServer(args.heft, demo, ["-t", "2", "--api-key-file", keyFile]);  // waits for /health 200 without a key
  const auth = {authorization: "Bearer deploy-test-key"};
  check.check((await fetch(`${server.url}/metrics`)).status === 401, "/metrics answers without the API key");
  const comp = await fetch(`${server.url}/v1/completions`, {method: "POST", headers: {...auth, "content-type": "application/json"},
                                                            body: JSON.stringify({prompt: "Once upon a time", max_tokens: 8, temperature: 0})});
  check.check(comp.status === 200, `completion: ${comp.status} ${await comp.text()}`);
  const mres = await fetch(`${server.url}/metrics`, {headers: auth});
  check.check(mres.status === 200, `/metrics with the key: ${mres.status}`);
  const expo = parseExposition(await mres.text());
  await server.stop();
  check.check(expo.series.size > 10, `/metrics has ${expo.series.size} series`);
  const mp = [...metricProblems(dExprs, expo, "dashboard"), ...metricProblems(alertExprs(rules), expo, "alerts.yml")];
  check.check(mp.length === 0, mp.join("\n  "));
  step(`metric names read: ${[...new Set([...dExprs, ...alertExprs(rules)].flatMap(metricNames))].sort().join(", ")}`);
  // The same check rejects a name heft does not export, a histogram family used
  // as a series, and rate() of a gauge.
  for (const [expr, expect] of [['sum(rate(heft_tokens_generated_total{job="heft"}[5m]))', "not a series"],
                                ["histogram_quantile(0.9, sum by (le) (rate(heft_time_to_first_token_seconds[5m])))", "not a series"],
                                ["heft_requests_total_count", "not a series"],
                                ["rate(heft_sequences_waiting[5m])", "rate() of the gauge"],
                                ['histogram_quantile(0.5, rate(heft_queue_time_seconds_sum{job="heft"}[5m]))', "not a _bucket"]])
    check.check(metricProblems([expr], expo, "mutant").some((p) => p.includes(expect)), `metric check accepted ${expr}`);
  // The HPA's metric: a Prometheus adapter serves a gauge under its own name
  // (a counter as its rate, without _total).
  for (const [name, docs] of Object.entries(sets)) {
    const hpa = docs.find((d) => d.kind === "HorizontalPodAutoscaler");
    for (const m of (hpa.spec.metrics ?? []).filter((m) => m.type === "Pods")) {
      const n = m.pods.metric.name;
      const ok = (expo.series.has(n) && expo.types.get(n) === "gauge") ||
                 (expo.series.has(`${n}_total`) && expo.types.get(`${n}_total`) === "counter");
      check.check(ok, `${name}: HPA metric ${n} is no gauge (or counter) on /metrics`);
      check.check(/waiting/.test(n), `${name}: HPA metric ${n} is not the waiting-requests gauge`);
    }
  }
} catch (e) {
  check.check(false, `exception: ${e.stack ?? e}`);
} finally {
  killServers();
  fs.rmSync(tmp, {recursive: true, force: true});
}
check.finish();
