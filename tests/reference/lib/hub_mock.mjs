// A mock of the Hugging Face Hub for the pull tests: the routes huggingface_hub
// and @huggingface/hub use, on 127.0.0.1 at a port it picks.
//   GET  /api/models/ORG/NAME/revision/REV        {id, sha, siblings, gated, private}
//   GET  /api/models/ORG/NAME/tree/REV[/PATH]?recursive=…   paginated with Link: rel="next"
//   POST /api/models/ORG/NAME/paths-info/REV      (what @huggingface/hub's downloadFileToCacheDir asks)
//   GET|HEAD /ORG/NAME/resolve/REV/PATH           small files answered here with ETag and
//                                                 X-Repo-Commit; LFS files redirect (302) to
//   GET  /cdn/SHA256                              on http://localhost (another host, as the
//                                                 real CDN is: a token must not follow)
// Gated and private repositories want `Authorization: Bearer TOKEN` (401 with
// X-Error-Code GatedRepo / RepoNotFound otherwise). Faults for the CDN, set by
// the test: a rate limit, connections dropped after N bytes, 429/503 answers
// with Retry-After, a byte changed in one file. Every CDN request is recorded.
import crypto from "node:crypto";
import http from "node:http";

const sha256 = (b) => crypto.createHash("sha256").update(b).digest("hex");
const gitOid = (b) => crypto.createHash("sha1").update(Buffer.concat([Buffer.from(`blob ${b.length}\0`), b])).digest("hex");

// LFS as the Hub decides it: weights and anything over 10 MB.
const isLfs = (path, bytes) => /\.(gguf|safetensors|bin)$/.test(path) || bytes.length > 10 * 1024 * 1024;

export function makeRepo({id, files, branches = {main: null}, gated = false, private: priv = false, token = null}) {
  const entries = Object.entries(files).map(([path, bytes]) => {
    const b = Buffer.from(bytes);
    const lfs = isLfs(path, b);
    return {path, bytes: b, size: b.length, oid: gitOid(lfs ? Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(b)}\nsize ${b.length}\n`) : b),
            sha256: lfs ? sha256(b) : null};
  }).sort((a, b) => a.path < b.path ? -1 : 1);
  const commit = crypto.createHash("sha1").update(id + JSON.stringify(entries.map((e) => [e.path, e.oid]))).digest("hex");
  const refs = {};
  for (const b of Object.keys(branches)) refs[b] = branches[b] ?? commit;
  return {id, entries, commit, refs, gated, private: priv, token};
}

export async function startHub(repos, {pageSize = 50} = {}) {
  const byId = new Map(repos.map((r) => [r.id, r]));
  const blobs = new Map();
  for (const r of repos) for (const e of r.entries) if (e.sha256) blobs.set(e.sha256, e);
  const hub = {
    requests: [],       // every request: {method, url, range, auth, host}
    cdn: [],            // CDN requests: {sha, range, auth, status, sent}
    faults: {bytesPerSecond: 0, dropAfter: [], statuses: [], corrupt: new Map()},
    onCdnBytes: null,   // (sha, bytesSentSoFarInThisResponse, totalSentForSha) => void
    sentBySha: new Map(),
  };

  const repoFor = (org, name) => byId.get(`${org}/${name}`);
  const authorized = (repo, req) => !(repo.gated || repo.private) || req.headers.authorization === `Bearer ${repo.token}`;
  const deny = (res, repo) => {
    const code = repo.private ? "RepoNotFound" : "GatedRepo";
    res.writeHead(401, {"content-type": "application/json", "x-error-code": code});
    res.end(JSON.stringify({error: repo.private ? "Repository not found" :
      `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`}));
  };
  const notFound = (res, code, error) => {
    res.writeHead(404, {"content-type": "application/json", "x-error-code": code});
    res.end(JSON.stringify({error}));
  };
  const json = (res, value, headers = {}) => {
    res.writeHead(200, {"content-type": "application/json", ...headers});
    res.end(JSON.stringify(value));
  };
  const commitOf = (repo, rev) => repo.refs[rev] ?? (rev === repo.commit ? repo.commit : null);
  const treeEntry = (repo, e) => ({type: "file", oid: e.oid, size: e.size, path: e.path,
    ...(e.sha256 ? {lfs: {oid: e.sha256, size: e.size, pointerSize: 134}} : {})});

  function serveBytes(req, res, e, extraHeaders, {cdn}) {
    const total = e.size;
    let start = 0, end = total - 1, status = 200;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || "");
    if (m) {
      start = Number(m[1]);
      end = m[2] === "" ? total - 1 : Math.min(Number(m[2]), total - 1);
      if (start >= total || start > end) {
        res.writeHead(416, {"content-range": `bytes */${total}`});
        return res.end();
      }
      status = 206;
    }
    const headers = {"content-length": String(end - start + 1), "accept-ranges": "bytes", ...extraHeaders};
    if (status === 206) headers["content-range"] = `bytes ${start}-${end}/${total}`;
    res.writeHead(status, headers);
    if (req.method === "HEAD") return res.end();
    let body = e.bytes.subarray(start, end + 1);
    const flip = hub.faults.corrupt.get(e.sha256 ?? e.oid);  // keyed by the LFS sha256, or a small file's git id
    if (flip !== undefined && flip >= start && flip <= end) {
      body = Buffer.from(body);
      body[flip - start] ^= 0x5a;
    }
    const record = cdn ? {sha: e.sha256, range: req.headers.range ?? null, auth: req.headers.authorization ?? null, status, sent: 0} : null;
    if (record) hub.cdn.push(record);
    const drop = cdn && hub.faults.dropAfter.length ? hub.faults.dropAfter.shift() : null;
    const rate = cdn ? hub.faults.bytesPerSecond : 0;
    const chunk = 64 * 1024;
    let off = 0;
    const pump = () => {
      while (off < body.length) {
        if (res.destroyed) return;
        let n = Math.min(chunk, body.length - off);
        if (drop !== null && record.sent + n > drop) n = Math.max(0, drop - record.sent);
        const dropNow = drop !== null && record.sent + n >= drop;
        if (n > 0) {
          // A dropped connection closes only after the bytes before it reached the socket.
          res.write(body.subarray(off, off + n), dropNow ? () => res.socket?.destroy() : undefined);
          off += n;
          if (record) {
            record.sent += n;
            hub.sentBySha.set(e.sha256, (hub.sentBySha.get(e.sha256) ?? 0) + n);
            if (hub.onCdnBytes) hub.onCdnBytes(e.sha256, record.sent, hub.sentBySha.get(e.sha256));
          }
        }
        if (dropNow) { if (n === 0) res.socket?.destroy(); return; }
        if (rate) return setTimeout(pump, (n / rate) * 1000);
      }
      res.end();
    };
    pump();
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const rec = {method: req.method, url: req.url, range: req.headers.range ?? null, auth: req.headers.authorization ?? null, host: req.headers.host};
    hub.requests.push(rec);
    let m;
    if ((m = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname))) {
      const e = blobs.get(m[1]);
      if (!e) return notFound(res, "EntryNotFound", "no such object");
      if (hub.faults.statuses.length) {
        const {status, retryAfter} = hub.faults.statuses.shift();
        hub.cdn.push({sha: m[1], range: req.headers.range ?? null, auth: req.headers.authorization ?? null, status, sent: 0});
        res.writeHead(status, retryAfter !== undefined ? {"retry-after": String(retryAfter)} : {});
        return res.end("try again later");
      }
      return serveBytes(req, res, e, {etag: `"${e.sha256}"`}, {cdn: true});
    }
    if ((m = /^\/api\/models\/([^/]+)\/([^/]+)\/revision\/([^/]+)$/.exec(url.pathname))) {
      const repo = repoFor(m[1], m[2]);
      if (!repo) { res.writeHead(401, {"x-error-code": "RepoNotFound", "content-type": "application/json"}); return res.end(JSON.stringify({error: "Repository not found"})); }
      if (!authorized(repo, req)) return deny(res, repo);
      const commit = commitOf(repo, decodeURIComponent(m[3]));
      if (!commit) return notFound(res, "RevisionNotFound", `Invalid rev id: ${decodeURIComponent(m[3])}`);
      return json(res, {_id: repo.commit.slice(0, 24), id: repo.id, modelId: repo.id, sha: commit, private: repo.private,
                        gated: repo.gated, disabled: false, siblings: repo.entries.map((e) => ({rfilename: e.path}))});
    }
    if ((m = /^\/api\/models\/([^/]+)\/([^/]+)\/tree\/([^/]+)(\/.*)?$/.exec(url.pathname))) {
      const repo = repoFor(m[1], m[2]);
      if (!repo) { res.writeHead(401, {"x-error-code": "RepoNotFound"}); return res.end(); }
      if (!authorized(repo, req)) return deny(res, repo);
      if (!commitOf(repo, decodeURIComponent(m[3]))) return notFound(res, "RevisionNotFound", "Invalid rev id");
      const prefix = m[4] ? m[4].slice(1) + "/" : "";
      const recursive = url.searchParams.get("recursive") === "true";
      const items = [];
      const dirs = new Set();
      for (const e of repo.entries) {
        if (!e.path.startsWith(prefix)) continue;
        const rest = e.path.slice(prefix.length);
        const parts = rest.split("/");
        for (let i = 1; i < parts.length; i++) {
          const d = prefix + parts.slice(0, i).join("/");
          if (!dirs.has(d) && (recursive || i === 1)) { dirs.add(d); items.push({type: "directory", oid: "0".repeat(40), size: 0, path: d}); }
        }
        if (recursive || parts.length === 1) items.push(treeEntry(repo, e));
      }
      const cursor = Number(url.searchParams.get("cursor") ?? 0);
      const page = items.slice(cursor, cursor + pageSize);
      const headers = {};
      if (cursor + pageSize < items.length) {
        const next = new URL(req.url, `http://${req.headers.host}`);
        next.searchParams.set("cursor", String(cursor + pageSize));
        headers.link = `<${next.href}>; rel="next"`;
      }
      return json(res, page, headers);
    }
    if (req.method === "POST" && (m = /^\/api\/models\/([^/]+)\/([^/]+)\/paths-info\/([^/]+)$/.exec(url.pathname))) {
      const repo = repoFor(m[1], m[2]);
      if (!repo) { res.writeHead(401, {"x-error-code": "RepoNotFound"}); return res.end(); }
      if (!authorized(repo, req)) return deny(res, repo);
      const commit = commitOf(repo, decodeURIComponent(m[3]));
      let body = "";
      for await (const c of req) body += c;
      const {paths = []} = JSON.parse(body || "{}");
      return json(res, repo.entries.filter((e) => paths.includes(e.path))
        .map((e) => ({...treeEntry(repo, e), lastCommit: {id: commit, title: "mock", date: "2026-01-01T00:00:00.000Z"}})));
    }
    if ((m = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname))) {
      const repo = repoFor(m[1], m[2]);
      if (!repo) { res.writeHead(401, {"x-error-code": "RepoNotFound"}); return res.end(); }
      if (!authorized(repo, req)) return deny(res, repo);
      const commit = commitOf(repo, decodeURIComponent(m[3]));
      if (!commit) return notFound(res, "RevisionNotFound", "Invalid rev id");
      const path = decodeURIComponent(m[4]);
      const e = repo.entries.find((x) => x.path === path);
      if (!e) return notFound(res, "EntryNotFound", `${path} does not exist on "${m[3]}"`);
      const common = {"x-repo-commit": commit};
      if (!e.sha256) return serveBytes(req, res, e, {...common, etag: `"${e.oid}"`}, {cdn: false});
      res.writeHead(302, {...common, location: `http://localhost:${hub.port}/cdn/${e.sha256}`, etag: `"${e.sha256}"`,
                          "x-linked-etag": `"${e.sha256}"`, "x-linked-size": String(e.size), "content-length": "0"});
      return res.end();
    }
    notFound(res, "EntryNotFound", "no such route");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  hub.port = server.address().port;
  hub.url = `http://127.0.0.1:${hub.port}`;
  hub.close = () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); });
  hub.resetStats = () => { hub.requests = []; hub.cdn = []; hub.sentBySha = new Map(); };
  return hub;
}
