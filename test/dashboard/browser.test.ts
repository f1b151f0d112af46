/**
 * The dashboard in a real browser: Debian's chromium, headless, driven by playwright-core (no
 * browser is downloaded). The page lists every site with its state; a crash shows with the new
 * pid without a reload; the reload button reloads; the log tail follows; no console errors. The
 * test writes a screenshot (TSGI_SCREENSHOT=path keeps it, e.g. for docs/dashboard.png).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { freePort } from "../../kit/free-port.js";
import { PROGRAMS, SupervisorUnderTest } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "browser-test-token-0123456789";
const node = JSON.stringify(process.execPath);
const server = JSON.stringify(path.join(PROGRAMS, "http-server.mjs"));
const ticker = JSON.stringify(path.join(PROGRAMS, "ticker.mjs"));

describe("the dashboard in chromium", { skip: fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, () => {
  let supervisor: SupervisorUnderTest;
  let browser: BrowserContext | undefined;
  let page: Page;
  let profile: string | undefined;
  const problems: string[] = [];

  before(async () => {
    const port = await freePort();
    const ports = [await freePort(), await freePort()];
    supervisor = SupervisorUnderTest.start(
      `version: 1\nsupervisor:\n  http:\n    listen: 127.0.0.1:${port}\n    token: "\${TSGI_HTTP_TOKEN}"\nsites:\n` +
        `  alpha:\n    command: [${node}, ${server}]\n    listen: 127.0.0.1:${ports[0]}\n    ready: {http: /}\n` +
        `  beta:\n    command: [${node}, ${server}]\n    listen: 127.0.0.1:${ports[1]}\n    ready: {http: /}\n` +
        `  ticks:\n    command: [${node}, ${ticker}]\n    env: {EVERY_MS: "250"}\n    ready: {delay: 50ms}\n`,
      {
        env: {
          PATH: process.env["PATH"] ?? "",
          HOME: process.env["HOME"] ?? "",
          NO_COLOR: "1",
          TSGI_HTTP_TOKEN: TOKEN,
          TSGI_DASHBOARD_SAMPLE_MS: "500",
        },
      },
    );
    await supervisor.waitRunning(["alpha", "beta", "ticks"]);
    profile = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-chromium-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 820 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    browser = context;
    page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`http://127.0.0.1:${port}/?token=${TOKEN}`);
    // Set once: if the page reloaded, it would be gone.
    await page.evaluate(() => Object.assign(window, { tsgiTestMarker: 1 }));
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (profile !== undefined) fs.rmSync(profile, { recursive: true, force: true });
    await supervisor.cleanup();
  });

  const pidsOf = (name: string): Promise<string> => page.locator(`tr[data-site="${name}"] td.pids`).innerText();
  const stateOf = (name: string): Promise<string | null> =>
    page.locator(`tr[data-site="${name}"] .state`).getAttribute("data-state", { timeout: 1000 });

  it("lists every site with its state, coloured and in words", async () => {
    await page.waitForSelector("#connection.live");
    for (const name of ["alpha", "beta", "ticks"]) {
      await waitFor(`${name} shown running`, async () => (await stateOf(name)) === "running");
      assert.equal(await page.locator(`tr[data-site="${name}"] .state`).innerText(), "running");
    }
    const status = await supervisor.status();
    for (const site of status) assert.equal(await pidsOf(site.name), site.pids.join(", "));
    const colour = await page.locator('tr[data-site="alpha"] .state').evaluate((el) => getComputedStyle(el).color);
    assert.notEqual(colour, await page.locator("body").evaluate((el) => getComputedStyle(el).color), "the state has its own colour");
  });

  it("shows a crash and the new pid without a reload", async () => {
    const old = (await supervisor.site("alpha")).pids[0];
    assert.ok(old !== undefined);
    const killedAt = Date.now();
    process.kill(old, "SIGKILL");
    const crash = page.locator('#events li[data-type="process-exited"][data-site="alpha"]');
    await crash.first().waitFor({ timeout: 10_000 });
    assert.match(await crash.first().innerText(), /SIGKILL/);
    const fresh = await waitFor("a new pid for alpha in the page", async () => {
      const shown = await pidsOf("alpha");
      return shown !== "–" && shown !== String(old) && (await stateOf("alpha")) === "running" ? shown : undefined;
    });
    const status = await supervisor.site("alpha");
    assert.equal(fresh, status.pids.join(", "));
    assert.equal(await page.locator('tr[data-site="alpha"] td.restarts').innerText(), "1");
    process.stdout.write(`# crash → new pid on the page: ${Date.now() - killedAt} ms\n`);
    assert.equal(
      await page.evaluate(() => (window as unknown as { tsgiTestMarker?: number }).tsgiTestMarker),
      1,
      "the page did not reload",
    );
  });

  it("reloads a site with its button and shows the answer and the event", async () => {
    const before = await pidsOf("beta");
    await page.locator('tr[data-site="beta"] button[data-action="reload"]').click();
    await page.locator('#events li[data-type="reload"][data-site="beta"]').first().waitFor({ timeout: 20_000 });
    assert.match(await page.locator('#events li[data-type="reload"][data-site="beta"]').first().innerText(), /reloaded in \d+ ms/);
    await waitFor("beta's answer", async () => /beta reloaded in \d+ ms/.test(await page.locator("#answer").innerText()));
    const after = await waitFor("beta's new pids", async () => {
      const shown = await pidsOf("beta");
      return shown !== before && shown !== "–" ? shown : undefined;
    });
    assert.equal(after, (await supervisor.site("beta")).pids.join(", "));
  });

  it("follows a site's log in its panel", async () => {
    await page.locator('tr[data-site="ticks"] button.name').click();
    await page.waitForSelector("#detail:not([hidden])");
    // The newest line the supervisor has now; the page must then show a later one.
    const logs = await supervisor.cli(["logs", "ticks", "-n", "1"]);
    const last = Number(/tick (\d+)/.exec(logs.stdout)?.[1]);
    assert.ok(Number.isInteger(last), logs.stdout);
    await waitFor(`a line after tick ${last} in the page's log`, async () => {
      const text = await page.locator("#log").innerText();
      return [...text.matchAll(/tick (\d+)/g)].some((m) => Number(m[1]) > last);
    });
    await page.locator("#chart-memory canvas").first().waitFor({ timeout: 10_000 });
  });

  it("applies an edited sites.yaml with its button and shows what changed", async () => {
    fs.appendFileSync(supervisor.file, `  extra:\n    command: [${node}, ${ticker}]\n    ready: {delay: 50ms}\n`);
    await page.locator("#reload-config").click();
    const event = page.locator('#events li[data-type="config"]').first();
    await event.waitFor({ timeout: 20_000 });
    assert.match(await event.innerText(), /added extra; removed –; changed –/);
    await waitFor("extra listed", async () => (await page.locator('tr[data-site="extra"]').count()) === 1);
  });

  it("filters and sorts, and had no console errors", async () => {
    await page.locator("#filter").fill("bet");
    await waitFor("only beta shown", async () => (await page.locator("#sites tbody tr").count()) === 1);
    assert.equal(await page.locator("#sites tbody tr").getAttribute("data-site"), "beta");
    await page.locator("#filter").fill("");
    await page.locator("#sort").selectOption("memory");
    assert.equal(await page.locator("#sites tbody tr").count(), 4);
    const shot = process.env["TSGI_SCREENSHOT"] ?? path.join(profile ?? os.tmpdir(), "dashboard.png");
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(fs.statSync(shot).size > 10_000, "a screenshot was written");
    assert.deepEqual(problems, []);
  });
});
