/**
 * The router in a real browser (Debian's headless Chromium driven by playwright-core): a syntax
 * error saved into an `app:` site under `--watch` shows as a page naming the file and line, and
 * the fixing save turns that page back into the site by itself (the page refreshes itself).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, it } from "node:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { freePort } from "../../kit/free-port.js";
import { ROOT, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let supervisor: SupervisorUnderTest | undefined;
let browser: BrowserContext | undefined;
const dirs: string[] = [];

after(async () => {
  await browser?.close();
  await supervisor?.cleanup();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** The page's text once it satisfies `predicate`, reading across its own reloads. */
async function pageText(page: Page, what: string, predicate: (text: string) => boolean): Promise<string> {
  return waitFor(
    what,
    async () => {
      const text = await page.innerText("body").catch(() => "");
      return predicate(text) ? text : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}

let port = 0;
before(async () => {
  const dir = tempDir("tsgi-router-browser-");
  dirs.push(dir);
  fs.cpSync(path.join(ROOT, "test/fixtures/watch"), dir, { recursive: true });
  port = await freePort();
  supervisor = SupervisorUnderTest.start(
    `version: 1\nsites:\n  web:\n    app: ./server.ts\n    cwd: app\n    listen: 127.0.0.1:${await freePort()}\n`,
    {
      dir,
      args: ["--watch", "--router", String(port)],
    },
  );
  await supervisor.waitRunning(["web"]);
  await supervisor.waitForEvent("web's folder watched", (e) => e.site === "web" && e["event"] === "watching");
  const profile = tempDir("tsgi-chromium-");
  dirs.push(profile);
  browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
});

it("a syntax error saved under --watch shows in the browser with file and line; the fix turns the page back into the site", async () => {
  assert.ok(supervisor !== undefined && browser !== undefined);
  const page = await browser.newPage();
  const url = `http://web.localhost:${port}/`;
  await page.goto(url);
  await pageText(page, "the site's answer", (text) => text.includes('"message":"v1"'));

  const message = path.join(supervisor.dir, "app/message.ts");
  const events = supervisor.events;
  const mark = events.length;
  fs.writeFileSync(message, `export const message: string = "broken;\n`);
  await supervisor.waitForEvent(
    "the failed reload",
    (e) => events.indexOf(e) >= mark && e.site === "web" && e["event"] === "hot-reload" && e["ok"] === false,
  );
  const answer = await page.reload();
  assert.equal(answer?.status(), 502);
  const shown = await pageText(page, "the error page", (text) => /SyntaxError/.test(text));
  assert.match(shown, /app\/message\.ts:1:\d+/);
  assert.match(shown, /web is running/);

  // An editor's atomic save of the fix: the page reloads itself into the site.
  const temp = `${message}.tmp`;
  fs.writeFileSync(temp, `export const message: string = "fixed";\n`);
  fs.renameSync(temp, message);
  const fixed = await pageText(page, "the site again, by itself", (text) => text.includes('"message":"fixed"'));
  assert.doesNotMatch(fixed, /SyntaxError/);
});
