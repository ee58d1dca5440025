// The chat page heft serve answers at /, in a real browser: headless Chromium
// (Debian's) driven by playwright-core (pinned). It loads with nothing from
// elsewhere, Enter sends, the answer streams in and equals `heft run` on the
// prompt `heft template` renders for the same conversation, tokens/s shows;
// a reply containing <script> and <img onerror> is shown as text and never
// run; the system prompt and sampling fields reach the request; --no-webui
// turns the page off. A screenshot goes to build/webui-chat.png.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseArgs, loadPackage, runHeft, Checker} from "./lib/ref.mjs";
import {startServer, killServers} from "./lib/serve.mjs";

const args = parseArgs();
const check = new Checker("webui_chat");
const {chromium} = await loadPackage("playwright-core");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "heft-webui-"));
const executablePath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
if (!executablePath) throw new Error("Debian's chromium is not installed: run scripts/setup");

let browser;
try {
  const model = path.join(tmp, "phi3-chat.gguf");
  const synth = runHeft(args.heft, ["synth", "--preset", "mini", "--type", "Q8_0", "--vocab", path.join(args.shared, "vocab/ggml-vocab-phi-3.gguf"),
                                    "--chat-template", path.join(args.shared, "templates/microsoft-Phi-3.5-mini-instruct.jinja"), model]);
  if (synth.status !== 0) throw new Error(`heft synth failed: ${synth.stderr}`);
  const s = await startServer(args.heft, model, ["--alias", "phi3", "-c", "512", "-t", "2"]);
  browser = await chromium.launch({executablePath, headless: true, args: ["--no-sandbox"]});
  const page = await browser.newPage();
  const outside = [];
  page.on("request", (r) => { if (!r.url().startsWith(s.url)) outside.push(r.url()); });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(s.url + "/");
  await page.waitForFunction(() => document.getElementById("model").textContent !== "…");
  const named = await page.textContent("#model");
  check.check(named.includes("phi3") && named.includes("512"), `the page loads and names the model and its context (${named})`);

  // A conversation at temperature 0: the reply is `heft run`'s on the rendered prompt.
  await page.fill("#system", "You are terse.");
  await page.fill("#temperature", "0");
  await page.fill("#max_tokens", "24");
  const requests = [];
  page.on("request", (r) => { if (r.url().endsWith("/v1/chat/completions")) requests.push(JSON.parse(r.postData())); });
  // Record every length the reply passes through while it streams.
  await page.evaluate(() => {
    window.__lengths = [];
    new MutationObserver(() => {
      const el = document.querySelector(".msg.assistant:last-child");
      if (el && el.dataset.raw !== undefined) window.__lengths.push(el.dataset.raw.length);
    }).observe(document.getElementById("log"), {subtree: true, childList: true, attributes: true, characterData: true});
  });
  await page.fill("#input", "Name a colour.");
  await page.press("#input", "Enter");
  await page.waitForSelector(".msg.assistant[data-done='1']", {timeout: 60000});
  const raw = await page.$eval(".msg.assistant", (el) => el.dataset.raw ?? "");
  const msgs = [{role: "system", content: "You are terse."}, {role: "user", content: "Name a colour."}];
  fs.writeFileSync(path.join(tmp, "m.json"), JSON.stringify(msgs));
  const rendered = runHeft(args.heft, ["template", model, "--messages", path.join(tmp, "m.json")]);
  const want = JSON.parse(runHeft(args.heft, ["run", model, "-p", rendered.stdout, "--parse-special", "-n", "24", "--temp", "0", "-t", "2", "--json"]).stdout);
  check.check(raw === want.text, `the streamed reply equals heft run's (${JSON.stringify(raw)} vs ${JSON.stringify(want.text)})`);
  const lengths = await page.evaluate(() => [...new Set(window.__lengths)]);
  check.check(lengths.filter((n) => n > 0).length >= 2, `the text appeared in pieces while it streamed (${lengths.length} lengths)`);
  check.check(requests.length === 1 && requests[0].stream === true && requests[0].temperature === 0 &&
              requests[0].max_completion_tokens === 24 && requests[0].messages[0].content === "You are terse.",
              `the fields reach the request (${JSON.stringify(requests[0])})`);
  const status = await page.textContent("#status");
  check.check(/tokens\/s/.test(status), `tokens/s is shown (${status})`);
  check.check((await page.inputValue("#input")) === "", "the message box is emptied");

  // Hostile output: the reply is served by a stand-in for the API carrying markup.
  await page.route("**/v1/chat/completions", async (route) => {
    const pieces = ["Look: <script>window.__pwned = 1</script>", " <img src=x onerror=\"window.__pwned = 2\">", " **bold** `<b>code</b>`"];
    const body = pieces.map((p) => `data: ${JSON.stringify({choices: [{index: 0, delta: {content: p}, finish_reason: null}]})}\n\n`).join("") +
                 "data: [DONE]\n\n";
    await route.fulfill({status: 200, headers: {"content-type": "text/event-stream"}, body});
  });
  await page.fill("#input", "Say something dangerous.");
  await page.press("#input", "Enter");
  await page.waitForFunction(() => document.querySelectorAll(".msg.assistant[data-done='1']").length === 2);
  const evil = await page.evaluate(() => {
    const el = [...document.querySelectorAll(".msg.assistant")].pop();
    return {text: el.textContent, scripts: el.querySelectorAll("script").length, imgs: el.querySelectorAll("img").length,
            b: el.querySelectorAll("b").length, strong: el.querySelectorAll("strong").length, pwned: window.__pwned ?? null};
  });
  await page.waitForTimeout(300);  // an onerror would have fired by now
  const pwned = await page.evaluate(() => window.__pwned ?? null);
  check.check(evil.scripts === 0 && evil.imgs === 0 && evil.b === 0 && pwned === null,
              `markup in a reply is never made into elements or run (${JSON.stringify(evil)}, pwned ${pwned})`);
  check.check(evil.text.includes("<script>window.__pwned = 1</script>") && evil.text.includes("<img src=x") && evil.text.includes("<b>code</b>"),
              "the markup is shown as text");
  check.check(evil.strong === 1, "Markdown (**bold**) is still rendered");
  await page.unroute("**/v1/chat/completions");
  fs.mkdirSync(path.join(args.source, "build"), {recursive: true});
  await page.screenshot({path: path.join(args.source, "build", "webui-chat.png"), fullPage: true});
  check.check(outside.length === 0, `nothing is loaded from elsewhere (${outside})`);
  check.check(errors.length === 0, `no script errors (${errors})`);

  // The response's security headers, and --no-webui.
  const r = await fetch(s.url + "/");
  check.check(/default-src 'none'/.test(r.headers.get("content-security-policy") ?? "") && r.headers.get("x-content-type-options") === "nosniff",
              "the page is sent with a content security policy");
  await s.stop();
  const off = await startServer(args.heft, model, ["--no-webui", "-t", "2"]);
  check.check((await fetch(off.url + "/")).status === 404, "--no-webui: / is 404");
  await off.stop();
} finally {
  if (browser) await browser.close();
  killServers();
  fs.rmSync(tmp, {recursive: true, force: true});
}
check.finish();
