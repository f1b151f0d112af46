/**
 * The pure pieces of `host/`: limits to cgroup files and sentences, notify datagrams and
 * addresses, the watchdog period, systemd's version, /proc parsing, the launch wrapper's argv.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { cgroup2Mount, ownCgroup } from "../../src/host/cgroup.js";
import { setprivNeeded, wrapLaunch } from "../../src/host/launch-wrapper.js";
import { limitFiles, limitKillNote, limitsSentence } from "../../src/host/limits.js";
import { formatNotify, openNotifier, unixAddress } from "../../src/host/sd-notify.js";
import { summarize } from "../../src/host/systemd-session.js";
import { parseSystemdVersion } from "../../src/host/systemd-version.js";
import { watchdogPlan } from "../../src/host/watchdog.js";

describe("limits", () => {
  it("become memory.max, cpu.max (of a 100 ms period) and pids.max", () => {
    assert.deepEqual(
      limitFiles({ memoryBytes: 512 * 1024 * 1024, cpuPercent: 50, pids: 20 }).map((f) => `${f.file}=${f.value}`),
      ["memory.max=536870912", "cpu.max=50000 100000", "pids.max=20"],
    );
    assert.deepEqual(
      limitFiles({ memoryBytes: undefined, cpuPercent: 250, pids: undefined }).map((f) => f.value),
      ["250000 100000"],
    );
  });

  it("say in one sentence which controller to enable, and nothing when all are there", () => {
    const limits = { memoryBytes: undefined, cpuPercent: undefined, pids: 20 };
    const missing = limitsSentence("web", limits, { cgroups: true, controllers: new Set(["memory"]), parent: "/sys/fs/cgroup/x" });
    assert.match(
      missing ?? "",
      /^site `web`: limits\.pids not applied: the pids controller is not enabled above \/sys\/fs\/cgroup\/x .*Delegate=yes.*"\+pids"/,
    );
    assert.equal(limitsSentence("web", limits, { cgroups: true, controllers: new Set(["pids"]), parent: "/x" }), undefined);
    assert.match(
      limitsSentence("web", limits, { cgroups: false, why: "no cgroup v2 hierarchy is mounted" }) ?? "",
      /need cgroup v2 .*no cgroup v2 hierarchy is mounted.*Delegate=yes/,
    );
  });

  it("name the memory limit when the kernel enforced it", () => {
    assert.equal(limitKillNote(1, 512 * 1024 * 1024), "killed by its memory limit 512MB");
    assert.equal(limitKillNote(0, 512 * 1024 * 1024), undefined);
    assert.equal(limitKillNote(2, undefined), undefined);
  });
});

describe("sd_notify", () => {
  it("addresses a path with its NUL and an @name in the abstract namespace", () => {
    const path = unixAddress("/run/systemd/notify");
    assert.equal(path?.readUInt16LE(0), 1);
    assert.equal(path.subarray(2).toString("latin1"), "/run/systemd/notify\0");
    const abstract = unixAddress("@tsgi/notify");
    assert.equal(abstract?.subarray(2).toString("latin1"), "\0tsgi/notify");
    assert.equal(unixAddress(""), undefined);
    assert.equal(unixAddress(`/${"x".repeat(120)}`), undefined);
  });

  it("is absent without NOTIFY_SOCKET, and fails soft with the reason where libc cannot be loaded", () => {
    assert.deepEqual(openNotifier(undefined), { ok: "absent" });
    assert.deepEqual(
      openNotifier("/run/systemd/notify", () => ({ ok: false, reason: "the koffi package cannot be loaded (test)" })),
      { ok: false, reason: "the koffi package cannot be loaded (test)" },
    );
  });

  it("keeps each field on one line", () => {
    assert.equal(formatNotify({ READY: "1", STATUS: "a\nb" }), "READY=1\nSTATUS=a b");
  });

  it("pings the watchdog at half its period, only for this pid", () => {
    assert.deepEqual(watchdogPlan({ WATCHDOG_USEC: "30000000" }, 7), { intervalMs: 15_000 });
    assert.deepEqual(watchdogPlan({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "7" }, 7), { intervalMs: 15_000 });
    assert.equal(watchdogPlan({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "8" }, 7), undefined);
    assert.equal(watchdogPlan({}, 7), undefined);
    assert.equal(watchdogPlan({ WATCHDOG_USEC: "soon" }, 7), undefined);
  });

  it("sums up the sites in one STATUS line", () => {
    assert.equal(summarize(["running", "running", "fatal"]), "3 sites: 2 running, 1 fatal");
    assert.equal(summarize([]), "0 sites");
  });
});

describe("host facts", () => {
  it("reads systemd's version as systemctl prints it", () => {
    assert.equal(parseSystemdVersion("systemd 252 (252.38-1~deb12u1)\n+PAM +AUDIT"), 252);
    assert.equal(parseSystemdVersion("not systemd"), undefined);
  });

  it("finds the cgroup v2 mount and the process's own cgroup", () => {
    const mountinfo = [
      "30 24 0:26 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory",
      "35 24 0:31 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw",
    ].join("\n");
    assert.equal(cgroup2Mount(mountinfo), "/sys/fs/cgroup/unified");
    assert.equal(cgroup2Mount("30 24 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw"), undefined);
    assert.equal(ownCgroup("4:memory:/x\n0::/system.slice/tsgi.service\n"), "/system.slice/tsgi.service");
  });

  it("launches through a wrapper that passes the argv through untouched", () => {
    const launch = wrapLaunch({
      file: "/bin/echo",
      args: ["$HOME", "a b", "'q'"],
      cgroup: undefined,
      setListenPid: true,
      deathSignal: "SIGTERM",
      uid: undefined,
      gid: undefined,
      setpriv: undefined,
    });
    const out = execFileSync(launch.file, [...launch.args], { encoding: "utf8", env: { HOME: "/nowhere" } });
    assert.equal(out, "$HOME a b 'q'\n");
  });

  it("skips setpriv only where the death watch's cgroup kill covers a dead supervisor and no user changes", () => {
    const covered = { uid: undefined, gid: undefined, cgroupTracked: true, deathWatchAlive: true };
    assert.equal(setprivNeeded(covered), false);
    assert.equal(setprivNeeded({ ...covered, deathWatchAlive: false }), true, "the watcher was killed");
    assert.equal(setprivNeeded({ ...covered, cgroupTracked: false }), true, "groups only: a process that left its group is not covered");
    assert.equal(setprivNeeded({ ...covered, uid: 1000 }), true, "a change of user goes through setpriv");
    assert.equal(setprivNeeded({ ...covered, gid: 1000 }), true);
  });

  it("drops privileges through setpriv, which keeps the parent-death signal after the change", () => {
    const launch = wrapLaunch({
      file: "/bin/true",
      args: [],
      cgroup: "/sys/fs/cgroup/x",
      setListenPid: false,
      deathSignal: "SIGQUIT",
      uid: 1000,
      gid: 1001,
      setpriv: "/usr/bin/setpriv",
    });
    assert.deepEqual(launch.args.slice(2), [
      "tsgi-launch",
      "/sys/fs/cgroup/x",
      "0",
      "/usr/bin/setpriv",
      "--pdeathsig=SIGQUIT",
      "--regid=1001",
      "--reuid=1000",
      "--clear-groups",
      "--",
      "/bin/true",
    ]);
    assert.equal(launch.uid, undefined, "the spawn itself keeps root, so the wrapper can join the cgroup");
  });
});
