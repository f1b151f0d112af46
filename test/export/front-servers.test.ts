/**
 * `export nginx|apache|caddy` against the real servers (Debian's packages): each exported file
 * passes the server's own check (`nginx -t`, `apache2 -t` with a private ServerRoot, `caddy
 * validate`), with and without TLS; then nginx and Apache, as private unprivileged instances on
 * loopback ports, serve in front of three running tsgi sites — one on a unix socket — and each
 * Host reaches its site with Host kept and X-Forwarded-* added, a WebSocket echo passes, and an
 * unknown host gets the front server's default, not a site.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { freePort } from "../../kit/free-port.js";
import { PROGRAMS, runCli, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";
import { apacheArgv, apacheMain, DEFAULT_BODY, FrontServer, nginxArgv, nginxMain, openDir, runCheck } from "./front-server-rig.js";

interface Seen {
  site: string;
  host: string | null;
  forwardedFor: string | null;
  forwardedProto: string | null;
}

const HOSTS = { alpha: ["alpha.test", "www.alpha.test"], beta: ["beta.test"], echo: ["*.echo.test"] };

let dir = "";
let supervisor: SupervisorUnderTest;
let socketGroup = 0;
const servers: FrontServer[] = [];

before(async () => {
  dir = tempDir("tsgi-front-");
  // nobody (the front servers' user here) must reach the unix socket inside.
  fs.chmodSync(dir, 0o711);
  const program = JSON.stringify(path.join(PROGRAMS, "ws-echo.mjs"));
  supervisor = SupervisorUnderTest.start(
    `version: 1
defaults:
  ready: {log: listening}
  stopTimeout: 5s
sites:
  alpha:
    command: [${JSON.stringify(process.execPath)}, ${program}]
    listen: 127.0.0.1:${await freePort()}
    hosts: [${HOSTS.alpha.join(", ")}]
  beta:
    command: [${JSON.stringify(process.execPath)}, ${program}]
    listen: unix:beta.sock
    hosts: [${HOSTS.beta.join(", ")}]
  echo:
    command: [${JSON.stringify(process.execPath)}, ${program}]
    listen: 127.0.0.1:${await freePort()}
    hosts: ["${HOSTS.echo.join('", "')}"]
    startTimeout: 90s
  nohosts:
    command: [${JSON.stringify(process.execPath)}, ${program}]
    listen: 127.0.0.1:${await freePort()}
`,
    { dir },
  );
  await supervisor.waitRunning(["alpha", "beta", "echo"], 20_000);
  socketGroup = fs.statSync(path.join(dir, "beta.sock")).gid;
});

after(async () => {
  for (const server of servers) await server.stop();
  await supervisor.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `export TARGET` to a file, as a user would run it. */
async function exported(target: string, name: string, args: readonly string[]): Promise<string> {
  const out = path.join(dir, name);
  const result = await runCli(["export", target, supervisor.file, "--out", out, ...args]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), out);
  assert.match(result.stderr, /warning: `hosts` \(site nohosts\): no `hosts:`, no name to route: skipped/);
  assert.match(result.stderr, /^then: /m);
  fs.chmodSync(out, 0o644);
  return out;
}

/** Self-signed certificates in certbot's layout for each site's first name. */
function certificates(): string {
  const tls = path.join(dir, "tls");
  for (const name of ["alpha.test", "beta.test", "echo.test"]) {
    const folder = path.join(tls, name);
    fs.mkdirSync(folder, { recursive: true });
    const made = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        `/CN=${name}`,
        "-keyout",
        path.join(folder, "privkey.pem"),
        "-out",
        path.join(folder, "fullchain.pem"),
      ],
      { encoding: "utf8" },
    );
    assert.equal(made.status, 0, made.stderr);
    fs.chmodSync(path.join(folder, "privkey.pem"), 0o644);
  }
  for (const folder of [dir, tls, ...fs.readdirSync(tls).map((n) => path.join(tls, n))]) fs.chmodSync(folder, 0o755);
  fs.chmodSync(dir, 0o711);
  return tls;
}

function request(port: number, host: string, urlPath = "/"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: urlPath, headers: { host }, agent: false, timeout: 10_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${host}${urlPath} through :${port} timed out`)));
    req.on("error", reject);
  });
}

function echo(port: number, host: string, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { host }, handshakeTimeout: 10_000 });
    ws.on("open", () => ws.send(message));
    ws.on("message", (data: WebSocket.RawData) => {
      resolve(
        (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(new Uint8Array(data))).toString("utf8"),
      );
      ws.close();
    });
    ws.on("error", reject);
    ws.on("unexpected-response", (_req, res) => reject(new Error(`WebSocket to ${host}: HTTP ${res.statusCode ?? 0}`)));
  });
}

/** Every promise of the export, through a front server on `port`. */
async function assertRoutes(port: number): Promise<void> {
  const cases: Array<[host: string, site: string]> = [
    ["alpha.test", "alpha"],
    ["www.alpha.test", "alpha"],
    ["beta.test", "beta"],
    ["chat.echo.test", "echo"],
  ];
  for (const [host, site] of cases) {
    const answer = await request(port, `${host}:${port}`);
    assert.equal(answer.status, 200, `${host}: ${answer.body}`);
    const seen = JSON.parse(answer.body) as Seen;
    assert.deepEqual(seen, { site, host: `${host}:${port}`, forwardedFor: "127.0.0.1", forwardedProto: "http" }, host);
  }
  assert.equal(await echo(port, "chat.echo.test", "hello"), "echo: hello");
  assert.equal(await echo(port, "beta.test", "over a unix socket"), "beta: over a unix socket");
  const unknown = await request(port, "nosuch.test");
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.trim(), DEFAULT_BODY);
}

describe("export nginx|apache|caddy: the servers' own checks", () => {
  it("nginx -t passes on the export, plain and with --tls-dir", async () => {
    const port = await freePort();
    const tls = certificates();
    for (const [name, args] of [
      ["plain", []],
      ["tls", ["--tls-dir", tls, "--tls-listen", `127.0.0.1:${await freePort()}`]],
    ] as const) {
      const conf = await exported("nginx", `nginx-${name}.conf`, ["--listen", `127.0.0.1:${port}`, ...args]);
      const prefix = openDir(path.join(dir, `nginx-check-${name}`));
      const check = runCheck(nginxArgv(prefix, nginxMain(prefix, port, conf), true), {}, socketGroup);
      assert.equal(check.code, 0, check.output);
      assert.match(check.output, /syntax is ok/);
      if (name === "tls") assert.match(fs.readFileSync(conf, "utf8"), /ssl_certificate ".*\/tls\/alpha\.test\/fullchain\.pem";/);
    }
  });

  it("apache2 -t passes on the export with a private ServerRoot, plain and with --tls-dir", async () => {
    const port = await freePort();
    const tlsPort = await freePort();
    const tls = certificates();
    for (const [name, args] of [
      ["plain", []],
      ["tls", ["--tls-dir", tls, "--tls-listen", `127.0.0.1:${tlsPort}`]],
    ] as const) {
      const conf = await exported("apache", `apache-${name}.conf`, ["--listen", `127.0.0.1:${port}`, ...args]);
      const root = openDir(path.join(dir, `apache-check-${name}`));
      const check = runCheck(apacheArgv(root, apacheMain(root, port, conf, name === "tls" ? tlsPort : undefined), true), {}, socketGroup);
      assert.equal(check.code, 0, check.output);
      assert.match(check.output, /Syntax OK/);
    }
  });

  it("apache2 -t names the a2enmod to run when a module is missing", async () => {
    const port = await freePort();
    const conf = await exported("apache", "apache-nomod.conf", ["--listen", `127.0.0.1:${port}`]);
    const root = openDir(path.join(dir, "apache-check-nomod"));
    const main = apacheMain(root, port, conf);
    fs.writeFileSync(main, fs.readFileSync(main, "utf8").replace(/^LoadModule headers_module .*$/m, ""));
    const check = runCheck(apacheArgv(root, main, true), {}, socketGroup);
    assert.notEqual(check.code, 0);
    assert.match(check.output, /Apache needs mod_headers: run a2enmod headers/);
  });

  it("caddy validate passes on the export, plain and with --tls-dir", async () => {
    const tls = certificates();
    for (const [name, args] of [
      ["plain", ["--listen", `127.0.0.1:${await freePort()}`]],
      ["tls", ["--tls-dir", tls, "--tls-listen", `127.0.0.1:${await freePort()}`]],
    ] as const) {
      const file = await exported("caddy", `Caddyfile-${name}`, args);
      const home = openDir(path.join(dir, `caddy-home-${name}`));
      const env = { HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home };
      const check = runCheck(["caddy", "validate", "--config", file, "--adapter", "caddyfile"], env, socketGroup);
      assert.equal(check.code, 0, check.output);
      assert.match(check.output, /Valid configuration/);
    }
  });
});

describe("export nginx|apache: the real server in front of three tsgi sites", () => {
  it("nginx: each Host reaches its site (TCP and unix socket), WebSockets pass, an unknown host gets nginx's default", async () => {
    const port = await freePort();
    const conf = await exported("nginx", "nginx-live.conf", ["--listen", `127.0.0.1:${port}`]);
    const prefix = openDir(path.join(dir, "nginx-live"));
    const server = new FrontServer(nginxArgv(prefix, nginxMain(prefix, port, conf)), socketGroup);
    servers.push(server);
    await waitFor(`nginx answering on ${port}`, async () => {
      if (server.gone) throw new Error(`nginx exited: ${server.output()}`);
      return (await request(port, "nosuch.test").catch(() => undefined))?.status === 404;
    });
    await assertRoutes(port);
    await server.stop();
  });

  it("Apache: each Host reaches its site (TCP and unix socket), WebSockets pass, an unknown host gets Apache's default", async () => {
    const port = await freePort();
    const conf = await exported("apache", "apache-live.conf", ["--listen", `127.0.0.1:${port}`]);
    const root = openDir(path.join(dir, "apache-live"));
    const server = new FrontServer(apacheArgv(root, apacheMain(root, port, conf)), socketGroup);
    servers.push(server);
    await waitFor(`Apache answering on ${port}`, async () => {
      if (server.gone) throw new Error(`apache2 exited: ${server.output()}${fs.readFileSync(path.join(root, "error.log"), "utf8")}`);
      return (await request(port, "nosuch.test").catch(() => undefined))?.status === 404;
    });
    await assertRoutes(port);
    await server.stop();
  });
});

describe("export after an edit: reload-config, then export again", () => {
  it("a hosts-only edit keeps the site's processes; the next export routes the new name", async () => {
    const before = (await supervisor.site("alpha")).pids;
    const text = fs.readFileSync(supervisor.file, "utf8");
    fs.writeFileSync(
      supervisor.file,
      text.replace(`hosts: [${HOSTS.alpha.join(", ")}]`, `hosts: [${HOSTS.alpha.join(", ")}, new.alpha.test]`),
    );
    const applied = await supervisor.cli(["reload-config"]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /alpha/);
    assert.deepEqual((await supervisor.site("alpha")).pids, before, "a hosts edit restarts nothing");
    const conf = fs.readFileSync(await exported("nginx", "nginx-after-edit.conf", ["--listen", "127.0.0.1:8080"]), "utf8");
    assert.match(conf, /server_name alpha\.test www\.alpha\.test new\.alpha\.test;/);
  });
});
