/**
 * As PID 1 of a new pid namespace (the way `docker run` starts it, no --init): the orphans a
 * forking site leaves are reaped, a site's own exit status still reaches the supervisor, and
 * SIGTERM stops everything with exit 0.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { BIN, tempDir } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";
import { descendants, removeTestCgroup, testCgroupParent } from "./helpers.js";

const canUnshare = process.getuid?.() === 0 && fs.existsSync("/usr/bin/unshare");
const cleanups: (() => void)[] = [];
const cgroupParent = canUnshare ? testCgroupParent("pid1") : undefined;
after(() => {
  cleanups.forEach((clean) => clean());
  removeTestCgroup(cgroupParent);
});

describe("PID 1 in a pid namespace", { skip: canUnshare ? false : "needs root and unshare(1)" }, () => {
  it("reaps every orphan of a forking site, keeps its sites' exit statuses, and exits 0 on SIGTERM", async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "sites.yaml"),
      `version: 1
supervisor:
  logs: false
sites:
  forker:
    command: [sh, -c, "while true; do (sleep 0.05 &); sleep 0.1; done"]
    ready: { delay: 10ms }
  sevens:
    command: [sh, -c, "sleep 0.2; exit 7"]
    ready: { delay: 10ms }
    restart: always
    backoff: { initial: 100ms, max: 100ms }
    maxRestarts: { count: 1000, within: 60s }
`,
    );
    const child = spawn(
      "unshare",
      ["--pid", "--fork", "--mount-proc", process.execPath, BIN, "sites.yaml", "--log-format", "json", "--subreaper"],
      {
        cwd: dir,
        // With cgroups where this machine has them (under this test's parent), else without.
        env: { PATH: process.env["PATH"] ?? "", NO_COLOR: "1", TSGI_CGROUP: cgroupParent ?? "off" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let log = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // The namespace's PID 1 is unshare's child; killing it ends the whole namespace.
    const pid1 = await waitFor("the supervisor inside the namespace", () => descendants(child.pid ?? 0)[0]?.pid);
    cleanups.push(() => {
      try {
        process.kill(pid1, "SIGKILL");
      } catch {
        // gone
      }
    });
    await waitFor("both sites started", () => log.includes('"forker') && /exited with code 7|exit code 7|code 7/.test(log), {
      timeoutMs: 20_000,
    });

    // Without reaping, each orphan stays a zombie for good (59 after 6 s; ~10 a second, so 4 s
    // of samples tell a leak from reaping many times over). A zombie only just made may still
    // wait for the supervisor's next turn on a loaded machine, so a sample counts the zombies
    // that were already zombies at the sample before (200 ms earlier): the leak.
    let worst = 0;
    let fresh = 0;
    let previous = new Set<number>();
    const until = Date.now() + 4_000;
    while (Date.now() < until) {
      const zombies = new Set(
        descendants(pid1)
          .filter((p) => p.state === "Z")
          .map((p) => p.pid),
      );
      worst = Math.max(worst, [...zombies].filter((pid) => previous.has(pid)).length);
      fresh = Math.max(fresh, zombies.size);
      previous = zombies;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(worst <= 2, `at most 2 lasting zombies at any sample, saw ${worst} (and at most ${fresh} at once)`);
    const sevens = log.split("\n").filter((line) => line.includes("sevens") && /code 7/.test(line)).length;
    assert.ok(sevens >= 3, `each exit of the sevens site was seen with its code 7 (${sevens} times)`);

    process.kill(pid1, "SIGTERM");
    assert.equal(await exited, 0, log.slice(-2000));
    assert.match(log, /stopped 2 sites/);
  });
});
