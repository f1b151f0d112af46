import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exportSystemd, type SystemdOptions } from "../../src/export/systemd.js";
import { comments, config, findAnything, site, value, values } from "./helpers.js";

const OPTIONS: SystemdOptions = {
  prefix: "tsgi",
  secretsDir: "/etc/tsgi",
  systemdVersion: 254,
  node: "/usr/bin/node",
  workerMain: "/opt/tsgi/dist/worker/main.js",
  findProgram: findAnything,
};

function unitsOf(...sites: Parameters<typeof site>[0][]) {
  const result = exportSystemd(config(sites.map(site)), sites.map(site), OPTIONS);
  const unit = (name: string) => result.units.find((u) => u.name === name);
  return { result, unit };
}

describe("export systemd: one unit per site", () => {
  it("maps restart, backoff, maxRestarts, stop and memory", () => {
    const { unit, result } = unitsOf({
      name: "alpha",
      restart: "always",
      backoff: { initialMs: 250, maxMs: 60_000 },
      maxRestarts: { count: 5, withinMs: 120_000 },
      stopSignal: "SIGQUIT",
      stopTimeoutMs: 25_000,
      startTimeoutMs: 45_000,
      maxMemoryBytes: 512 * 1024 * 1024,
    });
    const service = unit("tsgi-alpha.service");
    assert.equal(value(service, "Service", "Restart"), "always");
    assert.equal(value(service, "Service", "RestartSec"), "250ms");
    // 250ms → 60s is 240×: 8 doublings (2^8 = 256).
    assert.equal(value(service, "Service", "RestartSteps"), "8");
    assert.equal(value(service, "Service", "RestartMaxDelaySec"), "1min");
    assert.equal(value(service, "Unit", "StartLimitIntervalSec"), "2min");
    assert.equal(value(service, "Unit", "StartLimitBurst"), "6");
    assert.equal(value(service, "Service", "KillSignal"), "SIGQUIT");
    assert.equal(value(service, "Service", "TimeoutStopSec"), "25s");
    assert.equal(value(service, "Service", "KillMode"), "control-group");
    assert.equal(value(service, "Service", "TimeoutStartSec"), "45s");
    assert.equal(value(service, "Service", "MemoryMax"), String(512 * 1024 * 1024));
    assert.match(comments(service), /maxMemory: .*not faithful/);
    assert.deepEqual(
      result.warnings.filter((w) => w.site === "alpha").map((w) => w.key),
      ["maxMemory"],
    );
  });

  it("maps restart modes: on-failure as is, never as no (without a backoff)", () => {
    const { unit } = unitsOf({ name: "a", restart: "on-failure" }, { name: "b", restart: "never" });
    assert.equal(value(unit("tsgi-a.service"), "Service", "Restart"), "on-failure");
    assert.equal(value(unit("tsgi-b.service"), "Service", "Restart"), "no");
    assert.equal(value(unit("tsgi-b.service"), "Service", "RestartSec"), undefined);
  });

  it("writes RestartSteps/RestartMaxDelaySec as comments for systemd < 254, and says so", () => {
    const sites = [site({ name: "a" })];
    const result = exportSystemd(config(sites), sites, { ...OPTIONS, systemdVersion: 252 });
    const service = result.units.find((u) => u.name === "tsgi-a.service");
    assert.equal(value(service, "Service", "RestartSteps"), undefined);
    assert.equal(value(service, "Service", "RestartSec"), "100ms");
    assert.match(comments(service), /^RestartSteps=8$/m);
    assert.match(comments(service), /^RestartMaxDelaySec=30s$/m);
    assert.ok(result.warnings.some((w) => w.key === "backoff" && /systemd 252/.test(w.message)));
  });

  it("runs exactly the argv, cwd, user and group tsgi would", () => {
    const { unit } = unitsOf({
      name: "jobs",
      kind: { type: "command", argv: ["/usr/bin/python3", "-u", "worker.py", "--name", "a b", "50%", "$X"] },
      cwd: "/srv/jobs",
      user: "www-data",
      group: "www-data",
    });
    const service = unit("tsgi-jobs.service");
    assert.equal(value(service, "Service", "ExecStart"), '/usr/bin/python3 -u worker.py --name "a b" "50%%" "$$X"');
    assert.equal(value(service, "Service", "WorkingDirectory"), "/srv/jobs");
    assert.equal(value(service, "Service", "User"), "www-data");
    assert.equal(value(service, "Service", "Group"), "www-data");
    assert.equal(value(service, "Service", "Type"), "exec");
  });

  it("starts gunicorn for wsgi with tsgi's arguments, Type=notify and a graceful reload", () => {
    const { unit } = unitsOf({
      name: "shop",
      kind: {
        type: "wsgi",
        target: "shop.wsgi:application",
        python: "/srv/venv/bin/python",
        threads: 4,
        middleware: [],
        server: "gunicorn",
      },
      listen: { type: "tcp", host: "127.0.0.1", port: 8001 },
      stopTimeoutMs: 25_000,
      ready: { type: "notify" },
    });
    const service = unit("tsgi-shop.service");
    assert.equal(
      value(service, "Service", "ExecStart"),
      "/srv/venv/bin/python -m gunicorn --workers 1 --threads 4 --graceful-timeout 25 --name shop shop.wsgi:application",
    );
    assert.equal(value(service, "Service", "Type"), "notify");
    assert.equal(value(service, "Service", "ExecReload"), "/bin/kill -HUP $MAINPID");
    assert.equal(value(unit("tsgi-shop.socket"), "Socket", "ListenStream"), "127.0.0.1:8001");
    assert.deepEqual(values(service, "Unit", "Requires"), ["tsgi-shop.socket"]);
  });

  it("runs tsgi's worker for app sites, with the kind's variables", () => {
    const { unit } = unitsOf({
      name: "api",
      kind: { type: "app", module: "/srv/api/server.ts", middleware: ["/srv/api/mw.ts"] },
      listen: { type: "unix", path: "/run/api.sock" },
      ready: { type: "notify" },
    });
    const service = unit("tsgi-api.service");
    assert.equal(value(service, "Service", "ExecStart"), "/usr/bin/node /opt/tsgi/dist/worker/main.js");
    const env = values(service, "Service", "Environment");
    assert.ok(env.includes('"TSGI_APP=/srv/api/server.ts"'));
    assert.ok(env.includes('"TSGI_MIDDLEWARE=[\\"/srv/api/mw.ts\\"]"'));
    assert.ok(env.includes('"TSGI_FD=3"'));
    const socket = unit("tsgi-api.socket");
    assert.equal(value(socket, "Socket", "ListenStream"), "/run/api.sock");
    assert.equal(value(socket, "Socket", "SocketMode"), "0660");
    assert.equal(value(socket, "Socket", "RemoveOnStop"), "yes");
  });

  it("puts the settings variable inline and secret-looking values in an EnvironmentFile, by name only", () => {
    const { unit, result } = unitsOf({
      name: "alpha",
      settings: "alpha.settings",
      settingsVar: "DJANGO_SETTINGS_MODULE",
      env: { DJANGO_SETTINGS_MODULE: "alpha.settings", SECRET_KEY: "s3cr3t", DATABASE_URL: "postgres://u:pw-123@db/x", DEBUG: "0" },
    });
    const service = unit("tsgi-alpha.service");
    const env = values(service, "Service", "Environment");
    assert.ok(env.includes('"DJANGO_SETTINGS_MODULE=alpha.settings"'));
    assert.ok(env.includes('"DEBUG=0"'));
    assert.equal(value(service, "Service", "EnvironmentFile"), "/etc/tsgi/tsgi-alpha.env");
    const text = JSON.stringify(result);
    assert.ok(!text.includes("s3cr3t") && !text.includes("pw-123"), "a secret value reached the export");
    assert.deepEqual(result.secretFiles, [{ site: "alpha", path: "/etc/tsgi/tsgi-alpha.env", names: ["SECRET_KEY", "DATABASE_URL"] }]);
  });

  it("sets what tsgi adds per process; LISTEN_FDS/LISTEN_PID are left to systemd", () => {
    const { unit } = unitsOf({ name: "a", listen: { type: "tcp", host: "::1", port: 9000 } });
    const env = values(unit("tsgi-a.service"), "Service", "Environment");
    assert.ok(env.includes('"TSGI_SITE=a"') && env.includes('"TSGI_PROCESS=1"') && env.includes('"TSGI_FD=3"'));
    assert.ok(!env.some((e) => e.includes("LISTEN_")));
    assert.equal(value(unit("tsgi-a.socket"), "Socket", "ListenStream"), "[::1]:9000");
  });
});

describe("export systemd: processes, sockets and the target", () => {
  it("makes processes: N a template whose N instances share one socket", () => {
    const { unit, result } = unitsOf({ name: "web", processes: 3, listen: { type: "tcp", host: "127.0.0.1", port: 8001 } });
    assert.equal(unit("tsgi-web.service"), undefined);
    const template = unit("tsgi-web@.service");
    assert.equal(value(template, "Service", "Sockets"), "tsgi-web.socket");
    assert.ok(values(template, "Service", "Environment").includes('"TSGI_PROCESS=%i"'));
    assert.match(value(template, "Unit", "Description") ?? "", /process %i of 3/);
    assert.equal(value(unit("tsgi-web.socket"), "Socket", "Service"), "tsgi-web@1.service");
    assert.equal(value(unit("tsgi-web.socket"), "Socket", "Accept"), undefined, "Accept=yes would spawn a process per connection");
    assert.equal(value(unit("tsgi.target"), "Unit", "Wants"), "tsgi-web.socket tsgi-web@1.service tsgi-web@2.service tsgi-web@3.service");
    assert.equal(result.units.length, 3);
  });

  it("groups every site in the target, leaving autostart: false ones out with a note", () => {
    const { unit } = unitsOf({ name: "a" }, { name: "b", autostart: false }, { name: "c" });
    const target = unit("tsgi.target");
    assert.equal(value(target, "Unit", "Wants"), "tsgi-a.service tsgi-c.service");
    assert.match(comments(target), /b: autostart false/);
    assert.equal(value(target, "Install", "WantedBy"), "multi-user.target");
    for (const name of ["tsgi-a.service", "tsgi-b.service", "tsgi-c.service"])
      assert.equal(value(unit(name), "Unit", "PartOf"), "tsgi.target");
  });

  it("uses the prefix for every unit name", () => {
    const sites = [site({ name: "a", listen: { type: "tcp", host: "127.0.0.1", port: 1 } })];
    const result = exportSystemd(config(sites), sites, { ...OPTIONS, prefix: "shop" });
    assert.deepEqual(
      result.units.map((u) => u.name),
      ["shop-a.service", "shop-a.socket", "shop.target"],
    );
  });

  it("says what has no systemd equivalent, in the unit and as a warning", () => {
    const { unit, result } = unitsOf(
      { name: "w", watch: true },
      { name: "h", ready: { type: "http", path: "/health" }, listen: { type: "tcp", host: "127.0.0.1", port: 2 } },
      { name: "l", ready: { type: "log", pattern: "up" } },
      { name: "d", ready: { type: "delay", ms: 2500 } },
      { name: "n", listen: { type: "tcp", host: "example.internal", port: 3 } },
    );
    const keys = result.warnings.map((w) => `${w.site ?? "-"}:${w.key}`);
    assert.deepEqual(keys, ["w:watch", "h:ready", "l:ready", "n:listen", "-:supervisor"]);
    assert.match(comments(unit("tsgi-w.service")), /watch: not exported/);
    assert.match(comments(unit("tsgi-h.service")), /ready: \{http: \/health\} — not exported/);
    // A delay maps: the unit becomes active once the program has run that long.
    assert.equal(value(unit("tsgi-d.service"), "Service", "ExecStartPost"), "/bin/sleep 2.5");
  });

  it("warns when the program cannot be found, and names it as written", () => {
    const sites = [site({ name: "a", kind: { type: "command", argv: ["nosuchprog", "x"] } })];
    const result = exportSystemd(config(sites), sites, {
      ...OPTIONS,
      findProgram: () => ({ ok: false, message: "program `nosuchprog` not found" }),
    });
    assert.equal(value(result.units[0], "Service", "ExecStart"), "nosuchprog x");
    assert.ok(result.warnings.some((w) => w.key === "command" && /nosuchprog/.test(w.message)));
  });
});
