// Starting `heft serve` for the server tests: on port 0 (the server picks and
// prints it), 127.0.0.1 only, waiting for /health 200.
import {spawn} from "node:child_process";

// Every server started, so a test's `finally` can kill what is left.
export const servers = [];

// `heft serve MODEL --port 0 ...flags`; env: extra environment (e.g. HEFT_SIMD).
// Returns {url, proc, log, exit, stop}.
export async function startServer(heft, model, flags = [], {env = {}} = {}) {
  const proc = spawn(heft, ["serve", model, "--port", "0", ...flags],
                     {stdio: ["ignore", "ignore", "pipe"], env: {...process.env, ...env}});
  const s = {proc, log: "", exit: new Promise((res) => proc.on("exit", (code, signal) => res({code, signal})))};
  servers.push(s);
  proc.stderr.on("data", (d) => { s.log += d.toString(); });
  const deadline = Date.now() + 60000;
  const listening = /listening on http:\/\/127\.0\.0\.1:(\d+)/;
  while (!listening.test(s.log)) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`heft serve did not start: ${s.log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  s.url = `http://127.0.0.1:${listening.exec(s.log)[1]}`;
  while ((await fetch(`${s.url}/health`).catch(() => ({status: 0}))).status !== 200) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`heft serve never got ready: ${s.log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  s.stop = async () => { proc.kill("SIGTERM"); return s.exit; };
  return s;
}

export function killServers() {
  for (const s of servers) if (s.proc.exitCode === null) s.proc.kill("SIGKILL");
}
