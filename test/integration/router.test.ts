/**
 * The development router in front of real sites: two Node sites on TCP and one on a unix socket,
 * each under its own name, the index, an unknown name, a fatal site's page, WebSocket echo
 * across a reload, and a client leaving mid-stream without leaking the supervisor's sockets.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import { freePort } from "../../kit/free-port.js";
import { routerGet, supervisorFds } from "../../kit/router-client.js";
import { PROGRAMS, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";

const SITE = path.join(PROGRAMS, "router-site.mjs");

interface Echoed {
  readonly site: string;
  readonly pid: number;
  readonly host: string;
  readonly forwardedFor: string;
  readonly forwardedHost: string;
  readonly forwardedProto: string;
}

/** One message through a fresh WebSocket; answers what came back. */
function echo(port: number, host: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { host } });
    socket.once("open", () => socket.send(text));
    socket.once("message", (data: Buffer) => {
      resolve(String(data));
      socket.close();
    });
    socket.once("error", reject);
  });
}

describe("router", { concurrency: false }, () => {
  let supervisor: SupervisorUnderTest;
  let port = 0;
  let dir = "";
  let whileStarting: ReturnType<typeof routerGet> | undefined;

  before(async () => {
    dir = tempDir("tsgi-router-");
    port = await freePort();
    const [alpha, beta] = [await freePort(), await freePort()];
    fs.mkdirSync(path.join(dir, "run"));
    const site = (name: string, listen: string): string =>
      `  ${name}:\n    command: [node, ${JSON.stringify(SITE)}]\n    listen: ${listen}\n`;
    supervisor = SupervisorUnderTest.start(
      `version: 1
supervisor:
  router: {listen: ${port}}
sites:
${site("alpha", `127.0.0.1:${alpha}`)}${site("beta", `127.0.0.1:${beta}`)}    hosts: [shop.test]
${site("gamma", "unix:run/gamma.sock")}  broken:
    command: [node, ${JSON.stringify(path.join(PROGRAMS, "http-server.mjs"))}]
    listen: 127.0.0.1:${await freePort()}
    env: {FAIL_AT_START: "1"}
    backoff: {initial: 10ms, max: 10ms}
    maxRestarts: {count: 1, within: 1m}
  late:
    command: [node, ${JSON.stringify(path.join(PROGRAMS, "http-server.mjs"))}]
    listen: 127.0.0.1:${await freePort()}
    env: {START_DELAY_MS: "2500"}
    ready: {log: "^listening"}
  sleepy:
    command: [node, ${JSON.stringify(path.join(PROGRAMS, "http-server.mjs"))}]
    listen: 127.0.0.1:${await freePort()}
    ready: {http: /}
    processes: {min: 0, idle: 1m}
`,
      { dir },
    );
    await supervisor.waitForEvent("the router listening", (e) => e["event"] === "router-listening");
    // Sent while `late` is starting: it waits for the site instead of failing.
    whileStarting = routerGet(port, `late.localhost:${port}`);
    await supervisor.waitRunning(["alpha", "beta", "gamma"]);
  });
  after(() => supervisor.cleanup());

  it("answers each site under its own name, Host kept and X-Forwarded-* added, a unix-socket site too", async () => {
    for (const name of ["alpha", "beta", "gamma"]) {
      const host = `${name}.localhost:${port}`;
      const answer = await routerGet(port, host, "/headers");
      assert.equal(answer.status, 200, answer.body);
      const seen = JSON.parse(answer.body) as Echoed;
      assert.equal(seen.site, name);
      assert.equal(seen.host, host);
      assert.equal(seen.forwardedHost, host);
      assert.equal(seen.forwardedProto, "http");
      assert.equal(seen.forwardedFor, "127.0.0.1");
    }
  });

  it("a request to a starting site waits until it serves", async () => {
    const answer = await whileStarting;
    assert.equal(answer?.status, 200, answer?.body);
    assert.equal((JSON.parse(answer.body) as { site: string }).site, "late");
  });

  it("a request to an idle (on-demand) site starts it and is served", async () => {
    await waitFor("sleepy idle", async () => (await supervisor.site("sleepy")).state === "idle", { timeoutMs: 20_000, intervalMs: 100 });
    const answer = await routerGet(port, `sleepy.localhost:${port}`);
    assert.equal(answer.status, 200, answer.body);
    assert.equal((JSON.parse(answer.body) as { site: string }).site, "sleepy");
    // It answered; its `ready` probe may pass a moment later.
    await waitFor("sleepy running", async () => (await supervisor.site("sleepy")).state === "running", {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
  });

  it("a site's hosts: names reach it too", async () => {
    const answer = await routerGet(port, `shop.test:${port}`, "/headers");
    assert.equal(answer.status, 200, answer.body);
    assert.equal((JSON.parse(answer.body) as Echoed).site, "beta");
  });

  it("the index lists every site with its state and a link", async () => {
    const answer = await routerGet(port, `localhost:${port}`);
    assert.equal(answer.status, 200);
    assert.match(String(answer.headers["content-type"]), /text\/html/);
    for (const name of ["alpha", "beta", "gamma", "broken"]) {
      assert.match(answer.body, new RegExp(`<a href="http://${name}\\.localhost:${port}/">${name}</a>`));
    }
    assert.match(answer.body, /class="state running">running</);
  });

  it("an unknown name answers 404 with the known sites and a did-you-mean", async () => {
    const answer = await routerGet(port, `alpah.localhost:${port}`);
    assert.equal(answer.status, 404);
    assert.match(answer.body, /No site named “alpah”/);
    assert.match(answer.body, /Did you mean <a href="http:\/\/alpha\.localhost:\d+\/">alpha<\/a>\?/);
    assert.match(answer.body, /beta/);
  });

  it("a fatal site answers 503 with its state, reason and log lines, refreshing itself", async () => {
    await waitFor("broken is fatal", async () => (await supervisor.site("broken")).state === "fatal", {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const answer = await routerGet(port, `broken.localhost:${port}`);
    assert.equal(answer.status, 503);
    assert.match(answer.body, /broken is fatal/);
    assert.match(answer.body, /gave up after crashing repeatedly/);
    assert.match(answer.body, /failing at start as asked/);
    assert.match(answer.body, /<meta http-equiv="refresh"/);
  });

  it("status and the banner give each site's router URL", async () => {
    const sites = (await supervisor.status()) as unknown as Array<{ name: string; url?: string }>;
    assert.equal(sites.find((s) => s.name === "alpha")?.url, `http://alpha.localhost:${port}/`);
    const table = await supervisor.cli(["status"]);
    assert.match(table.stdout, new RegExp(`http://gamma\\.localhost:${port}/`));
    const banner = await supervisor.waitForEvent("router banner", (e) => e["event"] === "router-listening");
    assert.match(banner.message, new RegExp(`beta http://beta\\.localhost:${port}/`));
  });

  it("WebSocket echo through the router, and again from the new generation after a reload", async () => {
    const host = `alpha.localhost:${port}`;
    const first = await echo(port, host, "hello");
    const [pid, text] = first.split(":");
    assert.equal(text, "hello");
    const reloaded = await supervisor.cli(["reload", "alpha"]);
    assert.equal(reloaded.code, 0, reloaded.stderr);
    const again = await echo(port, host, "again");
    assert.match(again, /^\d+:again$/);
    assert.notEqual(again.split(":")[0], pid, "the new generation answers");
  });

  it("a client that disconnects mid-stream leaves no socket behind in the supervisor", async () => {
    const control = path.join(dir, ".tsgi/control.sock");
    // One request first, so the keep-alive pool and lazily opened files are part of the baseline.
    await routerGet(port, `beta.localhost:${port}`, "/headers");
    const baseline = await supervisorFds(control);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        const request = http.get(
          { host: "127.0.0.1", port, path: "/stream", headers: { host: `beta.localhost:${port}` }, agent: false },
          (response) => {
            let bytes = 0;
            response.on("data", (chunk: Buffer) => {
              bytes += chunk.length;
              if (bytes > 256 * 1024) {
                request.destroy();
                resolve();
              }
            });
          },
        );
        request.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" ? resolve() : reject(error)));
      });
    }
    await waitFor(
      `supervisor fds back to ${baseline}`,
      async () => {
        const fds = await supervisorFds(control);
        return fds <= baseline ? fds : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  });
});
