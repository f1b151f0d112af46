/**
 * Reliability under faults: the supervisor dies, a site floods its log, a process is stopped
 * with SIGSTOP, log folders are unusable, control requests are malformed, another user knocks.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, describe, it } from "node:test";
import { getSupervisor, isError, runAction } from "../../src/control/client.js";
import { freePort } from "../../kit/free-port.js";
import { getJson } from "../../kit/http.js";
import { loadLoop } from "../../kit/load.js";
import { alive, PROGRAMS, runCli, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";
import { formatSize } from "../../src/format/size.js";

const node = JSON.stringify(process.execPath);
const program = (name: string): string => JSON.stringify(path.join(PROGRAMS, name));
const running: SupervisorUnderTest[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
});
function start(yaml: string, options: Parameters<typeof SupervisorUnderTest.start>[1] = {}): SupervisorUnderTest {
  const supervisor = SupervisorUnderTest.start(yaml, options);
  running.push(supervisor);
  return supervisor;
}

function controlRequest(socketPath: string, method: string, urlPath: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, method, path: urlPath }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

describe("faults", () => {
  it("a SIGKILLed supervisor's site ends with it, and the next one starts clean on the same socket", async () => {
    const port = await freePort();
    const dir = tempDir();
    const yaml = `version: 1
sites:
  web:
    command: [${node}, ${program("http-server.mjs")}]
    listen: 127.0.0.1:${port}
    ready: { http: / }
`;
    const first = start(yaml, { dir });
    const [site] = await first.waitRunning(["web"]);
    const oldPid = site?.pids[0] ?? 0;
    await waitFor(
      "state file written",
      () =>
        fs.existsSync(path.join(dir, ".tsgi/state.json")) &&
        fs.readFileSync(path.join(dir, ".tsgi/state.json"), "utf8").includes(String(oldPid)),
    );
    first.child.kill("SIGKILL");
    await first.exited;
    // The parent-death signal and the death watch end it; the state file is the second line.
    await waitFor("the site ends with its supervisor", () => !alive(oldPid), { timeoutMs: 5000 });
    const second = start(yaml, { dir });
    const [now] = await second.waitRunning(["web"]);
    assert.ok(!alive(oldPid), "the leftover is gone");
    assert.notEqual(now?.pids[0], oldPid);
    assert.equal((await getJson<{ pid: number }>(port)).pid, now?.pids[0]);
    assert.equal(await second.stop(), 0);
  });

  it("an app worker notices its supervisor died and exits on its own", async () => {
    const port = await freePort();
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "app.mjs"), "export default () => new Response('hi');\n");
    const supervisor = start(`version: 1\nsites:\n  app:\n    app: ./app.mjs\n    listen: 127.0.0.1:${port}\n`, { dir });
    const [site] = await supervisor.waitRunning(["app"]);
    const pid = site?.pids[0] ?? 0;
    supervisor.child.kill("SIGKILL");
    await supervisor.exited;
    await waitFor("orphaned worker exits", () => !alive(pid), { timeoutMs: 5000 });
  });

  it("a flood of 500 000 lines reaches the log file whole and in order, the supervisor's memory barely grows, another site's lines arrive within 1 s", async () => {
    const supervisor = start(`version: 1
supervisor:
  logMaxSize: 1GB
sites:
  flood:
    command: [${node}, ${program("flood.mjs")}]
    autostart: false
    ready: { delay: 10ms }
  ticker:
    command: [${node}, ${program("ticker.mjs")}]
    env: { EVERY_MS: "100", STAMP: "1" }
    ready: { delay: 10ms }
`);
    const socket = supervisor.controlSocket;
    const rss = async (): Promise<number | undefined> => {
      const answer = await getSupervisor(socket).catch(() => undefined);
      return answer === undefined || isError(answer) ? undefined : answer.rssBytes;
    };
    await waitFor("ticker running", async () => (await supervisor.status()).some((s) => s.name === "ticker" && s.state === "running"));
    // The supervisor's memory before the flood: the largest of a few samples once it has settled.
    let before = 0;
    for (let i = 0; i < 5; i++) {
      before = Math.max(before, (await rss()) ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(before > 0, "the supervisor reports its memory");
    let peakRss = 0;
    let flooding = true;
    const sampling = (async () => {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set false once the flood is done
      while (flooding) {
        peakRss = Math.max(peakRss, (await rss()) ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const floodStarted = Date.now();
    await runAction(socket, "flood", "start");
    await supervisor.waitForEvent("flood done", (e) => e.site === "flood" && e.message === "flood done", 60_000);
    const floodEnded = Date.now();
    flooding = false;
    await sampling;
    // A flooding site waits on its own pipe while its file or the console lags, and its lines go
    // to the file and this JSON console as bytes (no string per line): the supervisor holds a
    // bounded window. The 1.3 × is what `npm run bench` measures (pretty console to a
    // file: 1.08–1.16 ×); here, with the JSON console on a pipe this test reads, it peaks at
    // 1.21–1.51 × alone (two hosts), and at up to 1.69 × in the whole suite on 2 busy cores:
    // more than all 500 000 lines (8.5 MB), so not the lines held but, most likely, the heap's
    // working room (the young generation and the JIT the flood wakes, `heap-budget.ts`), which
    // a loaded machine stretches. A string per line, before issue 14, took the bench's flood to
    // 130 MiB.
    assert.ok(
      peakRss <= before * 2,
      `supervisor RSS peaked at ${formatSize(peakRss)}, ${(peakRss / before).toFixed(2)}× its ${formatSize(before)} before the flood`,
    );
    const logs = path.join(supervisor.dir, ".tsgi/logs");
    const text = await waitFor("flood log complete", () => {
      const content = fs.readFileSync(path.join(logs, "flood.log"), "utf8");
      return content.includes("flood done") ? content : undefined;
    });
    const numbers = text
      .split("\n")
      .map((line) => /flood line (\d+)$/.exec(line)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    assert.equal(numbers.length, 500_000, "every line is in the file");
    assert.ok(
      numbers.every((n, i) => n === i),
      "in order",
    );
    // Each tick is stamped in the file when the supervisor handed it on, and carries the time the
    // ticker wrote it: during the flood that gap stays under a second.
    const ticks = fs
      .readFileSync(path.join(logs, "ticker.log"), "utf8")
      .split("\n")
      .map((line) => /^(\S+) tick \d+ at (\d+)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ written: Number(m[2]), logged: Date.parse(m[1] ?? "") }));
    const during = ticks.filter((t) => t.written >= floodStarted && t.written <= floodEnded);
    assert.ok(during.length > 0, `the other site logged during the flood (${ticks.length} ticks in all)`);
    for (const tick of during) {
      assert.ok(
        tick.logged - tick.written < 1000,
        `a tick written during the flood reached the log ${tick.logged - tick.written} ms later`,
      );
    }
    const status = await supervisor.status();
    assert.ok(status.every((s) => s.state === "running"));
    assert.equal(await supervisor.stop(), 0);
  });

  it("rotates a site's log by size, keeping at most the configured files", async () => {
    const supervisor = start(`version: 1
supervisor:
  logMaxSize: 100KB
  logKeep: 3
sites:
  flood:
    command: [${node}, ${program("flood.mjs")}]
    env: { LINES: "40000" }
    ready: { delay: 10ms }
`);
    await supervisor.waitForEvent("flood done", (e) => e.site === "flood" && e.message === "flood done", 30_000);
    const logs = path.join(supervisor.dir, ".tsgi/logs");
    // The batch that crosses the size limit is written, then rotated: the last line may be in .1.
    await waitFor("the last line in a kept file", () =>
      fs
        .readdirSync(logs)
        .some((file) => file.startsWith("flood.log") && fs.readFileSync(path.join(logs, file), "utf8").includes("flood done")),
    );
    const files = fs.readdirSync(logs).filter((f) => f.startsWith("flood"));
    assert.deepEqual(
      files.sort(),
      ["flood.log", "flood.log.1", "flood.log.2", "flood.log.3"],
      "the live file and at most logKeep rotated ones",
    );
    // A file is rotated once it reaches the limit: it can exceed it by the batch that crossed it.
    for (const file of files)
      assert.ok(fs.statSync(path.join(logs, file)).size <= 100 * 1024 + 128 * 1024, `${file} is about the size limit`);
    // Nothing is lost at a rotation: the kept files hold one unbroken run of lines.
    const kept = ["flood.log.3", "flood.log.2", "flood.log.1", "flood.log"]
      .flatMap((file) => fs.readFileSync(path.join(logs, file), "utf8").split("\n"))
      .map((line) => /flood line (\d+)$/.exec(line)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    assert.equal(kept.at(-1), 39_999);
    assert.ok(
      kept.every((n, i) => i === 0 || n === (kept[i - 1] ?? 0) + 1),
      "no line lost across rotations",
    );
    assert.equal(await supervisor.stop(), 0);
  });

  it("an unusable log folder is reported once and supervision goes on", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "not-a-folder"), "");
    const supervisor = start(
      `version: 1
supervisor:
  logs: not-a-folder/logs
sites:
  ticker:
    command: [${node}, ${program("ticker.mjs")}]
    ready: { delay: 10ms }
`,
      { dir },
    );
    await supervisor.waitRunning(["ticker"]);
    await supervisor.waitForEvent("ticks keep flowing", (e) => e.site === "ticker" && e.message === "tick 10");
    const warnings = supervisor.events.filter((e) => /cannot write its log file/.test(e.message));
    assert.equal(warnings.length, 1, "reported once");
    assert.equal(await supervisor.stop(), 0);
  });

  it("flushes a partial last line when a process exits", async () => {
    const supervisor = start(`version: 1
sites:
  partial:
    command: [${node}, ${program("partial-line.mjs")}]
    restart: never
    ready: { delay: 10ms }
`);
    await supervisor.waitForEvent("partial line logged", (e) => e.site === "partial" && e.message === "partial without newline");
    assert.equal(await supervisor.stop(), 0);
  });

  it("a SIGSTOPped process hangs neither a reload nor the shutdown", async () => {
    const port = await freePort();
    const supervisor = start(`version: 1
sites:
  web:
    command: [${node}, ${program("http-server.mjs")}]
    listen: 127.0.0.1:${port}
    ready: { http: / }
    stopTimeout: 2s
`);
    const [site] = await supervisor.waitRunning(["web"]);
    const pid = site?.pids[0] ?? 0;
    process.kill(pid, "SIGSTOP");
    const reloaded = await supervisor.cli(["reload", "web"]);
    assert.equal(reloaded.code, 0, reloaded.stderr);
    assert.ok(!alive(pid), "the stopped process was ended (SIGCONT then its stop signal)");
    const load = loadLoop(port, { rate: 20, maxMs: 5000 });
    const now = (await supervisor.site("web")).pids[0] ?? 0;
    process.kill(now, "SIGSTOP");
    const started = Date.now();
    assert.equal(await supervisor.stop(), 0);
    assert.ok(Date.now() - started < 2000 + 1500, "shutdown within stopTimeout + a little");
    await load.stop();
  });

  it("answers malformed, huge and unknown control requests with clear errors", async () => {
    const supervisor = start(`version: 1\nsites:\n  one:\n    command: [${node}, ${program("ticker.mjs")}]\n    ready: { delay: 10ms }\n`);
    await supervisor.waitRunning(["one"]);
    const socket = supervisor.controlSocket;
    const unknownSite = await controlRequest(socket, "POST", "/v1/sites/../../etc/passwd/stop");
    assert.equal(unknownSite.status, 404);
    const unknownAction = await controlRequest(socket, "POST", "/v1/sites/one/explode");
    assert.equal(unknownAction.status, 404);
    assert.match(unknownAction.body, /unknown action `explode`; actions: start, stop, restart, reload, logs/);
    const wrongMethod = await controlRequest(socket, "GET", "/v1/sites/one/stop");
    assert.equal(wrongMethod.status, 405);
    const badPath = await controlRequest(socket, "GET", "/nope");
    assert.equal(badPath.status, 404);
    const huge = await controlRequest(socket, "POST", "/v1/reload-config", "x".repeat(1024 * 1024)).catch((error: unknown) => ({
      status: 0,
      body: error instanceof Error ? error.message : String(error),
    }));
    assert.equal(huge.status, 413, `huge body refused: ${huge.body}`);
    assert.equal((await supervisor.site("one")).state, "running", "the supervisor is unharmed");
    assert.equal(await supervisor.stop(), 0);
  });

  it("keeps secrets out of status, check and the supervisor's own log", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, ".env"), "DB_PASSWORD=s3cr3t-from-file\n");
    const yaml = `version: 1
sites:
  one:
    command: [${node}, ${program("ticker.mjs")}]
    envFile: .env
    env: { API_TOKEN: tok-123456, PLAIN: visible }
    ready: { delay: 10ms }
`;
    const supervisor = start(yaml, { dir });
    await supervisor.waitRunning(["one"]);
    const status = await supervisor.cli(["status", "--json"]);
    const check = await runCli(["check", supervisor.file]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /PLAIN=visible/);
    for (const text of [status.stdout, check.stdout, JSON.stringify(supervisor.events.filter((e) => e.kind !== "output"))]) {
      assert.ok(!text.includes("s3cr3t-from-file"), "no password");
      assert.ok(!text.includes("tok-123456"), "no token");
    }
    assert.equal(await supervisor.stop(), 0);
  });

  it(
    "refuses the control socket to another user",
    { skip: process.getuid?.() !== 0 ? "needs root to act as another user" : false },
    async () => {
      const supervisor = start(
        `version: 1\nsites:\n  one:\n    command: [${node}, ${program("ticker.mjs")}]\n    ready: { delay: 10ms }\n`,
      );
      await supervisor.waitRunning(["one"]);
      const socket = supervisor.controlSocket;
      fs.chmodSync(supervisor.dir, 0o755);
      const outcome = await new Promise<string>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            "-e",
            `require("net").connect(${JSON.stringify(socket)}).on("connect",()=>{console.log("CONNECTED");process.exit(0)}).on("error",e=>{console.log(e.code);process.exit(0)})`,
          ],
          {
            uid: 65534,
            gid: 65534,
            cwd: "/",
            stdio: ["ignore", "pipe", "inherit"],
          },
        );
        let out = "";
        child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
        child.on("exit", () => resolve(out.trim()));
      });
      assert.equal(outcome, "EACCES");
      assert.equal(await supervisor.stop(), 0);
    },
  );

  it("drops privileges to user: and group: when run as root", { skip: process.getuid?.() !== 0 ? "needs root" : false }, async () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o755);
    const supervisor = start(
      `version: 1
sites:
  dropped:
    command: [${node}, -e, "console.log('IDS', process.getuid(), process.getgid()); setInterval(() => {}, 1000)"]
    user: nobody
    group: nogroup
    ready: { delay: 10ms }
`,
      { dir },
    );
    const line = await supervisor.waitForEvent("ids printed", (e) => e.site === "dropped" && e.message.startsWith("IDS "));
    assert.equal(line.message, "IDS 65534 65534");
    assert.equal(await supervisor.stop(), 0);
  });
});
