/**
 * The supervisor core with real processes: environment isolation, crash → restart, crash loop
 * → fatal, restart: never, group kill of a stubborn process tree, graceful exit.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { alive, PROGRAMS, SupervisorUnderTest } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";

const program = (name: string): string => JSON.stringify(path.join(PROGRAMS, name));
const node = JSON.stringify(process.execPath);
const running: SupervisorUnderTest[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
});
function start(yaml: string, env?: NodeJS.ProcessEnv): SupervisorUnderTest {
  const supervisor = SupervisorUnderTest.start(yaml, env === undefined ? {} : { env });
  running.push(supervisor);
  return supervisor;
}

function envOf(supervisor: SupervisorUnderTest, site: string): Promise<Record<string, string>> {
  return supervisor
    .waitForEvent(`${site} prints its environment`, (e) => e.site === site && e.kind === "output" && e.message.startsWith("ENV "))
    .then((e) => JSON.parse(e.message.slice(4)) as Record<string, string>);
}

describe("supervisor core", () => {
  it("builds each site's environment for it alone", async () => {
    const supervisor = start(
      `version: 1
defaults:
  env: { SHARED: from-defaults }
sites:
  alpha:
    command: [${node}, ${program("print-env.mjs")}]
    settings: alpha.settings
    settingsVar: DJANGO_SETTINGS_MODULE
    env: { ONLY_ALPHA: "1" }
  beta:
    command: [${node}, ${program("print-env.mjs")}]
    settings: beta.settings.prod
  gamma:
    command: [${node}, ${program("print-env.mjs")}]
`,
      {
        PATH: process.env["PATH"] ?? "",
        HOME: process.env["HOME"] ?? "",
        NO_COLOR: "1",
        DJANGO_SETTINGS_MODULE: "supervisor.settings",
        TSGI_SETTINGS_MODULE: "supervisor.tsgi",
        API_SECRET: "hunter2",
      },
    );
    const [alpha, beta, gamma] = await Promise.all([envOf(supervisor, "alpha"), envOf(supervisor, "beta"), envOf(supervisor, "gamma")]);
    assert.equal(alpha["DJANGO_SETTINGS_MODULE"], "alpha.settings");
    assert.equal(alpha["TSGI_SETTINGS_MODULE"], undefined);
    assert.equal(alpha["ONLY_ALPHA"], "1");
    assert.equal(alpha["SHARED"], "from-defaults");
    assert.equal(beta["TSGI_SETTINGS_MODULE"], "beta.settings.prod");
    assert.equal(beta["DJANGO_SETTINGS_MODULE"], undefined);
    assert.equal(beta["ONLY_ALPHA"], undefined);
    assert.equal(gamma["DJANGO_SETTINGS_MODULE"], undefined);
    assert.equal(gamma["TSGI_SETTINGS_MODULE"], undefined);
    for (const env of [alpha, beta, gamma]) {
      assert.equal(env["API_SECRET"], undefined, "the supervisor's secret must not reach a site");
      assert.ok(env["PATH"], "PATH is inherited");
    }
    assert.ok(
      !supervisor.events.some((e) => JSON.stringify(e).includes("hunter2") && e.kind !== "output"),
      "no secret in the supervisor's own events",
    );
    assert.equal(await supervisor.stop(), 0);
  });

  it("restarts a crash after its backoff, gives up on a crash loop, leaves restart: never down", async () => {
    const supervisor = start(`version: 1
sites:
  steady:
    command: [${node}, ${program("print-env.mjs")}]
  crashy:
    command: [${node}, ${program("exit-with.mjs")}]
    env: { EXIT_CODE: "3", AFTER_MS: "20" }
    backoff: { initial: 50ms, max: 200ms }
    maxRestarts: { count: 3, within: 1m }
    ready: { delay: 10ms }
  once:
    command: [${node}, ${program("exit-with.mjs")}]
    restart: never
    ready: { delay: 10ms }
`);
    const steady = await supervisor.waitForEvent("steady started", (e) => e.site === "steady" && e.event === "process-started");
    await supervisor.waitForEvent("crashy restarting after backoff", (e) => e.site === "crashy" && e.event === "restart-scheduled");
    await supervisor.waitForEvent("crashy fatal", (e) => e.site === "crashy" && e.event === "state" && e.to === "fatal");
    const sites = await supervisor.status();
    const crashy = sites.find((s) => s.name === "crashy");
    assert.equal(crashy?.state, "fatal");
    assert.match(crashy.reason ?? "", /gave up: 4 exits within 1m/);
    await waitFor("once exited", async () => (await supervisor.site("once")).state === "exited");
    // steady becomes ready after its 1 s delay; the crash loop may be over before that.
    const steadyNow = (await supervisor.waitRunning(["steady"])).find((s) => s.name === "steady") ?? (await supervisor.site("steady"));
    assert.equal(steadyNow.state, "running");
    assert.deepEqual(steadyNow.pids, [steady["pid"]], "the steady site kept its pid");
    assert.equal(await supervisor.stop(), 0);
  });

  it("ends a stubborn process and its grandchild within stopTimeout + 1 s of SIGTERM", async () => {
    const supervisor = start(`version: 1
sites:
  stubborn:
    command: [${node}, ${program("stubborn.mjs")}]
    stopTimeout: 1s
    ready: { log: "grandchild \\\\d+" }
`);
    const line = await supervisor.waitForEvent("grandchild reported", (e) => e.site === "stubborn" && /^grandchild \d+/.test(e.message));
    const grandchild = Number(/grandchild (\d+)/.exec(line.message)?.[1]);
    const parent = (await supervisor.waitRunning(["stubborn"])).find((s) => s.name === "stubborn")?.pids[0] ?? 0;
    assert.ok(alive(grandchild) && alive(parent));
    const sent = Date.now();
    const code = await supervisor.stop();
    const took = Date.now() - sent;
    assert.equal(code, 0);
    assert.ok(!alive(parent), "the parent is gone");
    assert.ok(!alive(grandchild), "the grandchild is gone");
    assert.ok(took < 1000 + 1000, `took ${took} ms, more than stopTimeout + 1 s`);
    assert.ok(
      supervisor.events.some((e) => e.event === "process-stopped" && e["killed"] === true),
      "the kill is logged",
    );
    assert.ok(
      supervisor.events.some((e) => e.event === "supervisor-stopped" && JSON.stringify(e["sites"]) === '["stubborn"]'),
      "the exit line says what was stopped and how long",
    );
  });

  it("a site waiting in backoff does not hold up a stop or the shutdown", async () => {
    const supervisor = start(`version: 1
sites:
  flappy:
    command: [${node}, ${program("exit-with.mjs")}]
    restart: always
    backoff: { initial: 20s, max: 20s }
    ready: { delay: 500ms }
`);
    await supervisor.waitForEvent("flappy in backoff", (e) => e.site === "flappy" && e.event === "restart-scheduled");
    const stopped = await supervisor.cli(["stop", "flappy"]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal((await supervisor.site("flappy")).state, "stopped");
    const restarted = await supervisor.cli(["start", "flappy"]);
    assert.equal(restarted.code, 1, "start reports the failed first attempt at once");
    assert.match(restarted.stderr, /flappy did not start: pid \d+ exited with code 1; restarting in \d+ ms/);
    const sent = Date.now();
    assert.equal(await supervisor.stop(), 0);
    assert.ok(Date.now() - sent < 5000, "the shutdown did not wait for the backoff");
  });

  it("a second SIGINT kills every site at once and exits 1", async () => {
    const supervisor = start(`version: 1
sites:
  stubborn:
    command: [${node}, ${program("stubborn.mjs")}]
    stopTimeout: 30s
    ready: { log: "grandchild \\\\d+" }
`);
    const line = await supervisor.waitForEvent("grandchild reported", (e) => e.site === "stubborn" && /^grandchild \d+/.test(e.message));
    const grandchild = Number(/grandchild (\d+)/.exec(line.message)?.[1]);
    const [site] = await supervisor.waitRunning(["stubborn"]);
    supervisor.child.kill("SIGINT");
    await supervisor.waitForEvent("graceful stop began", (e) => e.event === "supervisor-stopping" && e["signal"] === "SIGINT");
    const sent = Date.now();
    supervisor.child.kill("SIGINT");
    assert.equal(await supervisor.exited, 1);
    assert.ok(Date.now() - sent < 3000, "forced, not waiting for stopTimeout");
    await waitFor("parent and grandchild gone", () => !alive(site?.pids[0] ?? 0) && !alive(grandchild), { timeoutMs: 3000 });
  });

  it("--only supervises the named sites and ignores the others", async () => {
    const supervisor = SupervisorUnderTest.start(
      `version: 1
sites:
  picked:
    command: [${node}, ${program("ticker.mjs")}]
    ready: { delay: 10ms }
  ignored:
    command: [${node}, ${program("ticker.mjs")}]
    ready: { delay: 10ms }
`,
      { args: ["--only", "picked"] },
    );
    running.push(supervisor);
    await supervisor.waitRunning(["picked"]);
    assert.deepEqual(
      (await supervisor.status()).map((s) => s.name),
      ["picked"],
    );
    assert.equal(await supervisor.stop(), 0);
  });

  it("reports a missing program clearly and keeps the other sites running", async () => {
    const supervisor = start(`version: 1
sites:
  typo:
    command: [no-such-program-tsgi, --flag]
    backoff: { initial: 10ms, max: 20ms }
    maxRestarts: { count: 2, within: 1m }
  fine:
    command: [${node}, ${program("print-env.mjs")}]
`);
    await supervisor.waitForEvent("typo fatal", (e) => e.site === "typo" && e.event === "state" && e.to === "fatal");
    const typo = await supervisor.site("typo");
    assert.match(typo.reason ?? "", /program `no-such-program-tsgi` not found on the site's PATH/);
    assert.ok(!supervisor.stderr.join("").includes("    at "), "no stack trace");
    await supervisor.waitRunning(["fine"]);
    assert.equal(await supervisor.stop(), 0);
  });
});
