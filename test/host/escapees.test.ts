/**
 * A `setsid` escapee and a double-forked daemon — both outside their site's process group —
 * end with their site's stop, with cgroups (cgroup.kill) and without (the subreaper finds them);
 * each ignores SIGTERM, so the stop's SIGKILL at `stopTimeout` is what ends it.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { alive, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";
import { descendants, readPid, removeTestCgroup, testCgroupParent } from "./helpers.js";

const running: SupervisorUnderTest[] = [];
const strays: number[] = [];
const cgroupParent = testCgroupParent("escapees");
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
  for (const pid of strays) {
    try {
      if (alive(pid)) process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  removeTestCgroup(cgroupParent);
});

// Each escapee writes its pid, ignores SIGTERM and keeps a child of its own.
// `\\$$` (`\$$` to the outer shell): the escapee's own pid — the outer shell would put its own in place of a bare `$$`.
const stubborn = (file: string): string => `trap '' TERM; echo \\\\$$ > ${file}; while :; do sleep 0.2; done`;
const yaml = `version: 1
supervisor:
  logs: false
sites:
  setsid:
    command: [sh, -c, "setsid sh -c \\"${stubborn("setsid.pid")}\\" & exec sleep 300"]
    ready: { delay: 10ms }
    stopTimeout: 1s
  daemon:
    command: [sh, -c, "(setsid sh -c \\"${stubborn("daemon.pid")}\\" &); exec sleep 300"]
    ready: { delay: 10ms }
    stopTimeout: 1s
`;

/** Whether `pid` has koffi's library mapped: loaded for the subreaper, or not at all. */
function koffiLoaded(pid: number): boolean {
  return fs.readFileSync(`/proc/${pid}/maps`, "utf8").includes("koffi");
}

async function stopEndsEscapees(env: NodeJS.ProcessEnv, expectTracking: RegExp, adopts: boolean): Promise<void> {
  const dir = tempDir();
  const supervisor = SupervisorUnderTest.start(yaml, { dir, env: { PATH: process.env["PATH"] ?? "", NO_COLOR: "1", ...env } });
  running.push(supervisor);
  await supervisor.waitRunning(["setsid", "daemon"]);
  assert.match((await supervisor.waitForEvent("the tracking line", (e) => /tracking:/.test(e.message))).message, expectTracking);
  const pids = await waitFor("both escapees wrote their pid", () => {
    const a = readPid(path.join(dir, "setsid.pid"));
    const b = readPid(path.join(dir, "daemon.pid"));
    return a !== undefined && b !== undefined ? [a, b] : undefined;
  });
  strays.push(...pids);
  // The subreaper adopts them; with cgroups the supervisor is none (their cgroup holds them),
  // so it never loads koffi, which would stay resident (~1.7 MiB).
  const supervisorPid = supervisor.child.pid ?? 0;
  const [setsidPid, daemonPid] = pids as [number, number];
  const parentOf = (pid: number): number => Number(/^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  const site = (await supervisor.site("setsid")).pids[0];
  assert.equal(parentOf(setsidPid), site, "the setsid escapee is still its site process's child");
  // Its parent once the subshell that forked it has exited (it may not have yet): the supervisor,
  // or something outside the supervisor's tree (init, or an ancestor that is a subreaper).
  const daemonParent = await waitFor("the double-forked daemon re-parented", () => {
    const ppid = parentOf(daemonPid);
    return ppid === supervisorPid || !descendants(supervisorPid).some((p) => p.pid === ppid) ? ppid : undefined;
  });
  assert.equal(
    daemonParent === supervisorPid,
    adopts,
    `the double-forked daemon's parent is ${daemonParent}, the supervisor ${supervisorPid}`,
  );
  assert.equal(koffiLoaded(supervisorPid), adopts, "koffi is loaded only for the subreaper");
  const results = await Promise.all(["setsid", "daemon"].map((site) => supervisor.cli(["stop", site])));
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  // stopTimeout 1 s + 1 s, and a margin for a loaded machine.
  await waitFor(`escapees ${pids.join(", ")} gone`, () => pids.every((pid) => !alive(pid)), { timeoutMs: 4000 });
  // They died as the supervisor's adopted children (or init's): it reaped them too.
  await waitFor("no zombie left under the supervisor", () => descendants(supervisorPid).every((p) => p.state !== "Z"));
  assert.equal(await supervisor.stop(), 0);
}

describe("escapees end with their site", () => {
  it("without cgroups: the subreaper finds them", async () => {
    await stopEndsEscapees({ TSGI_CGROUP: "off" }, /tracking: subreaper/, true);
  });

  it(
    "with cgroups: the site's cgroup is killed, and removed at exit",
    { skip: cgroupParent === undefined ? "no writable cgroup v2" : false },
    async () => {
      const parent = cgroupParent ?? "";
      await stopEndsEscapees({ TSGI_CGROUP: parent }, /tracking: cgroup v2/, false);
      assert.deepEqual(
        fs
          .readdirSync(parent, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name),
        [],
        "the supervisor removed its cgroups",
      );
    },
  );
});
