/**
 * `dependsOn` and `health` inside the supervisor, on virtual time with fake processes: start
 * order by readiness, `--only` closing over dependencies (and saying so), and the unhealthy
 * replacement — new generation first, counted as a restart, backoff and crash-loop limits.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import type { ResolvedConfig, ResolvedSite } from "../../../src/config/types.js";
import { createLog } from "../../../src/logging/logger.js";
import type { SpawnSiteProcess } from "../../../src/supervisor/spawn-site-process.js";
import { Supervisor } from "../../../src/supervisor/supervisor.js";
import { resolvedSite } from "../../../kit/resolved-site.js";
import { collect, FakeSpawner, silentLog, VirtualClock, type FakeProcess } from "./fakes.js";

function config(...sites: ResolvedSite[]): ResolvedConfig {
  return { file: "/srv/sites.yaml", dir: "/srv", control: "/srv/.tsgi/control.sock", logs: false, watchDebounceMs: 100, sites };
}
const site = (name: string, overrides: Partial<ResolvedSite> = {}): ResolvedSite =>
  resolvedSite({ name, ready: { type: "notify" }, ...overrides });

describe("dependsOn in the supervisor", () => {
  it("starts a site only once what it depends on is ready; stops it first", async () => {
    const clock = new VirtualClock();
    const spawner = new FakeSpawner(clock);
    const spawnedBy: { site: string; proc: FakeProcess }[] = [];
    const spawn = (request: SpawnSiteProcess) => {
      const outcome = spawner.spawn(request);
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the fake spawner hands out FakeProcess instances
      if (outcome.ok) spawnedBy.push({ site: request.site.name, proc: outcome.proc as FakeProcess });
      return outcome;
    };
    const supervisor = new Supervisor(config(site("web", { dependsOn: ["db"] }), site("db"), site("other")), {
      log: silentLog(),
      only: undefined,
      clock,
      spawn,
    });
    const started = supervisor.startAll();
    await clock.settle();
    assert.deepEqual(spawnedBy.map((s) => s.site).sort(), ["db", "other"], "web waits for db");
    for (const s of spawnedBy) s.proc.ready();
    await clock.settle();
    assert.equal(spawnedBy.length, 3, "web spawned once db was ready");
    assert.equal(spawnedBy.at(-1)?.site, "web");
    spawnedBy.at(-1)?.proc.ready();
    const results = await started;
    assert.deepEqual(
      Object.values(results).map((r) => r.ok),
      [true, true, true],
    );
    const stops: string[] = [];
    supervisor.events.on("state", (e) => e.to.kind === "stopped" && stops.push(e.site));
    await supervisor.stopAll();
    assert.ok(stops.indexOf("web") < stops.indexOf("db"), stops.join(","));
  });

  it("--only includes what the named sites depend on, and says so", () => {
    let logged = "";
    const log = createLog({
      format: "json",
      color: false,
      stream: new Writable({ write: (chunk, _e, done) => ((logged += String(chunk)), done()) }),
    });
    const supervisor = new Supervisor(
      config(site("web", { dependsOn: ["api"] }), site("api", { dependsOn: ["db"] }), site("db"), site("cron")),
      {
        log,
        only: new Set(["web"]),
        clock: new VirtualClock(),
      },
    );
    assert.deepEqual(
      supervisor.config.sites.map((s) => s.name),
      ["web", "api", "db"],
    );
    assert.match(logged, /--only web: also supervising api, db \(dependsOn\)/);
  });
});

describe("health: the unhealthy replacement", () => {
  it("new generation first, counted as a restart; backoff applies; past maxRestarts the site is fatal", async () => {
    const clock = new VirtualClock();
    const spawner = new FakeSpawner(clock);
    spawner.onSpawn = (proc) => proc.ready();
    const supervisor = new Supervisor(
      config(site("web", { maxRestarts: { count: 2, withinMs: 60_000 }, backoff: { initialMs: 500, maxMs: 5000 } })),
      {
        log: silentLog(),
        only: undefined,
        clock,
        spawn: spawner.spawn,
        random: () => 0.5,
      },
    );
    await supervisor.startAll();
    const web = supervisor.site("web");
    assert.ok(web !== undefined);
    const scheduled = collect(supervisor.events.on.bind(supervisor.events), "restart-scheduled");
    const reloads = collect(supervisor.events.on.bind(supervisor.events), "reload-finished");

    const first = web.pids();
    await web.replaceUnhealthy("unhealthy: test");
    assert.notDeepEqual(web.pids(), first);
    assert.deepEqual([web.state.kind, web.snapshot().restarts], ["running", 1]);
    assert.deepEqual(
      scheduled.map((e) => [e.reason, e.delayMs]),
      [["unhealthy", 0]],
    );
    assert.equal(reloads[0]?.ok, true, "a graceful reload: the new generation served before the old one stopped");

    // A second one right after: backoff `initial`.
    const second = web.replaceUnhealthy("unhealthy: test");
    await clock.advance(499);
    assert.equal(reloads.length, 1);
    await clock.advance(1);
    await second;
    assert.deepEqual(
      scheduled.map((e) => e.delayMs),
      [0, 500],
    );
    assert.equal(web.snapshot().restarts, 2);

    const third = await web.replaceUnhealthy("unhealthy: test");
    assert.equal(third.ok, false);
    assert.equal(web.state.kind, "fatal");
    assert.equal(spawner.live().length, 0);
  });
});
