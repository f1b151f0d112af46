/**
 * At start-up every site's cgroup is made before the first site process moves into its own
 * (`Tracking.prepare`): a move holds the kernel's cgroup_mutex through an RCU grace period, and
 * a cgroup made at each spawn waited for the previous site's move. Each site's shell lists, as
 * it starts, the first-process cgroups of its supervisor: all of them are there already.
 *
 * And a reload's process finds its cgroup made too: each process's next-generation cgroup is made
 * a second after it is spawned, so a reload makes none (its `mkdir` would wait for the mutex
 * behind the lock warm-up a control client's connection starts).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, it } from "node:test";
import { SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";
import { cgroup2Mount } from "../../src/host/cgroup.js";
import { removeTestCgroup, testCgroupParent } from "./helpers.js";

const running: SupervisorUnderTest[] = [];
const parent = testCgroupParent("prepare");
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
  removeTestCgroup(parent);
});

const SITES = ["a", "b", "c", "d", "e"];

/** A supervisor in `dir` under the test's cgroup parent, each of `names` a site running the shell `script`. */
function startShellSites(dir: string, names: readonly string[], script: string): SupervisorUnderTest {
  const yaml = [
    "version: 1",
    "supervisor:",
    "  logs: false",
    "sites:",
    ...names.flatMap((name) => [`  ${name}:`, `    command: [sh, -c, ${JSON.stringify(script)}]`, "    ready: { delay: 10ms }"]),
    "",
  ].join("\n");
  const supervisor = SupervisorUnderTest.start(yaml, {
    dir,
    env: { PATH: process.env["PATH"] ?? "", NO_COLOR: "1", TSGI_CGROUP: parent ?? "" },
  });
  running.push(supervisor);
  return supervisor;
}

it(
  "every site's cgroup exists before the first site process starts",
  { skip: parent === undefined ? "no writable cgroup v2" : false },
  async () => {
    const mount = cgroup2Mount() ?? "";
    const dir = tempDir();
    // The shell's own cgroup is SUBTREE/SITE/p1-g1: the subtree is two levels up.
    const list = `own=$(sed -n 's/^0:://p' /proc/self/cgroup); ls -d ${mount}$(dirname $(dirname $own))/*/p1-g1 > $TSGI_SITE.seen; exec sleep 300`;
    const supervisor = startShellSites(dir, SITES, list);
    await supervisor.waitRunning(SITES);
    for (const name of SITES) {
      const seen = fs
        .readFileSync(path.join(dir, `${name}.seen`), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((leaf) => path.basename(path.dirname(leaf)))
        .sort();
      assert.deepEqual(seen, SITES, `what site ${name} saw as it started`);
    }
    assert.equal(await supervisor.stop(), 0);
  },
);

it(
  "each process's next-generation cgroup is made ahead, and a reload's process starts in it",
  { skip: parent === undefined ? "no writable cgroup v2" : false },
  async () => {
    const mount = cgroup2Mount() ?? "";
    const dir = tempDir();
    // Each process appends the cgroup it started in.
    const record = `sed -n 's/^0:://p' /proc/self/cgroup >> own.seen; exec sleep 300`;
    const supervisor = startShellSites(dir, ["a"], record);
    await supervisor.waitRunning(["a"]);
    const seen = (): string[] => fs.readFileSync(path.join(dir, "own.seen"), "utf8").split("\n").filter(Boolean);
    const first = await waitFor("the first process recorded its cgroup", () => seen()[0]);
    assert.equal(path.basename(first), "p1-g1");
    const site = path.join(mount, path.dirname(first));
    // Made in the background about a second after the spawn, before anything asks for it.
    await waitFor("p1-g2 made ahead of any reload", () => fs.existsSync(path.join(site, "p1-g2")), { timeoutMs: 10_000 });
    const reloaded = await supervisor.cli(["reload", "a"]);
    assert.equal(reloaded.code, 0, reloaded.stderr);
    const second = await waitFor("the reload's process recorded its cgroup", () => seen()[1]);
    assert.equal(second, path.join(path.dirname(first), "p1-g2"), "the reload's process runs in the cgroup made ahead");
    await waitFor("p1-g3 made ahead of the next reload", () => fs.existsSync(path.join(site, "p1-g3")), { timeoutMs: 10_000 });
    await waitFor("the old generation's cgroup removed", () => !fs.existsSync(path.join(site, "p1-g1")), { timeoutMs: 10_000 });
    assert.equal(await supervisor.stop(), 0);
    assert.equal(fs.existsSync(site), false, "the supervisor's cgroups, the one made ahead included, removed at exit");
  },
);
