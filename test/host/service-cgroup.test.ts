/**
 * Under systemd with Delegate=yes the supervisor starts in its unit's own cgroup. A cgroup with
 * processes of its own cannot enable controllers for its children, so the supervisor moves into
 * a leaf (`supervisor`) before it starts anything: afterwards no process is left in the unit's
 * own cgroup — not the supervisor, not its death watch, not a site — and the sites' cgroups are
 * under the unit's, beside that leaf.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { SupervisorUnderTest } from "../../kit/supervisor.js";
import { cgroupProcs, ownCgroup } from "../../src/host/cgroup.js";
import { descendants, removeTestCgroup, testCgroupParent } from "./helpers.js";

const JOIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/host/join-cgroup.cjs");
const running: SupervisorUnderTest[] = [];
const parent = testCgroupParent("service");
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
  removeTestCgroup(parent);
});

/** The cgroup v2 path of a process, relative to the mount. */
function cgroupOf(pid: number): string {
  return ownCgroup(fs.readFileSync(`/proc/${pid}/cgroup`, "utf8")) ?? "";
}

async function startAsService(unitName: string, cgroupSetting: (unit: string) => string): Promise<void> {
  const unit = path.join(parent ?? "", unitName);
  fs.mkdirSync(unit);
  const supervisor = SupervisorUnderTest.start(
    `version: 1\nsupervisor:\n  logs: false\nsites:\n  web:\n    command: [sleep, "300"]\n    ready: { delay: 10ms }\n`,
    {
      env: {
        PATH: process.env["PATH"] ?? "",
        NO_COLOR: "1",
        // As systemd runs a service: in its unit's cgroup, INVOCATION_ID set.
        NODE_OPTIONS: `--require ${JOIN}`,
        TSGI_TEST_JOIN_CGROUP: unit,
        INVOCATION_ID: "0123456789abcdef0123456789abcdef",
        TSGI_CGROUP: cgroupSetting(unit),
      },
    },
  );
  running.push(supervisor);
  const [web] = await supervisor.waitRunning(["web"]);
  const pid = supervisor.child.pid ?? 0;
  assert.deepEqual(cgroupProcs(unit), [], "processes left in the unit's own cgroup");
  assert.ok(cgroupProcs(path.join(unit, "supervisor")).includes(pid), "the supervisor is in its leaf");
  // Its own helpers (the death watch) went with it.
  const helpers = descendants(pid).filter((p) => p.state !== "Z" && p.pid !== web?.pids[0]);
  assert.ok(helpers.length >= 1, "the death watch runs");
  for (const helper of helpers) assert.match(cgroupOf(helper.pid), new RegExp(`/${unitName}/supervisor$`), `pid ${helper.pid}`);
  // The site under the unit's cgroup, in the supervisor's subtree beside its leaf.
  assert.match(cgroupOf(web?.pids[0] ?? 0), new RegExp(`/${unitName}/tsgi-${pid}/web/p1-g1$`));
  assert.equal(await supervisor.stop(), 0);
}

describe(
  "a systemd service's supervisor leaves nothing in its unit's own cgroup",
  { skip: parent === undefined ? "no writable cgroup v2" : false },
  () => {
    it("with the parent found from its own cgroup", async () => {
      await startAsService("auto.service", () => "");
    });

    it("with TSGI_CGROUP naming the unit's cgroup", async () => {
      await startAsService("named.service", (unit) => unit);
    });
  },
);
