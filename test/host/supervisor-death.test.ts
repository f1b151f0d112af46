/**
 * When the supervisor is SIGKILLed, every process of every kind of site ends soon after: a
 * command with a grandchild, a double-forked daemon, gunicorn's master and worker, tsgi's app
 * worker — the parent-death signal, gunicorn's and the worker's parent watches, and the death
 * watch for the rest.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { freePort } from "../../kit/free-port.js";
import { alive, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";
import { cgroupProcs } from "../../src/host/cgroup.js";
import { descendants, removeTestCgroup, testCgroupParent } from "./helpers.js";

const running: SupervisorUnderTest[] = [];
const seen: number[] = [];
const cgroupParent = testCgroupParent("death");
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
  for (const pid of seen) {
    try {
      if (alive(pid)) process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  removeTestCgroup(cgroupParent);
});

/** Every pid in the cgroup `dir` and the cgroups under it. */
function cgroupPids(dir: string): number[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return [
    ...cgroupProcs(dir),
    ...entries.filter((entry) => entry.isDirectory()).flatMap((entry) => cgroupPids(path.join(dir, entry.name))),
  ];
}

/** An interpreter that can import gunicorn (the pyenv `python3` on PATH may not). */
function gunicornPython(): string | undefined {
  return ["/usr/bin/python3", "python3"].find((python) => spawnSync(python, ["-c", "import gunicorn"]).status === 0);
}

/** A site that notes the signal it was stopped by. */
const GRACEFUL =
  'process.on("SIGTERM", (s) => { require("fs").writeFileSync("graceful.txt", s); process.exit(0); }); console.log("up"); setInterval(() => {}, 1000);';

describe("the supervisor's death", () => {
  for (const cgroups of [false, true]) {
    const skip = cgroups && cgroupParent === undefined ? "no writable cgroup v2 here" : false;
    it(`ends command, wsgi and app sites with all their processes (${cgroups ? "cgroups" : "no cgroups"})`, { skip }, async () => {
      const python = gunicornPython();
      assert.ok(python !== undefined, "an interpreter with gunicorn (Debian: apt-get install gunicorn)");
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, "hello.py"), "def application(environ, start):\n    start('200 OK', [])\n    return [b'hi']\n");
      fs.writeFileSync(path.join(dir, "app.mjs"), "export default () => new Response('hi');\n");
      const [wsgiPort, appPort] = [await freePort(), await freePort()];
      const supervisor = SupervisorUnderTest.start(
        `version: 1
supervisor:
  logs: false
sites:
  cmd:
    command: [sh, -c, "sleep 300 & sleep 300"]
    ready: { delay: 10ms }
  daemon:
    command: [sh, -c, "(setsid sh -c 'exec sleep 300' &); exec sleep 300"]
    ready: { delay: 10ms }
  py:
    wsgi: hello:application
    python: ${python}
    listen: 127.0.0.1:${wsgiPort}
  js:
    app: ./app.mjs
    listen: 127.0.0.1:${appPort}
  graceful:
    command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(GRACEFUL)}]
    ready: { log: "^up" }
`,
        { dir, env: { PATH: process.env["PATH"] ?? "", NO_COLOR: "1", TSGI_CGROUP: cgroups ? (cgroupParent ?? "") : "off" } },
      );
      running.push(supervisor);
      await supervisor.waitRunning(["cmd", "daemon", "py", "js", "graceful"]);
      const pid = supervisor.child.pid ?? 0;
      // Without cgroups the double-forked daemon is adopted by the supervisor, its subreaper,
      // and so known to its death watch; with them it stays in its site's cgroup, which the
      // death watch ends whole (the supervisor is no subreaper then: init adopts the daemon).
      if (!cgroups) await supervisor.waitForEvent("the daemon adopted", (e) => e.event === "adopted" && e.site === "daemon");
      // Everything under the supervisor: the sites' processes (gunicorn's worker, the shell's
      // sleeps) and the death watch itself; with cgroups, the daemon in its site's cgroup.
      const tree = await waitFor("gunicorn's worker, the shell's two sleeps and the daemon are up", () => {
        const under = descendants(pid)
          .filter((p) => p.state !== "Z")
          .map((p) => p.pid);
        const all = [...new Set([...under, ...(cgroups ? cgroupPids(path.join(cgroupParent ?? "", `tsgi-${pid}`)) : [])])];
        return all.length >= 9 ? all : undefined;
      });
      seen.push(...tree);
      supervisor.child.kill("SIGKILL");
      await supervisor.exited;
      await waitFor(
        `every process gone: ${tree.join(", ")}`,
        () => tree.every((p) => !alive(p)),
        // About a second by design; the margin is for a loaded machine.
        { timeoutMs: 3000 },
      );
      // Its stop signal first, not only the watcher's SIGKILL: through setpriv's parent-death
      // signal without cgroups, through the watcher's signal to its group with them.
      assert.equal(fs.readFileSync(path.join(dir, "graceful.txt"), "utf8"), "SIGTERM");
      if (cgroups) {
        const parent = cgroupParent ?? "";
        await waitFor("the death watch removed the supervisor's cgroups", () =>
          fs.readdirSync(parent).every((name) => !name.startsWith("tsgi-")),
        );
      }
    });
  }

  it("the state file stays the second line: what survived both first lines is stopped by the next supervisor", async () => {
    const dir = tempDir();
    // The leader ignores its stop signal (which is also its parent-death signal); SIGTERM, which
    // the state-file clean-up sends, ends it.
    const yaml = `version: 1
supervisor:
  logs: false
sites:
  tough:
    command: [sh, -c, "trap '' USR2; trap 'exit 0' TERM; while :; do sleep 0.1; done"]
    stopSignal: SIGUSR2
    stopTimeout: 1s
    ready: { delay: 10ms }
`;
    const env = { PATH: process.env["PATH"] ?? "", NO_COLOR: "1", TSGI_CGROUP: "off" };
    const first = SupervisorUnderTest.start(yaml, { dir, env });
    running.push(first);
    const [site] = await first.waitRunning(["tough"]);
    const leader = site?.pids[0] ?? 0;
    seen.push(leader);
    await waitFor("the state file names the leader", () => {
      const file = path.join(dir, ".tsgi/state.json");
      return fs.existsSync(file) && fs.readFileSync(file, "utf8").includes(String(leader));
    });
    // Take the death watch out first, as if it had died with the supervisor.
    const supervisorPid = first.child.pid ?? 0;
    const watcher = descendants(supervisorPid).find((p) => fs.readFileSync(`/proc/${p.pid}/cmdline`, "utf8").includes("clean="));
    assert.ok(watcher !== undefined, "the death watch runs beside the sites");
    process.kill(watcher.pid, "SIGKILL");
    first.child.kill("SIGKILL");
    await first.exited;
    // The parent-death signal was sent as the supervisor exited, before its exit was seen here.
    assert.ok(alive(leader), "the leader ignored its parent-death signal and had no death watch: it lives on");
    const second = SupervisorUnderTest.start(yaml, { dir, env });
    running.push(second);
    await second.waitForEvent("leftovers stopped", (e) => e.event === "leftovers-stopped");
    assert.ok(!alive(leader), "the next supervisor stopped it");
    // Its signal handlers are in place once it supervises.
    await second.waitRunning(["tough"]);
    assert.equal(await second.stop(), 0);
  });
});
