/**
 * A site's whole life with real processes: `dependsOn` start order (10 starts, `start NAME`
 * bringing up what it needs, reverse stop), `health:` replacing a SIGSTOPped process and one
 * answering 500 (new generation first, counted as an `unhealthy` restart), and `before:` tasks
 * with their output in the site's log and a failure keeping the old generation.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { freePort } from "../../kit/free-port.js";
import { get, getJson } from "../../kit/http.js";
import { loadLoop } from "../../kit/load.js";
import { PROGRAMS, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";

const node = JSON.stringify(process.execPath);
const server = JSON.stringify(path.join(PROGRAMS, "http-server.mjs"));
const running: SupervisorUnderTest[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function start(yaml: string): SupervisorUnderTest {
  const dir = tempDir("tsgi-lifecycle-");
  dirs.push(dir);
  const supervisor = SupervisorUnderTest.start(yaml, { dir });
  running.push(supervisor);
  return supervisor;
}

describe("dependsOn", () => {
  it("a site that needs another's socket at start comes up after it, every time; start NAME starts what it needs", async () => {
    const db = await freePort();
    const api = await freePort();
    const supervisor = start(`version: 1
supervisor: {logs: false}
defaults:
  ready: {http: /}
  restart: never
sites:
  api:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${api}
    env: {NEEDS_URL: "http://127.0.0.1:${db}/"}
    dependsOn: [db]
  db:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${db}
    env: {START_DELAY_MS: "150"}
`);
    await supervisor.waitRunning(["api", "db"]);
    for (let round = 0; round < 10; round++) {
      const stopped = await supervisor.cli(["stop", "all"]);
      assert.equal(stopped.code, 0, stopped.stderr);
      const started = await supervisor.cli(["start", "api"]);
      assert.equal(started.code, 0, `round ${round}: ${started.stdout}${started.stderr}`);
      // api exits 4 at start unless db answers (restart: never): a start that succeeded proves the order.
    }
    const sites = await supervisor.status();
    assert.deepEqual(
      sites.map((s) => [s.name, s.state, s.restarts]),
      [
        ["api", "running", 0],
        ["db", "running", 0],
      ],
    );
    // Reverse stop order: api is stopped before db.
    assert.equal(await supervisor.stop(), 0);
    const stops = supervisor.events.filter((e) => e["event"] === "state" && e["to"] === "stopped").map((e) => e.site);
    assert.deepEqual(stops.slice(-2), ["api", "db"]);
  });
});

describe("health", () => {
  it("a SIGSTOPped one-process site is replaced within every × failures + timeout + start, new first; 0 refused after", async () => {
    const port = await freePort();
    const supervisor = start(`version: 1
supervisor: {logs: false}
sites:
  web:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${port}
    ready: {http: /}
    stopTimeout: 1s
    health: {http: /health, every: 300ms, timeout: 300ms, failures: 3}
`);
    const [site] = await supervisor.waitRunning(["web"]);
    const pid = site?.pids[0];
    assert.ok(pid !== undefined);
    process.kill(pid, "SIGSTOP");
    const stoppedAt = Date.now();
    try {
      const replaced = await waitFor(
        "web replaced by a new process",
        async () => {
          const now = await supervisor.site("web");
          return now.state === "running" && now.pids[0] !== undefined && now.pids[0] !== pid ? now : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      const seconds = (Date.now() - stoppedAt) / 1000;
      // every × failures + timeout = 1.2 s; the rest is the start of a node process (recorded, not asserted).
      assert.equal(replaced.restarts, 1, `replaced after ${seconds} s`);
      const unhealthy = supervisor.events.find((e) => e["event"] === "unhealthy");
      assert.match(unhealthy?.message ?? "", /3 failed probes of \/health in a row/);
      const load = loadLoop(port, { rate: 50, maxMs: 1500 });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const report = await load.stop();
      assert.equal(report.failed, 0, report.errors.join(", "));
      assert.ok(report.ok > 0);
    } finally {
      try {
        process.kill(pid, "SIGCONT");
      } catch {
        // killed by the replacement already
      }
    }
  });

  it("a site whose /health answers 500 three times is replaced; a healthy one never", async () => {
    const sick = await freePort();
    const well = await freePort();
    const dir = tempDir("tsgi-health-");
    dirs.push(dir);
    const healthFile = path.join(dir, "status");
    fs.writeFileSync(healthFile, "200");
    const supervisor = start(`version: 1
supervisor: {logs: false}
defaults:
  ready: {http: /}
  health: {http: /health, every: 200ms, timeout: 500ms, failures: 3}
sites:
  sick:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${sick}
    env: {HEALTH_FILE: ${JSON.stringify(healthFile)}}
  well:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${well}
`);
    const sites = await supervisor.waitRunning(["sick", "well"]);
    const wellPid = sites.find((s) => s.name === "well")?.pids[0];
    const sickPid = sites.find((s) => s.name === "sick")?.pids[0];
    fs.writeFileSync(healthFile, "500");
    await supervisor.waitForEvent("sick reported unhealthy", (e) => e.site === "sick" && e["event"] === "unhealthy");
    // Its replacement answers 500 too: keep it from being replaced again while we look.
    fs.writeFileSync(healthFile, "200");
    const after = await waitFor(
      "sick serving from a new process",
      async () => {
        const site = await supervisor.site("sick");
        return site.state === "running" && site.pids[0] !== sickPid ? site : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    assert.ok(after.restarts >= 1);
    assert.match(supervisor.events.find((e) => e["event"] === "unhealthy")?.message ?? "", /answered 500/);
    const healthy = await supervisor.site("well");
    assert.deepEqual([healthy.pids[0], healthy.restarts], [wellPid, 0]);
    assert.equal((await get(well, "/health")).status, 200);
  });
});

describe("before", () => {
  it("runs before the first start with output as NAME:before; a failure on reload keeps the old generation serving", async () => {
    const port = await freePort();
    const dir = tempDir("tsgi-before-");
    dirs.push(dir);
    const marker = path.join(dir, "marker");
    const task = (code: number) =>
      `[${node}, -e, "require('fs').writeFileSync(${JSON.stringify(marker).replace(/"/g, "'")}, process.cwd()); console.log('task ran'); process.exit(${code})"]`;
    const yaml = (code: number) => `version: 1
supervisor: {logs: false}
sites:
  web:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${port}
    ready: {http: /}
    env: {VERSION: "v${code}"}
    before:
      - ${task(0)}
      - {command: ${code === 0 ? task(0) : task(code)}, timeout: 20s}
`;
    const supervisor = start(yaml(0));
    await supervisor.waitRunning(["web"]);
    assert.equal(fs.readFileSync(marker, "utf8"), supervisor.dir);
    const out = supervisor.events.filter((e) => e.kind === "output" && e.site === "web" && e.proc === 0);
    assert.ok(
      out.some((e) => e.message === "task ran"),
      "task output in the site's log as web:before",
    );
    const first = await getJson<{ pid: number; version: string }>(port, "/");
    fs.writeFileSync(supervisor.file, yaml(7));
    const load = loadLoop(port, { rate: 50, maxMs: 8000 });
    const answer = await supervisor.cli(["reload-config"]);
    const report = await load.stop();
    assert.equal(report.failed, 0, report.errors.join(", "));
    assert.match(answer.stdout + answer.stderr, /before\[1\].*failed \(exit code 7\)/s);
    assert.match(answer.stdout + answer.stderr, /task ran/);
    const status = await supervisor.site("web");
    assert.equal(status.state, "running");
    assert.match(String((status as unknown as { reason?: string }).reason), /exit code 7/);
    assert.equal((await getJson<{ pid: number }>(port, "/")).pid, first.pid);
  });
});
