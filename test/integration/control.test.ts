/**
 * The control socket and reload-config: exactly the difference is applied; a broken config
 * changes nothing; the socket is 0600; a second supervisor on the same config refuses to start.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { spawn } from "node:child_process";
import { BIN, PROGRAMS, SupervisorUnderTest } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";

const node = JSON.stringify(process.execPath);
const printEnv = JSON.stringify(path.join(PROGRAMS, "print-env.mjs"));
const running: SupervisorUnderTest[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
});

const site = (name: string, extra = ""): string => `  ${name}:\n    command: [${node}, ${printEnv}]\n    ready: { delay: 50ms }\n${extra}`;

describe("control socket and reload-config", () => {
  it("applies only the difference: added starts, removed stops, changed reloads, unchanged keeps its pid", async () => {
    const supervisor = SupervisorUnderTest.start(`version: 1\nsites:\n${site("keep")}${site("drop")}${site("change")}`);
    running.push(supervisor);
    const before = await supervisor.waitRunning(["keep", "drop", "change"]);
    const pid = (name: string, sites = before) => sites.find((s) => s.name === name)?.pids[0];
    fs.writeFileSync(
      supervisor.file,
      `version: 1\nsites:\n${site("keep")}${site("change", '    env: { CHANGED: "yes" }\n')}${site("fresh")}`,
    );
    const result = await supervisor.cli(["reload-config"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /added: fresh/);
    assert.match(result.stdout, /removed: drop/);
    assert.match(result.stdout, /changed: change/);
    assert.match(result.stdout, /unchanged: keep/);
    const after = await supervisor.waitRunning(["keep", "change", "fresh"]);
    assert.equal(
      after.find((s) => s.name === "drop"),
      undefined,
    );
    assert.equal(pid("keep", after), pid("keep"), "unchanged site keeps its pid");
    assert.notEqual(pid("change", after), pid("change"), "changed site was reloaded");
    assert.equal(await supervisor.stop(), 0);
  });

  it("SIGHUP re-reads sites.yaml like reload-config", async () => {
    const supervisor = SupervisorUnderTest.start(`version: 1\nsites:\n${site("first")}`);
    running.push(supervisor);
    await supervisor.waitRunning(["first"]);
    fs.writeFileSync(supervisor.file, `version: 1\nsites:\n${site("first")}${site("second")}`);
    supervisor.child.kill("SIGHUP");
    await supervisor.waitRunning(["first", "second"]);
    assert.equal(await supervisor.stop(), 0);
  });

  it("a config with errors changes nothing and returns the errors", async () => {
    const supervisor = SupervisorUnderTest.start(`version: 1\nsites:\n${site("one")}`);
    running.push(supervisor);
    const before = await supervisor.waitRunning(["one"]);
    fs.writeFileSync(supervisor.file, `version: 1\nsites:\n  one:\n    comand: [${node}]\n`);
    const result = await supervisor.cli(["reload-config"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /sites\.yaml:4:5/);
    assert.match(result.stderr, /did you mean `command`/);
    assert.match(result.stderr, /nothing changed/);
    const after = await supervisor.status();
    assert.deepEqual(after.find((s) => s.name === "one")?.pids, before.find((s) => s.name === "one")?.pids);
    assert.equal(await supervisor.stop(), 0);
  });

  it("creates the control socket 0600 and a second supervisor on the same config refuses to start", async () => {
    const supervisor = SupervisorUnderTest.start(`version: 1\nsites:\n${site("solo")}`);
    running.push(supervisor);
    await supervisor.waitRunning(["solo"]);
    const socket = path.join(supervisor.dir, ".tsgi/control.sock");
    assert.equal(fs.statSync(socket).mode & 0o777, 0o600);
    const second = SupervisorUnderTest.start(fs.readFileSync(supervisor.file, "utf8"), { dir: supervisor.dir });
    running.push(second);
    assert.equal(await second.exited, 1);
    assert.match(second.stderr.join(""), /another supervisor is already running for this configuration/);
    assert.equal((await supervisor.site("solo")).state, "running", "the first one is untouched");
    assert.equal(await supervisor.stop(), 0);
    assert.equal(fs.existsSync(socket), false, "the socket file is removed at exit");
  });

  it("status shows every site; unknown sites get a clear error; start/stop wait and report", async () => {
    const supervisor = SupervisorUnderTest.start(`version: 1\nsites:\n${site("a")}${site("b", "    autostart: false\n")}`);
    running.push(supervisor);
    await supervisor.waitRunning(["a"]);
    const table = await supervisor.cli(["status"]);
    assert.match(table.stdout, /^SITE\s+STATE\s+PIDS\s+UPTIME\s+RESTARTS\s+MEMORY\s+CPU\s+ADDRESS/);
    assert.match(table.stdout, /\na\s+running\s+\d+/);
    assert.match(table.stdout, /\nb\s+stopped\s+-/);
    // --json prints the socket's answer as it is (the kit's status() reads that answer directly).
    const json = await supervisor.cli(["status", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const printed = JSON.parse(json.stdout) as { name: string; state: string; pids: number[] }[];
    const asked = await supervisor.status();
    assert.deepEqual(
      printed.map(({ name, state, pids }) => ({ name, state, pids })),
      asked.map(({ name, state, pids }) => ({ name, state, pids })),
    );
    assert.deepEqual(Object.keys(printed[0] ?? {}).sort(), Object.keys(asked[0] ?? {}).sort());
    const unknown = await supervisor.cli(["restart", "nope"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no site named `nope`; sites: a, b/);
    const started = await supervisor.cli(["start", "b"]);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /b started in \d+ ms: pids \d+/);
    const stopped = await supervisor.cli(["stop", "all"]);
    assert.equal(stopped.code, 0);
    assert.match(stopped.stdout, /a stopped in \d+ ms/);
    const logs = await supervisor.cli(["logs", "a", "-n", "50"]);
    assert.match(logs.stdout, /a\.1 \| ENV /);
    // -f streams lines as they come: start b again and see its output arrive.
    const follower = spawn(process.execPath, [BIN, "logs", "b", "-f", "-n", "0", "-c", supervisor.file], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let followed = "";
    follower.stdout.setEncoding("utf8").on("data", (chunk: string) => (followed += chunk));
    try {
      // The follower connects asynchronously: (re)start b until its fresh output shows up.
      await waitFor(
        "logs -f shows b's output",
        async () => {
          if (/b\.1 \| ENV /.test(followed)) return true;
          await supervisor.cli(["restart", "b"]);
          return /b\.1 \| ENV /.test(followed);
        },
        { intervalMs: 300 },
      );
    } finally {
      follower.kill("SIGINT");
    }
    assert.equal(await supervisor.stop(), 0);
  });

  it("status --json: each site's own pids, memory and CPU, summed over its processes; a stopped site has none", async () => {
    const supervisor = SupervisorUnderTest.start(
      `version: 1\nsites:\n${site("one")}${site("two", "    processes: 2\n")}${site("off", "    autostart: false\n")}`,
    );
    running.push(supervisor);
    await supervisor.waitRunning(["one", "two"]);
    const sites = await supervisor.status();
    assert.deepEqual(
      sites.map((s) => s.name),
      ["one", "two", "off"],
    );
    for (const name of ["one", "two"]) {
      const status = sites.find((s) => s.name === name);
      assert.ok(status !== undefined);
      assert.equal(status.processes.length, name === "two" ? 2 : 1);
      assert.deepEqual(
        status.pids,
        status.processes.map((p) => p.pid),
      );
      for (const proc of status.processes) {
        // The pid is this site's process: its environment names the site.
        const environ = fs.readFileSync(`/proc/${String(proc.pid)}/environ`, "utf8").split("\0");
        assert.ok(environ.includes(`TSGI_SITE=${name}`), `pid ${String(proc.pid)} belongs to ${name}`);
        assert.ok((proc.memoryBytes ?? 0) > 0, `${name}: memory of pid ${String(proc.pid)}`);
        assert.ok((proc.cpuSeconds ?? -1) >= 0 && (proc.cpuPercent ?? -1) >= 0);
        assert.ok((proc.uptimeMs ?? -1) >= 0);
      }
      assert.equal(
        status.memoryBytes,
        status.processes.reduce((sum, p) => sum + (p.memoryBytes ?? 0), 0),
        `${name}: the site's memory is its processes' sum`,
      );
    }
    const off = sites.find((s) => s.name === "off");
    assert.ok(off !== undefined);
    assert.deepEqual(off.pids, []);
    assert.equal(off.memoryBytes, undefined);
    assert.equal(off.uptimeMs, undefined);
    assert.equal(await supervisor.stop(), 0);
  });
});
