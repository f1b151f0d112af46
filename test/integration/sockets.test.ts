/**
 * Supervisor-owned sockets under a bounded load loop on loopback: reloads, crashes and restarts
 * that refuse nothing; a broken reload that keeps the old generation; N processes on one socket.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { after, describe, it } from "node:test";
import { freePort } from "../../kit/free-port.js";
import { getJson } from "../../kit/http.js";
import { loadLoop } from "../../kit/load.js";
import { PROGRAMS, SupervisorUnderTest } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";
import { bindSocket } from "../../src/sockets/bind.js";

const node = JSON.stringify(process.execPath);
const server = JSON.stringify(path.join(PROGRAMS, "http-server.mjs"));
const running: SupervisorUnderTest[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
});

interface Answer {
  pid: number;
  generation: string;
  listenPid: string | null;
  listenFds: string | null;
}

async function siteOn(port: number, extra = ""): Promise<SupervisorUnderTest> {
  const supervisor = SupervisorUnderTest.start(`version: 1
sites:
  web:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${port}
    processes: 2
    ready: { http: / }
    stopTimeout: 5s
${extra}`);
  running.push(supervisor);
  await supervisor.waitRunning(["web"]);
  return supervisor;
}

describe("supervisor-owned sockets", () => {
  it("hands each process the socket as fd 3 with LISTEN_PID set to its own pid", async () => {
    const port = await freePort();
    const supervisor = await siteOn(port);
    const site = await supervisor.site("web");
    assert.equal(site.pids.length, 2);
    const seen = new Set<number>();
    await waitFor("both processes answer", async () => {
      const answer = await getJson<Answer>(port);
      assert.equal(answer.listenPid, String(answer.pid));
      assert.equal(answer.listenFds, "1");
      seen.add(answer.pid);
      return seen.size === 2;
    });
    assert.deepEqual([...seen].sort(), [...site.pids].sort());
    assert.equal(await supervisor.stop(), 0);
  });

  it("reload of a 2-process site under load: 0 failed requests, then only the new pids answer", async () => {
    const port = await freePort();
    const supervisor = await siteOn(port);
    const before = (await supervisor.site("web")).pids;
    const load = loadLoop(port, { rate: 100, maxMs: 20_000 });
    const result = await supervisor.cli(["reload", "web"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /web reloaded in \d+ ms: pids \d+,\d+ → \d+,\d+/);
    const report = await load.stop();
    assert.equal(report.failed, 0, `failed: ${report.errors.slice(0, 5).join("; ")}`);
    assert.ok(report.ok > 10, `only ${report.ok} requests made it`);
    const after = (await supervisor.site("web")).pids;
    assert.equal(after.length, 2);
    for (const pid of after) assert.ok(!before.includes(pid), "new pids");
    for (let i = 0; i < 20; i++) {
      const answer = await getJson<Answer>(port);
      assert.ok(after.includes(answer.pid), `pid ${answer.pid} is of the new generation`);
    }
    assert.equal(await supervisor.stop(), 0);
  });

  it("SIGKILL of every process under load: 0 failed requests, each process restarted on its own", async () => {
    const port = await freePort();
    const supervisor = await siteOn(port, "    backoff: { initial: 10ms, max: 100ms }\n");
    const before = (await supervisor.site("web")).pids;
    const load = loadLoop(port, { rate: 100, maxMs: 20_000 });
    for (const pid of before) process.kill(pid, "SIGKILL");
    const sites = await waitFor("both processes replaced and running", async () => {
      const site = await supervisor.site("web");
      return site.state === "running" && site.pids.length === 2 && site.pids.every((p) => !before.includes(p)) ? site : undefined;
    });
    const report = await load.stop();
    assert.equal(report.failed, 0, `failed: ${report.errors.slice(0, 5).join("; ")}`);
    assert.equal(sites.restarts, 2);
    assert.equal(await supervisor.stop(), 0);
  });

  it("a reload whose new generation cannot start keeps the old one serving", async () => {
    const port = await freePort();
    const supervisor = await siteOn(port, "    startTimeout: 5s\n");
    const before = (await supervisor.site("web")).pids;
    // Break the program for the next generation: the site's cwd gains nothing, but the config
    // changes its env so the new processes fail at start.
    fs.writeFileSync(
      supervisor.file,
      fs.readFileSync(supervisor.file, "utf8").replace("    stopTimeout: 5s\n", '    stopTimeout: 5s\n    env: { FAIL_AT_START: "1" }\n'),
    );
    const load = loadLoop(port, { rate: 50, maxMs: 20_000 });
    const result = await supervisor.cli(["reload-config"]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /reload failed, old generation keeps serving/);
    const report = await load.stop();
    assert.equal(report.failed, 0, `failed: ${report.errors.slice(0, 5).join("; ")}`);
    const site = await supervisor.site("web");
    assert.deepEqual(site.pids, before);
    assert.equal(site.state, "running");
    assert.equal(await supervisor.stop(), 0);
  });

  it("restart is stop-then-start and refuses nothing: connections wait in the backlog", async () => {
    const port = await freePort();
    const supervisor = await siteOn(port);
    const load = loadLoop(port, { rate: 50, maxMs: 20_000 });
    const result = await supervisor.cli(["restart", "web"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /web restarted in \d+ ms/);
    const report = await load.stop();
    assert.equal(report.failed, 0, `failed: ${report.errors.slice(0, 5).join("; ")}`);
    assert.equal(await supervisor.stop(), 0);
  });
});

describe("maxMemory", () => {
  it("replaces a process whose memory stays over the limit, new generation first", async () => {
    const port = await freePort();
    const hog = JSON.stringify(path.join(PROGRAMS, "memory-hog.mjs"));
    const supervisor = SupervisorUnderTest.start(
      `version: 1
sites:
  hog:
    command: [${node}, ${hog}]
    listen: 127.0.0.1:${port}
    ready: { http: / }
    maxMemory: 120MB
`,
      { env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", NO_COLOR: "1", TSGI_MEMORY_SAMPLE_MS: "200" } },
    );
    running.push(supervisor);
    const [site] = await supervisor.waitRunning(["hog"]);
    const before = site?.pids[0];
    const load = loadLoop(port, { rate: 50, maxMs: 20_000 });
    await getJson(port, "/grow");
    await supervisor.waitForEvent("replaced for memory", (e) => e.site === "hog" && /over maxMemory 120MB/.test(e.message));
    const after = await waitFor("new process serving", async () => {
      const now = await supervisor.site("hog");
      return now.state === "running" && now.pids[0] !== before ? now : undefined;
    });
    const report = await load.stop();
    assert.equal(report.failed, 0, `failed: ${report.errors.slice(0, 5).join("; ")}`);
    assert.notEqual(after.pids[0], before);
    assert.equal(await supervisor.stop(), 0);
  });
});

describe("listen addresses", () => {
  it("serves a unix socket created 0660 and removed at shutdown", async () => {
    const dir = (await import("../../kit/supervisor.js")).tempDir();
    const supervisor = SupervisorUnderTest.start(
      `version: 1
sites:
  sock:
    command: [${node}, ${server}]
    listen: unix:web.sock
    ready: { log: listening }
`,
      { dir },
    );
    running.push(supervisor);
    await supervisor.waitRunning(["sock"]);
    const socketPath = path.join(dir, "web.sock");
    assert.equal(fs.statSync(socketPath).mode & 0o777, 0o660);
    const answer = await new Promise<string>((resolve, reject) => {
      http
        .get({ socketPath, path: "/" }, (response) => {
          let body = "";
          response.on("data", (c: Buffer) => (body += c.toString()));
          response.on("end", () => resolve(body));
        })
        .on("error", reject);
    });
    assert.match(answer, /"site":"sock"/);
    const reloaded = await supervisor.cli(["reload", "sock"]);
    assert.equal(reloaded.code, 0, reloaded.stderr);
    assert.ok(fs.existsSync(socketPath), "the path survives a reload");
    assert.equal(await supervisor.stop(), 0);
    assert.equal(fs.existsSync(socketPath), false, "removed at shutdown");
  });

  it("names the site and the address when the address is in use, and runs the other sites", async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as net.AddressInfo).port)),
    );
    try {
      const supervisor = SupervisorUnderTest.start(`version: 1
sites:
  taken:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${port}
  free:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${await freePort()}
    ready: { http: / }
`);
      running.push(supervisor);
      await supervisor.waitRunning(["free"]);
      const taken = await supervisor.site("taken");
      assert.equal(taken.state, "fatal");
      assert.match(
        taken.reason ?? "",
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE — another program already uses it`),
      );
      assert.equal(await supervisor.stop(), 0);
    } finally {
      blocker.close();
    }
  });
});

describe("bindSocket", () => {
  it("refuses an address another socket listens on, also through a wildcard, and binds a free one", async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as net.AddressInfo).port)),
    );
    try {
      for (const host of ["127.0.0.1", "0.0.0.0"]) {
        const result = await bindSocket("web", { type: "tcp", host, port });
        assert.ok(!result.ok, `${host}:${String(port)} is taken`);
        assert.equal(result.code, "EADDRINUSE");
        assert.match(result.message, new RegExp(`^web: cannot listen on ${host.replaceAll(".", "\\.")}:${String(port)}: EADDRINUSE`));
      }
      const free = await freePort();
      const result = await bindSocket("web", { type: "tcp", host: "127.0.0.1", port: free });
      assert.ok(result.ok);
      // Bound, not listening: a connection is refused until the site's process listens on it.
      const refused = await new Promise<string>((resolve) =>
        net
          .connect({ host: "127.0.0.1", port: free })
          .on("connect", () => resolve("connected"))
          .on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "")),
      );
      assert.equal(refused, "ECONNREFUSED");
      result.socket.close();
    } finally {
      blocker.close();
    }
  });
});
