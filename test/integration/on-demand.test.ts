/**
 * `processes: {min, max, idle}` with real processes and loopback load: an idle site started by
 * its first connections (none refused), stopped again after `idle`; a burst that scales a site
 * up to `max` and back to `min` with nothing failed; a broken program whose waking connections
 * get a 503 before the site goes fatal; `reload-config` between a fixed count and a range.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../../kit/free-port.js";
import { get, type Answer } from "../../kit/http.js";
import { loadLoop } from "../../kit/load.js";
import { alive, PROGRAMS, ROOT, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import type { SiteStatus } from "../../src/control/protocol.js";
import { waitFor } from "../../kit/wait-for.js";

const node = JSON.stringify(process.execPath);
const server = JSON.stringify(path.join(PROGRAMS, "http-server.mjs"));
const syncServer = JSON.stringify(path.join(PROGRAMS, "sync-server.py"));
const running: SupervisorUnderTest[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
});

function start(yaml: string): SupervisorUnderTest {
  const supervisor = SupervisorUnderTest.start(yaml);
  running.push(supervisor);
  return supervisor;
}

async function waitState(supervisor: SupervisorUnderTest, name: string, state: string, timeoutMs = 20_000): Promise<SiteStatus> {
  return waitFor(
    `site ${name} ${state}`,
    async () => {
      const site = await supervisor.site(name);
      return site.state === state ? site : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

function getUnix(socketPath: string, urlPath = "/"): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      { socketPath, path: urlPath, headers: { host: "localhost" }, agent: false, timeout: 20_000 },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body, headers: response.headers, ms: performance.now() - started }),
        );
      },
    );
    request.on("timeout", () => request.destroy(new Error(`GET ${urlPath} over ${socketPath} timed out`)));
    request.on("error", reject);
    request.end();
  });
}

/** `count` requests at once, each on its own connection; every outcome, failures included. */
async function burst(count: number, send: () => Promise<Answer>): Promise<{ answers: Answer[]; errors: string[] }> {
  const outcomes = await Promise.all(
    Array.from({ length: count }, () =>
      send().then(
        (answer) => ({ answer }),
        (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
      ),
    ),
  );
  const answers = outcomes.flatMap((o) => ("answer" in o ? [o.answer] : []));
  const errors = outcomes.flatMap((o) => ("error" in o ? [o.error] : []));
  return { answers, errors };
}

/** Idle → 50 first connections served by one new process → idle again → started again. */
async function wakeAndSleep(supervisor: SupervisorUnderTest, name: string, send: () => Promise<Answer>, pidOf: (a: Answer) => string) {
  const idle = await waitState(supervisor, name, "idle");
  assert.deepEqual(idle.pids, []);
  assert.equal(idle.scaling?.current, 0);
  const { answers, errors } = await burst(50, send);
  assert.deepEqual(errors, [], "no connection refused or reset");
  assert.deepEqual(
    answers.map((a) => a.status),
    Array.from({ length: 50 }, () => 200),
  );
  const pids = new Set(answers.map(pidOf));
  assert.equal(pids.size, 1, `one process answered all 50: ${[...pids].join(",")}`);
  const [pid] = [...pids].map(Number);
  const again = await waitState(supervisor, name, "idle");
  assert.ok(again.scaling?.sinceLastConnectionMs !== undefined, "status says when the last connection came");
  await waitFor(`pid ${pid} gone after idle`, () => pid !== undefined && !alive(pid));
  const next = await send();
  assert.equal(next.status, 200);
  assert.notEqual(pidOf(next), String(pid), "a new process served the next request");
}

const pidInBody = (answer: Answer): string => String((JSON.parse(answer.body) as { pid: number }).pid);

describe("on-demand sites", () => {
  it("a command site on TCP: 50 first connections wake one process; idle again after `idle`; woken again", async () => {
    const port = await freePort();
    const supervisor = start(`version: 1
sites:
  web:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${port}
    ready: { http: / }
    processes: { min: 0, idle: 1s }
    stopTimeout: 5s
`);
    await wakeAndSleep(supervisor, "web", () => get(port, "/", 20_000), pidInBody);
    // The woken process may answer before its `ready` probe has passed: wait for the state.
    const table = await waitFor("web running or idle in the status table", async () => {
      const answer = await supervisor.cli(["status"]);
      return /web\s+(running|idle)/.test(answer.stdout) ? answer : undefined;
    });
    assert.match(table.stdout, /SCALE/);
    assert.equal(await supervisor.stop(), 0);
  });

  it("start NAME warms an idle site; a config change while idle is what its next start runs", async () => {
    const port = await freePort();
    const site = (version: string): string => `version: 1
sites:
  web:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${port}
    ready: { http: / }
    env: { VERSION: "${version}" }
    processes: { min: 0, idle: 1s }
    stopTimeout: 5s
`;
    const supervisor = start(site("one"));
    await waitState(supervisor, "web", "idle");
    const warmed = await supervisor.cli(["start", "web"]);
    assert.equal(warmed.code, 0, warmed.stderr);
    const up = await supervisor.site("web");
    assert.equal(up.state, "running");
    assert.equal(up.pids.length, 1);
    assert.equal((JSON.parse((await get(port)).body) as { version: string }).version, "one");
    await waitState(supervisor, "web", "idle");
    fs.writeFileSync(supervisor.file, site("two"));
    const applied = await supervisor.cli(["reload-config"]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((await supervisor.site("web")).state, "idle", "a reload of an idle site starts nothing");
    assert.equal((JSON.parse((await get(port, "/", 20_000)).body) as { version: string }).version, "two");
    assert.equal(await supervisor.stop(), 0);
  });

  it("an app: site on a unix socket does the same", async () => {
    const dir = tempDir();
    const socket = path.join(dir, "app.sock");
    const supervisor = start(`version: 1
sites:
  fetchy:
    app: ./fetch-app.ts
    cwd: ${JSON.stringify(path.join(ROOT, "test/fixtures/apps"))}
    listen: unix:${socket}
    processes: { min: 0, max: 1, idle: 1s }
    stopTimeout: 5s
`);
    await wakeAndSleep(
      supervisor,
      "fetchy",
      () => getUnix(socket),
      (answer) => String(answer.headers["x-pid"]),
    );
    assert.ok(fs.statSync(socket).isSocket(), "the socket file outlives every process");
    assert.equal(await supervisor.stop(), 0);
  });

  it("scales up under a burst of slow requests to max, and back down to min, failing nothing", async () => {
    const port = await freePort();
    const supervisor = start(`version: 1
sites:
  slow:
    command: [python3, ${syncServer}]
    listen: 127.0.0.1:${port}
    env: { BLOCKING_MS: "150" }
    ready: { log: "listening pid" }
    processes: { min: 1, max: 3, idle: 1s }
    stopTimeout: 5s
`);
    const first = await waitState(supervisor, "slow", "running");
    assert.equal(first.scaling?.current, 1);
    // Each process accepts and serves one /block request at a time, like a sync worker: the
    // others wait in the accept queue.
    const { answers, errors } = await burst(80, () => get(port, "/block", 30_000));
    const stoppedDuring = supervisor.events.filter((e) => /stopping process/.test(e.message)).length;
    assert.deepEqual(errors, []);
    assert.equal(answers.filter((a) => a.status === 200).length, 80);
    assert.equal(
      stoppedDuring,
      0,
      `no process was stopped while the burst was being served:\n${supervisor.events.map((e) => `${JSON.stringify(e["time"])} ${e.message}`).join("\n")}`,
    );
    const pids = new Set(answers.map(pidInBody));
    assert.equal(pids.size, 3, `max processes served the burst: ${[...pids].join(",")}`);
    assert.equal(supervisor.events.filter((e) => /adding 1 process \(connections wait/.test(e.message)).length, 2);
    const back = await waitFor(
      "back to min (1 process)",
      async () => {
        const site = await supervisor.site("slow");
        return site.scaling?.current === 1 && site.state === "running" ? site : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    assert.equal(back.pids.length, 1);
    assert.equal(supervisor.events.filter((e) => /stopping process/.test(e.message)).length, 2);
    assert.equal(await supervisor.stop(), 0);
  });

  it("a broken program: the waking connections get a 503 naming the site; it backs off, goes fatal; others unaffected", async () => {
    const [brokenPort, goodPort] = [await freePort(), await freePort()];
    const supervisor = start(`version: 1
sites:
  broken:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${brokenPort}
    env: { FAIL_AT_START: "1" }
    ready: { http: / }
    processes: { min: 0, max: 2 }
    startTimeout: 5s
    backoff: { initial: 200ms, max: 400ms }
    maxRestarts: { count: 2, within: 1m }
  good:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${goodPort}
    ready: { http: / }
`);
    await waitState(supervisor, "broken", "idle");
    await supervisor.waitRunning(["good"]);
    const started = Date.now();
    const { answers, errors } = await burst(5, () => get(brokenPort, "/", 10_000));
    assert.deepEqual(errors, []);
    for (const answer of answers) {
      assert.equal(answer.status, 503);
      assert.match(answer.body, /site broken cannot start: .*exited with code 3/);
    }
    assert.ok(Date.now() - started < 5000 + 2000, "answered within the start timeout");
    await waitState(supervisor, "broken", "fatal");
    assert.equal((await get(goodPort)).status, 200);
    assert.equal((await supervisor.site("good")).state, "running");
    assert.equal(await supervisor.stop(), 0);
  });

  it("reload-config from a fixed count to {min, max, idle} and back, under load: nothing fails", async () => {
    const port = await freePort();
    const site = (processes: string): string => `version: 1
sites:
  web:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${port}
    ready: { http: / }
    processes: ${processes}
    stopTimeout: 5s
`;
    const supervisor = start(site("2"));
    await supervisor.waitRunning(["web"]);
    const load = loadLoop(port, { rate: 40, maxMs: 25_000 });
    const apply = async (processes: string, check: (s: SiteStatus) => boolean): Promise<void> => {
      // Editors save atomically: write a temp file, rename it over sites.yaml.
      fs.writeFileSync(`${supervisor.file}.tmp`, site(processes));
      fs.renameSync(`${supervisor.file}.tmp`, supervisor.file);
      const result = await supervisor.cli(["reload-config"]);
      assert.equal(result.code, 0, result.stderr);
      await waitFor(`status after processes: ${processes}`, async () => check(await supervisor.site("web")), {
        timeoutMs: 20_000,
        intervalMs: 100,
      });
    };
    await apply("{ min: 1, max: 3, idle: 1s }", (s) => s.state === "running" && s.scaling?.max === 3);
    await apply("2", (s) => s.state === "running" && s.scaling === undefined && s.pids.length === 2);
    const report = await load.stop();
    assert.ok(report.ok > 0);
    assert.deepEqual(report.errors, []);
    assert.equal(await supervisor.stop(), 0);
  });
});

describe("an on-demand Django site under gunicorn", () => {
  let python = "";
  let projects = "";
  before(() => {
    const dir = tempDir("tsgi-ondemand-django-");
    projects = path.join(dir, "projects");
    const made = spawnSync("bash", [path.join(ROOT, "scripts/make-django-projects.sh"), projects], { encoding: "utf8" });
    assert.equal(made.status, 0, `make-django-projects.sh failed (install python3-django and gunicorn): ${made.stderr}`);
    python = made.stdout.trim().split("\n").pop() ?? "";
  });

  it("50 first connections wake one gunicorn master; idle again after `idle`; woken again", async () => {
    const port = await freePort();
    const supervisor = start(`version: 1
sites:
  shop:
    wsgi: shop.wsgi:application
    cwd: ${JSON.stringify(path.join(projects, "shop"))}
    settings: shop.settings
    python: ${JSON.stringify(python)}
    listen: 127.0.0.1:${port}
    processes: { min: 0, idle: 1s }
    startTimeout: 20s
    stopTimeout: 5s
`);
    await wakeAndSleep(supervisor, "shop", () => get(port, "/whoami", 20_000), pidInBody);
    assert.equal(await supervisor.stop(), 0);
  });

  it("the same on a unix socket: the path survives every gunicorn that stops", async () => {
    const socket = path.join(tempDir("tsgi-ondemand-sock-"), "shop.sock");
    const supervisor = start(`version: 1
sites:
  shop:
    wsgi: shop.wsgi:application
    cwd: ${JSON.stringify(path.join(projects, "shop"))}
    settings: shop.settings
    python: ${JSON.stringify(python)}
    listen: unix:${socket}
    processes: { min: 0, idle: 1s }
    startTimeout: 20s
    stopTimeout: 5s
`);
    await wakeAndSleep(supervisor, "shop", () => getUnix(socket, "/whoami"), pidInBody);
    assert.ok(fs.statSync(socket).isSocket());
    assert.equal(await supervisor.stop(), 0);
  });
});
