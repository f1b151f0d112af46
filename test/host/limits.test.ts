/**
 * `limits: {pids: 20}` on a site that forks 100 children: held at 20 where the pids controller
 * can be enabled for the supervisor's cgroups; elsewhere `check` and the start say, in one
 * sentence, what to enable — the limit is never silently dropped.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { freePort } from "../../kit/free-port.js";
import { getJson } from "../../kit/http.js";
import { PROGRAMS, runCli, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";
import { removeTestCgroup, testCgroupParent } from "./helpers.js";

const running: SupervisorUnderTest[] = [];
const parent = testCgroupParent("limits");
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
  removeTestCgroup(parent);
});

function controllerAvailable(dir: string, name: string): boolean {
  try {
    return fs.readFileSync(path.join(dir, "cgroup.controllers"), "utf8").split(/\s+/).includes(name);
  } catch {
    return false;
  }
}

const yaml = `version: 1
supervisor:
  logs: false
sites:
  forker:
    command: [sh, -c, "i=0; while [ $i -lt 100 ]; do sleep 300 & i=$((i+1)); done; exec sleep 300"]
    ready: { delay: 10ms }
    stopTimeout: 1s
    limits: { pids: 20 }
`;

describe("limits", { skip: parent === undefined ? "no writable cgroup v2 here" : false }, () => {
  const dir = parent ?? "";
  const pidsAvailable = controllerAvailable(dir, "pids");

  it(pidsAvailable ? "holds a forking site at pids.max 20" : "says which controller to enable when pids is not available", async () => {
    const folder = tempDir();
    const env = { PATH: process.env["PATH"] ?? "", NO_COLOR: "1", TSGI_CGROUP: dir };
    const supervisor = SupervisorUnderTest.start(yaml, { dir: folder, env });
    running.push(supervisor);
    await supervisor.waitRunning(["forker"]);
    if (pidsAvailable) {
      const own = fs.readdirSync(dir).find((name) => name.startsWith("tsgi-"));
      assert.ok(own !== undefined, "the supervisor's cgroup exists");
      const site = path.join(dir, own, "forker");
      assert.equal(fs.readFileSync(path.join(site, "pids.max"), "utf8").trim(), "20");
      // pids.events counts the forks the limit refused.
      await waitFor(
        "a fork refused by pids.max",
        () => Number(/max (\d+)/.exec(fs.readFileSync(path.join(site, "pids.events"), "utf8"))?.[1]) > 0,
      );
      const current = Number(fs.readFileSync(path.join(site, "pids.current"), "utf8"));
      assert.ok(current <= 20, `at most 20 processes, saw ${current}`);
    } else {
      const warning = await supervisor.waitForEvent("the limits sentence", (e) => /limits\.pids not applied/.test(e.message));
      assert.match(warning.message, /the pids controller is not enabled .*Delegate=yes/);
      const check = await runCli(["check", supervisor.file], { env });
      assert.equal(check.code, 0, check.stderr);
      assert.match(check.stdout, /warning +site `forker`: limits\.pids not applied: the pids controller is not enabled/);
      assert.match(check.stdout, /limits +pids 20/);
      assert.match(check.stdout, /^ {2}tracking +cgroup v2: each site in a cgroup of its own/m);
    }
    assert.equal(await supervisor.stop(), 0);
  });

  const memoryAvailable = controllerAvailable(dir, "memory");
  it(
    "reports a kill by the memory limit as such, and restarts the site",
    { skip: memoryAvailable ? false : "the memory controller is not available for this run's cgroups" },
    async () => {
      const port = await freePort();
      const folder = tempDir();
      const env = { PATH: process.env["PATH"] ?? "", NO_COLOR: "1", TSGI_CGROUP: dir };
      const supervisor = SupervisorUnderTest.start(
        `version: 1
supervisor:
  logs: false
sites:
  hog:
    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(path.join(PROGRAMS, "memory-hog.mjs"))}]
    listen: 127.0.0.1:${port}
    ready: { delay: 10ms }
    env: { GROW_MB: "64" }
    limits: { memory: 48MB }
`,
        { dir: folder, env },
      );
      running.push(supervisor);
      const [before] = await supervisor.waitRunning(["hog"]);
      await getJson(port, "/grow").catch(() => undefined);
      await supervisor.waitForEvent("the OOM kill reported", (e) => /killed by its memory limit 48MB/.test(e.message));
      await waitFor("restarted", async () => {
        const site = await supervisor.site("hog");
        return site.state === "running" && site.pids[0] !== before?.pids[0];
      });
      assert.equal(await supervisor.stop(), 0);
    },
  );
});
