/**
 * `supervisor.http` and `tsgi-supervise dashboard` against a real supervisor: nothing on TCP
 * without the key; every path behind the token (Bearer, or the cookie from `/?token=`);
 * `/metrics` accepted by promtool and agreeing with `status --json`; the CLI dashboard's token
 * new on every start.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { freePort } from "../../kit/free-port.js";
import { BIN, PROGRAMS, SupervisorUnderTest } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";

const TOKEN = "test-token-0123456789abcdef";
const node = JSON.stringify(process.execPath);
const server = JSON.stringify(path.join(PROGRAMS, "http-server.mjs"));
const ticker = JSON.stringify(path.join(PROGRAMS, "ticker.mjs"));
const env = {
  PATH: process.env["PATH"] ?? "",
  HOME: process.env["HOME"] ?? "",
  NO_COLOR: "1",
  TSGI_HTTP_TOKEN: TOKEN,
  TSGI_DASHBOARD_SAMPLE_MS: "300",
};

const running: SupervisorUnderTest[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(running.map((s) => s.cleanup()));
});

async function start(http: string): Promise<{ supervisor: SupervisorUnderTest; sitePort: number }> {
  const sitePort = await freePort();
  const supervisor = SupervisorUnderTest.start(
    `version: 1\nsupervisor:\n${http}sites:\n` +
      `  web:\n    command: [${node}, ${server}]\n    listen: 127.0.0.1:${sitePort}\n    ready: {http: /}\n` +
      `  ticks:\n    command: [${node}, ${ticker}]\n    env: {EVERY_MS: "200"}\n    ready: {delay: 50ms}\n`,
    { env },
  );
  running.push(supervisor);
  await supervisor.waitRunning(["web", "ticks"]);
  return { supervisor, sitePort };
}

/**
 * TCP sockets in LISTEN state that this process holds (from /proc: fd inodes × /proc/net/tcp*).
 * A site's own socket is held by the supervisor too (it binds it; the site's process listens).
 */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1] !== undefined) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of fs.readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === "0A" && inodes.has(fields[9] ?? "")) ports.push(parseInt(fields[1]?.split(":")[1] ?? "0", 16));
    }
  }
  return ports;
}

const bearer = { authorization: `Bearer ${TOKEN}` };

function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf("}"));
    if (want.every((pair) => inside.split(",").includes(pair))) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

describe("supervisor.http", () => {
  it("without it, the supervisor listens on no TCP port", async () => {
    const { supervisor, sitePort } = await start("  logs: false\n");
    assert.deepEqual(listeningPorts(supervisor.child.pid ?? 0), [sitePort], "only the site's own socket");
    assert.equal(await supervisor.stop(), 0);
  });

  it("asks for the token on every path: 401 without or with a wrong one; Bearer and the cookie flow get in", async () => {
    const port = await freePort();
    const { supervisor, sitePort } = await start(`  http:\n    listen: 127.0.0.1:${port}\n    token: "\${TSGI_HTTP_TOKEN}"\n`);
    const base = `http://127.0.0.1:${port}`;
    assert.deepEqual(listeningPorts(supervisor.child.pid ?? 0).sort(), [port, sitePort].sort());
    for (const p of ["/", "/v1/sites", "/metrics", "/events", "/assets/app.js"]) {
      const none = await fetch(base + p);
      assert.equal(none.status, 401, `${p} without a token`);
      assert.match(await none.text(), /Authorization: Bearer TOKEN/);
      assert.equal((await fetch(base + p, { headers: { authorization: "Bearer not-the-token" } })).status, 401, `${p} wrong token`);
    }
    assert.equal((await fetch(`${base}/?token=not-the-token`, { redirect: "manual" })).status, 401);
    assert.equal((await fetch(`${base}/v1/sites/web/stop`, { method: "POST" })).status, 401, "no action without a token");
    assert.equal((await supervisor.site("web")).state, "running");

    const api = await fetch(`${base}/v1/sites`, { headers: bearer });
    assert.equal(api.status, 200);
    const body = (await api.json()) as { sites: { name: string }[] };
    assert.deepEqual(body.sites.map((s) => s.name).sort(), ["ticks", "web"]);
    assert.ok(!JSON.stringify(body).includes(TOKEN), "the token never appears in status");

    const login = await fetch(`${base}/?token=${TOKEN}`, { redirect: "manual" });
    assert.equal(login.status, 303);
    assert.equal(login.headers.get("location"), "/");
    const cookie = login.headers.get("set-cookie") ?? "";
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const session = cookie.split(";")[0] ?? "";
    const page = await fetch(`${base}/`, { headers: { cookie: session } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>tsgi dashboard<\/title>/);
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    assert.equal((await fetch(`${base}/v1/sites`, { headers: { cookie: session } })).status, 200);
    assert.equal((await fetch(`${base}/assets/uPlot.js`, { headers: { cookie: session } })).status, 200, "uPlot served from the package");

    // The same handler as the unix socket: an action through it acts.
    const stop = await fetch(`${base}/v1/sites/ticks/stop`, { method: "POST", headers: bearer });
    assert.equal(stop.status, 200);
    assert.equal((await supervisor.site("ticks")).state, "stopped");
    assert.equal(await supervisor.stop(), 0);
  });

  it("serves /metrics that promtool accepts and that agrees with status --json after a crash", async () => {
    const port = await freePort();
    const { supervisor } = await start(`  http: {listen: "127.0.0.1:${port}", token: "\${TSGI_HTTP_TOKEN}"}\n`);
    const scrape = async (): Promise<string> => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: bearer });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      return response.text();
    };
    const before = await supervisor.site("web");
    const pid = before.pids[0];
    assert.ok(pid !== undefined);
    process.kill(pid, "SIGKILL");
    const status = await waitFor("web restarted after the SIGKILL", async () => {
      const site = await supervisor.site("web");
      return site.state === "running" && site.restarts === 1 && site.pids[0] !== pid ? site : undefined;
    });

    // The ticker's first line comes EVERY_MS after it starts, which a fast start-up can beat:
    // scrape until its lines are counted, then check everything on that one scrape.
    const text = await waitFor("a scrape that counts the ticker's lines", async () => {
      const scraped = await scrape();
      return (metricValue(scraped, "tsgi_log_lines_total", { site: "ticks" }) ?? 0) > 0 ? scraped : undefined;
    });
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);
    for (const name of [
      "tsgi_site_up",
      "tsgi_site_state",
      "tsgi_site_processes",
      "tsgi_site_restarts_total",
      "tsgi_process_resident_memory_bytes",
      "tsgi_process_cpu_seconds_total",
      "tsgi_site_start_duration_seconds",
      "tsgi_site_reload_duration_seconds",
      "tsgi_log_lines_total",
      "nodejs_heap_size_used_bytes",
      "nodejs_eventloop_lag_seconds",
      "process_open_fds",
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), `${name} is exported`);
    }
    assert.doesNotMatch(text, /pid="/, "no pid labels");
    assert.equal(metricValue(text, "tsgi_site_up", { site: "web" }), 1);
    assert.equal(metricValue(text, "tsgi_site_state", { site: "web", state: "running" }), 1);
    assert.equal(metricValue(text, "tsgi_site_processes", { site: "web" }), 1);
    assert.equal(metricValue(text, "tsgi_site_restarts_total", { site: "web", reason: "signal" }), status.restarts);
    assert.equal(metricValue(text, "tsgi_site_restarts_total", { site: "web", reason: "exit-code" }), 0);
    assert.equal(metricValue(text, "tsgi_site_restarts_total", { site: "ticks", reason: "signal" }), 0, "a series from the first scrape");
    assert.equal(metricValue(text, "tsgi_site_start_duration_seconds_count", { site: "web" }), 1, "one start");

    const fresh = await supervisor.site("web");
    const memory = (fresh as unknown as { processes: { index: number; memoryBytes?: number }[] }).processes[0]?.memoryBytes ?? 0;
    const exported = metricValue(text, "tsgi_process_resident_memory_bytes", { site: "web", process: "1" }) ?? 0;
    assert.ok(memory > 0 && exported > 0);
    assert.ok(Math.abs(exported - memory) / memory <= 0.1, `metrics say ${exported} bytes, status ${memory}`);
    assert.equal(await supervisor.stop(), 0);
  });
});

/** Starts `tsgi-supervise dashboard` and reads the URL it prints. */
async function dashboard(file: string): Promise<{ child: ChildProcess; url: URL; token: string }> {
  const child = spawn(process.execPath, [BIN, "dashboard", "-c", file], { env, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  const printed = await waitFor(
    `the dashboard's URL (output so far: ${out})`,
    () => /(http:\/\/127\.0\.0\.1:\d+\/)\?token=(\S+)/.exec(out) ?? undefined,
  );
  return { child, url: new URL(printed[1] ?? ""), token: printed[2] ?? "" };
}

describe("tsgi-supervise dashboard", () => {
  it("serves the supervisor's API on a loopback port with a token that is new on every start", async () => {
    const { supervisor } = await start("  logs: false\n");
    const first = await dashboard(supervisor.file);
    const second = await dashboard(supervisor.file);
    assert.notEqual(first.token, second.token);
    assert.equal(first.url.hostname, "127.0.0.1");
    assert.notEqual(first.url.port, second.url.port);

    const sites = await fetch(new URL("/v1/sites", first.url), { headers: { authorization: `Bearer ${first.token}` } });
    assert.equal(sites.status, 200);
    assert.deepEqual(((await sites.json()) as { sites: { name: string }[] }).sites.map((s) => s.name).sort(), ["ticks", "web"]);
    assert.equal((await fetch(new URL("/v1/sites", second.url), { headers: { authorization: `Bearer ${first.token}` } })).status, 401);
    assert.equal((await fetch(new URL("/", second.url))).status, 401);
    assert.equal((await fetch(new URL("/metrics", first.url), { headers: { authorization: `Bearer ${first.token}` } })).status, 404);

    // The feed comes from the supervisor through the control socket: the hello, then samples.
    // Bounded: a feed that never samples fails here instead of hanging the test.
    const events = await fetch(new URL("/events", first.url), {
      headers: { authorization: `Bearer ${first.token}` },
      signal: AbortSignal.timeout(20_000),
    });
    const reader = events.body?.getReader();
    assert.ok(reader !== undefined);
    let text = "";
    const decoder = new TextDecoder();
    while ((text.match(/"type":"sites","time":\d+,"sample":true/g) ?? []).length < 2) {
      const chunk = await reader.read();
      assert.ok(!chunk.done, `the feed ended early: ${text.slice(0, 300)}`);
      text += decoder.decode(chunk.value, { stream: true });
    }
    assert.match(text, /^retry: 1000\n\ndata: \{"type":"hello"/);
    await reader.cancel();

    for (const d of [first, second]) {
      const exited = new Promise<number | null>((resolve) => d.child.once("exit", resolve));
      d.child.kill("SIGINT");
      assert.equal(await exited, 0);
    }
    assert.equal(await supervisor.stop(), 0);
  });

  it("says so when no supervisor runs", async () => {
    const { supervisor } = await start("  logs: false\n");
    assert.equal(await supervisor.stop(), 0);
    const result = await supervisor.cli(["dashboard"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no supervisor is running/);
  });
});
