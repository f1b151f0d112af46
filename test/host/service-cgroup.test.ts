/**
 * Under systemd with Delegate=yes the supervisor starts in its unit's own cgroup. A cgroup with
 * processes of its own cannot enable controllers for its children, so the supervisor moves into
 * a leaf (`supervisor`) before it starts anything: afterwards no process is left in the unit's
 * own cgroup — not the supervisor, not its death watch, not a site.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, it } from "node:test";
import { SupervisorUnderTest } from "../../kit/supervisor.js";
import { cgroupProcs } from "../../src/host/cgroup.js";
import { descendants, removeTestCgroup, testCgroupParent } from "./helpers.js";

const JOIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/host/join-cgroup.cjs");
const running: SupervisorUnderTest[] = [];
const parent = testCgroupParent("service");
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
  removeTestCgroup(parent);
});

it(
  "a systemd service's supervisor leaves nothing in its unit's own cgroup",
  { skip: parent === undefined ? "no writable cgroup v2" : false },
  async () => {
    const unit = path.join(parent ?? "", "tsgi.service");
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
          TSGI_CGROUP: unit,
        },
      },
    );
    running.push(supervisor);
    await supervisor.waitRunning(["web"]);
    const pid = supervisor.child.pid ?? 0;
    assert.deepEqual(cgroupProcs(unit), [], "processes left in the unit's own cgroup");
    assert.ok(cgroupProcs(path.join(unit, "supervisor")).includes(pid), "the supervisor is in its leaf");
    // Its own helpers (the death watch) went with it; the site is in its site's cgroup.
    const children = descendants(pid).filter((p) => p.state !== "Z");
    assert.ok(children.length >= 2, `the death watch and the site under the supervisor: ${JSON.stringify(children)}`);
    for (const child of children) {
      const line =
        fs
          .readFileSync(`/proc/${child.pid}/cgroup`, "utf8")
          .split("\n")
          .find((l) => l.startsWith("0::")) ?? "";
      assert.ok(line.includes("/tsgi.service/"), `pid ${child.pid} is under the unit (${line})`);
      assert.ok(!line.endsWith("/tsgi.service"), `pid ${child.pid} is not in the unit's own cgroup (${line})`);
    }
    assert.equal(await supervisor.stop(), 0);
  },
);
