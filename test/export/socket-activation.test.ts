/**
 * "A site that runs under tsgi runs unchanged under systemd": the exported unit's ExecStart=,
 * WorkingDirectory= and Environment= are read back the way systemd reads them and run under
 * `systemd-socket-activate` — systemd's own socket-activation tool, which binds the socket and
 * execs the program with it as fd 3, `LISTEN_FDS=1` and `LISTEN_PID`, as a `.socket` unit does.
 * Needs the Debian packages `systemd` and `python3-gunicorn`.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { after, describe, it } from "node:test";
import { resolveProgram } from "../../src/process/resolve-program.js";
import { INSTALLED_WORKER } from "../../src/export/launch-argv.js";
import { exportSystemd } from "../../src/export/systemd.js";
import { FIXTURE, load, value, values } from "./helpers.js";
import { systemdEnv, systemdWords } from "./systemd-words.js";

const hasActivate = spawnSync("systemd-socket-activate", ["--version"]).status === 0;
const hasGunicorn = spawnSync("/usr/bin/python3", ["-c", "import gunicorn"]).status === 0;
const skip = !hasActivate ? "systemd-socket-activate is not installed (Debian package `systemd`)" : false;

const started: ChildProcess[] = [];
after(() => {
  // Each was spawned detached, leading its own group: gunicorn's worker goes with its arbiter.
  for (const child of started) if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function get(port: number, deadlineMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path: "/", timeout: deadlineMs }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve(body));
    });
    request.on("timeout", () =>
      request.destroy(new Error(`no answer on 127.0.0.1:${port} within ${deadlineMs} ms: the site never accepted on fd 3`)),
    );
    request.on("error", reject);
  });
}

/** Runs a unit's ExecStart= the way its `.socket` would start it, and asks it for `/`. */
async function runUnit(unitName: string): Promise<{ body: Record<string, unknown>; env: Record<string, string> }> {
  const config = await load(FIXTURE);
  const result = exportSystemd(config, config.sites, {
    prefix: "tsgi",
    secretsDir: "/etc/tsgi",
    systemdVersion: 254,
    node: process.execPath,
    workerMain: INSTALLED_WORKER,
    findProgram: resolveProgram,
  });
  const unit = result.units.find((u) => u.name === unitName);
  const argv = systemdWords(value(unit, "Service", "ExecStart") ?? "", { exec: true });
  const env = systemdEnv(values(unit, "Service", "Environment"), "1");
  const port = await freePort();
  // The child gets only what -E passes (as under systemd, the unit's environment) — plus a
  // request to leave no __pycache__ in the fixture.
  const passed = { ...env, PYTHONDONTWRITEBYTECODE: "1" };
  const child = spawn(
    "systemd-socket-activate",
    ["-l", `127.0.0.1:${port}`, ...Object.entries(passed).flatMap(([k, v]) => ["-E", `${k}=${v}`]), ...argv],
    {
      cwd: value(unit, "Service", "WorkingDirectory") ?? "",
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" },
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  started.push(child);
  let stderr = "";
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`systemd-socket-activate did not listen within 10 s:\n${stderr}`)), 10_000);
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("Listening on")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  try {
    await listening;
    // The first connection waits in the socket's backlog while the program starts.
    const body = JSON.parse(await get(port, 15_000)) as Record<string, unknown>;
    return { body, env };
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${stderr}`, { cause: error });
  }
}

describe("export systemd: the exported unit serves on systemd's socket", { skip }, () => {
  it(
    "runs a wsgi site: gunicorn adopts fd 3 and sees the site's own environment",
    { skip: hasGunicorn ? false : "/usr/bin/python3 cannot import gunicorn (Debian package `python3-gunicorn`)" },
    async () => {
      const { body } = await runUnit("tsgi-shop@.service");
      assert.equal(body["settings"], "shop.settings.prod");
      assert.equal(body["site"], "shop");
      assert.equal(body["process"], "1");
      // Quoting round trip: %, ", $ and a newline reach the process exactly as written in sites.yaml.
      assert.equal(body["company"], 'Example & Co. 100% "quoted" $HOME');
      assert.equal(body["greeting"], "line one\nline two");
    },
  );

  it("runs a command site: its argv as written, fd 3 with LISTEN_FDS=1", async () => {
    const { body } = await runUnit("tsgi-legacy_web.service");
    assert.equal(body["site"], "legacy_web");
    assert.deepEqual(body["argv"], ["--name", "legacy web"]);
    assert.equal(body["listen_fds"], "1");
  });
});
