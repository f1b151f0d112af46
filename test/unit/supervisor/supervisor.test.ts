import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResolvedConfig, ResolvedSite } from "../../../src/config/types.js";
import { startMarks } from "../../../src/supervisor/site.js";
import { Supervisor } from "../../../src/supervisor/supervisor.js";
import { resolvedSite } from "../../../kit/resolved-site.js";
import { FakeSpawner, silentLog, VirtualClock } from "./fakes.js";

function config(...sites: ResolvedSite[]): ResolvedConfig {
  return { file: "/srv/sites.yaml", dir: "/srv", control: "/srv/.tsgi/control.sock", logs: false, watchDebounceMs: 100, sites };
}

const site = (name: string, overrides: Partial<ResolvedSite> = {}): ResolvedSite =>
  resolvedSite({ name, ready: { type: "notify" }, ...overrides });

describe("Supervisor.apply on virtual time", () => {
  it("applies only the difference: adds, removes, reloads the changed site new generation first, leaves the rest alone", async () => {
    const clock = new VirtualClock();
    const spawner = new FakeSpawner(clock);
    spawner.onSpawn = (proc) => proc.ready();
    const supervisor = new Supervisor(config(site("keep"), site("drop"), site("edit")), {
      log: silentLog(),
      only: undefined,
      clock,
      spawn: spawner.spawn,
    });
    const lifecycle: string[] = [];
    supervisor.events.on("site-added", (e) => lifecycle.push(`added ${e.site}`));
    supervisor.events.on("site-removed", (e) => lifecycle.push(`removed ${e.site}`));
    supervisor.events.on("site-updated", (e) => lifecycle.push(`updated ${e.site}`));
    const started = await supervisor.startAll();
    assert.deepEqual(
      Object.values(started).map((r) => r.ok),
      [true, true, true],
    );
    const keep = supervisor.site("keep")?.pids();
    const edit = supervisor.site("edit")?.pids();

    const report = await supervisor.apply(config(site("keep"), site("edit", { stopTimeoutMs: 2000 }), site("new")));
    assert.deepEqual([report.added, report.removed, report.changed, report.unchanged], [["new"], ["drop"], ["edit"], ["keep"]]);
    assert.deepEqual(lifecycle.slice(3).sort(), ["added new", "removed drop", "updated edit"]);
    assert.deepEqual(supervisor.site("keep")?.pids(), keep, "an unchanged site keeps its processes");
    assert.notDeepEqual(supervisor.site("edit")?.pids(), edit, "the changed site was reloaded");
    assert.equal(supervisor.site("drop"), undefined);
    assert.deepEqual(
      supervisor.sites().map((s) => [s.name, s.state.kind]),
      [
        ["keep", "running"],
        ["edit", "running"],
        ["new", "running"],
      ],
    );
    const stopped = await supervisor.stopAll();
    assert.deepEqual(stopped.names, ["keep", "edit", "new"]);
    assert.equal(spawner.live().length, 0);
  });
});

describe("the first start's processes, known before it (HostOptions.firstStart)", () => {
  it("firstStartMarks names exactly the processes startAll spawns: autostart sites, their counts, generation 1", async () => {
    const clock = new VirtualClock();
    const spawner = new FakeSpawner(clock);
    spawner.onSpawn = (proc) => proc.ready();
    const spawned: string[] = [];
    const supervisor = new Supervisor(config(site("web", { processes: 2 }), site("jobs"), site("manual", { autostart: false })), {
      log: silentLog(),
      only: undefined,
      clock,
      spawn: (request) => {
        spawned.push(`${request.site.name} p${request.index}-g${request.generation}`);
        return spawner.spawn(request);
      },
    });
    const marks = supervisor.firstStartMarks().map((m) => `${m.site} p${m.index}-g${m.generation}`);
    assert.deepEqual(marks, ["web p1-g1", "web p2-g1", "jobs p1-g1"]);
    await supervisor.startAll();
    assert.deepEqual(spawned.sort(), [...marks].sort());
    await supervisor.stopAll();
  });

  it("a scaled site starts with its minimum: none when it waits idle on its socket", () => {
    const scaled = (min: number): ResolvedSite => site("s", { processes: Math.max(min, 1), scaling: { min, max: 4, idleMs: 1000 } });
    assert.deepEqual(startMarks(scaled(0), 1), []);
    assert.deepEqual(startMarks(scaled(2), 3), [
      { site: "s", index: 1, generation: 3 },
      { site: "s", index: 2, generation: 3 },
    ]);
    assert.deepEqual(startMarks(site("fixed", { processes: 3 }), 1).length, 3);
  });
});
