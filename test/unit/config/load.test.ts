import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfig, loadConfigText } from "../../../src/config/load.js";
import { loadErrors, loadOk, site, tempProject } from "./helpers.js";

test("a minimal command site gets every default", async () => {
  const { config, dir, file } = await loadOk("version: 1\nsites:\n  web:\n    command: [python3, app.py]\n");
  assert.equal(config.file, file);
  assert.equal(config.dir, dir);
  assert.equal(config.control, join(dir, ".tsgi/control.sock"));
  assert.deepEqual(config.logs, { dir: join(dir, ".tsgi/logs"), maxSizeBytes: 10 * 1024 * 1024, keep: 5 });
  assert.equal(config.watchDebounceMs, 100);
  const web = site(config, "web");
  assert.deepEqual(web.kind, { type: "command", argv: ["python3", "app.py"] });
  assert.equal(web.cwd, dir);
  assert.equal(web.settings, undefined);
  assert.equal(web.settingsVar, "TSGI_SETTINGS_MODULE");
  assert.equal(web.listen, undefined);
  assert.equal(web.processes, 1);
  assert.equal(web.restart, "on-failure");
  assert.deepEqual(web.backoff, { initialMs: 100, maxMs: 30_000 });
  assert.deepEqual(web.maxRestarts, { count: 10, withinMs: 60_000 });
  assert.equal(web.startTimeoutMs, 30_000);
  assert.deepEqual(web.ready, { type: "delay", ms: 1000 });
  assert.equal(web.stopSignal, "SIGTERM");
  assert.equal(web.stopTimeoutMs, 10_000);
  assert.equal(web.maxMemoryBytes, undefined);
  assert.equal(web.watch, undefined);
  assert.deepEqual(web.watchIgnore, []);
  assert.equal(web.user, undefined);
  assert.equal(web.autostart, true);
  assert.deepEqual(web.hosts, []);
});

test("supervisor-owned paths resolve against the file's folder; app, python, middleware, envFile against cwd; argv[0] as written", async () => {
  const { config, dir } = await loadOk(
    `version: 1
supervisor:
  control: run/ctl.sock
  logs: var/log
sites:
  blog:
    wsgi: blog.wsgi:application
    python: .venv/bin/python
    threads: 4
    cwd: sites/blog
    envFile: .env
    settings: blog.settings
    listen: 8001
  api:
    app: ./server.ts
    cwd: sites/api
    middleware: [./mw/auth.ts, "@acme/cors"]
    listen: unix:run/api.sock
  worker:
    command: "bin/worker --queue 'high prio'"
    cwd: sites/blog
`,
    { "sites/blog/.venv/bin/python": "", "sites/api/server.ts": "", "sites/api/mw/auth.ts": "", "sites/blog/.env": "FROM_FILE=1\n" },
  );
  assert.equal(config.control, join(dir, "run/ctl.sock"));
  assert.deepEqual(config.logs, { dir: join(dir, "var/log"), maxSizeBytes: 10 * 1024 * 1024, keep: 5 });
  const blog = site(config, "blog");
  assert.deepEqual(blog.kind, {
    type: "wsgi",
    target: "blog.wsgi:application",
    python: join(dir, "sites/blog/.venv/bin/python"),
    threads: 4,
    middleware: [],
    server: "gunicorn",
  });
  assert.equal(blog.cwd, join(dir, "sites/blog"));
  assert.equal(blog.env.FROM_FILE, "1");
  assert.equal(blog.settingsVar, "DJANGO_SETTINGS_MODULE");
  assert.deepEqual(blog.ready, { type: "notify" });
  assert.deepEqual(blog.listen, { type: "tcp", host: "127.0.0.1", port: 8001 });
  const api = site(config, "api");
  assert.deepEqual(api.kind, {
    type: "app",
    module: join(dir, "sites/api/server.ts"),
    middleware: [join(dir, "sites/api/mw/auth.ts"), "@acme/cors"],
  });
  assert.deepEqual(api.listen, { type: "unix", path: join(dir, "run/api.sock") }, "the socket belongs to the supervisor: file-relative");
  assert.deepEqual(api.ready, { type: "notify" });
  assert.equal(api.settingsVar, "TSGI_SETTINGS_MODULE");
  const worker = site(config, "worker");
  assert.deepEqual(worker.kind, { type: "command", argv: ["bin/worker", "--queue", "high prio"] });
});

test("python without a slash stays a command name; logs: false turns file logs off", async () => {
  const { config } = await loadOk("version: 1\nsupervisor: {logs: false}\nsites:\n  b:\n    wsgi: b.wsgi:app\n    listen: 8001\n");
  assert.equal(config.logs, false);
  assert.deepEqual(site(config, "b").kind, { type: "wsgi", target: "b.wsgi:app", python: "python3", threads: 1, middleware: [], server: "gunicorn" });
});

test("defaults: a site's own value wins, env maps merge, kind-specific defaults apply to their kind only", async () => {
  const { config } = await loadOk(`version: 1
defaults:
  restart: always
  processes: 3
  threads: 8
  ready: {log: started}
  middleware: [pkg-mw]
  stopSignal: INT
  backoff: {initial: 1s}
  env: {SHARED: from-defaults, OVERRIDE: from-defaults}
sites:
  a:
    command: [a]
    restart: never
    env: {OVERRIDE: from-site, OWN: "1"}
  b:
    wsgi: b.wsgi:app
    listen: 8002
`);
  const a = site(config, "a");
  assert.equal(a.restart, "never");
  assert.equal(a.processes, 3);
  assert.equal(a.stopSignal, "SIGINT");
  assert.deepEqual(a.ready, { type: "log", pattern: "started" });
  assert.deepEqual(a.backoff, { initialMs: 1000, maxMs: 30_000 });
  assert.equal(a.env.SHARED, "from-defaults");
  assert.equal(a.env.OVERRIDE, "from-site");
  assert.equal(a.env.OWN, "1");
  const b = site(config, "b");
  assert.equal(b.restart, "always");
  assert.deepEqual(b.kind, { type: "wsgi", target: "b.wsgi:app", python: "python3", threads: 8, middleware: [], server: "gunicorn" });
  assert.deepEqual(b.ready, { type: "notify" }, "a `ready` default does not reach a wsgi site");
  assert.equal(b.env.OWN, undefined, "one site's env never reaches another");
  assert.equal(b.env.OVERRIDE, "from-defaults");
});

test("values: listen forms, signals, sizes, durations, watch as written", async () => {
  const { config } = await loadOk(`version: 1
sites:
  a: {command: [a], listen: "[::1]:9000", stopSignal: TERM, maxMemory: 512MB, stopTimeout: 1m30s, startTimeout: 250ms, watch: [src, "lib/**/*.ts"], watchIgnore: [tmp]}
  b: {command: [b], listen: "0.0.0.0:9001", watch: false, autostart: false, user: www-data, group: 33}
  c: {command: [c], listen: localhost:9002, ready: {http: /health}, maxRestarts: {count: 3}}
  d: {command: [d], listen: unix:/tmp/tsgi-test-d.sock, ready: {delay: 2s}}
`);
  const [a, b, c, d] = ["a", "b", "c", "d"].map((name) => site(config, name));
  assert.deepEqual(a?.listen, { type: "tcp", host: "::1", port: 9000 });
  assert.equal(a.stopSignal, "SIGTERM");
  assert.equal(a.maxMemoryBytes, 512 * 1024 * 1024);
  assert.equal(a.stopTimeoutMs, 90_000);
  assert.equal(a.startTimeoutMs, 250);
  assert.deepEqual(a.watch, ["src", "lib/**/*.ts"]);
  assert.deepEqual(a.watchIgnore, ["tmp"]);
  assert.deepEqual(b?.listen, { type: "tcp", host: "0.0.0.0", port: 9001 });
  assert.equal(b.watch, false);
  assert.equal(b.autostart, false);
  assert.equal(b.user, "www-data");
  assert.equal(b.group, "33");
  assert.deepEqual(c?.listen, { type: "tcp", host: "localhost", port: 9002 });
  assert.deepEqual(c.ready, { type: "http", path: "/health" });
  assert.deepEqual(c.maxRestarts, { count: 3, withinMs: 60_000 });
  assert.deepEqual(d?.listen, { type: "unix", path: "/tmp/tsgi-test-d.sock" });
  assert.deepEqual(d.ready, { type: "delay", ms: 2000 });
});

test("YAML anchors, merge keys and x- extension keys", async () => {
  const { config } = await loadOk(`version: 1
x-common: &common
  restart: always
  env: {A: "1"}
sites:
  a:
    <<: *common
    command: [a]
    restart: never
  b:
    <<: *common
    command: [b]
`);
  assert.equal(site(config, "a").restart, "never", "a site's own key beats a merged one");
  assert.equal(site(config, "b").restart, "always");
  assert.equal(site(config, "b").env.A, "1");
});

test("the resolved plan is deep-frozen", async () => {
  const { config } = await loadOk("version: 1\nsites:\n  web:\n    command: [a, b]\n    env: {X: y}\n");
  const web = site(config, "web");
  for (const value of [
    config,
    config.sites,
    web,
    web.kind,
    web.env,
    web.backoff,
    (web.kind as { readonly argv?: readonly string[] }).argv,
  ]) {
    assert.ok(Object.isFrozen(value));
  }
  assert.throws(() => {
    (web.env as Record<string, string>).X = "changed";
  }, TypeError);
  assert.throws(() => {
    (config.sites as unknown as unknown[]).push(web);
  }, TypeError);
});

test("every error in one pass, in file order", async () => {
  const errors = await loadErrors(`version: 1
supervisor: {logKeep: -1}
sites:
  a:
    command: [a]
    processes: 0
    restart: sometimes
  b:
    comand: [b]
  c:
    wsgi: c.wsgi:app
    stopTimeout: 10
    env: {X: 1, Y: "\${UNSET_VAR}"}
`);
  const lines = errors.map((e) => e.line);
  assert.deepEqual(
    lines,
    [...lines].sort((x, y) => x - y),
  );
  const text = errors.map((e) => e.message).join("\n");
  for (const fragment of ["logKeep", "processes", "restart", "`comand`", "without `listen`", "stopTimeout", "env.X", "UNSET_VAR"]) {
    assert.ok(text.includes(fragment), `missing ${fragment} in\n${text}`);
  }
  assert.equal(errors.length, 8, text);
});

test("a missing file, a directory, an unreadable name: issues at 1:1, never a throw", async () => {
  const dir = tempProject();
  const missing = await loadConfig(join(dir, "nope.yaml"));
  assert.equal(missing.ok, false);
  assert.deepEqual([missing.errors[0]?.line, missing.errors[0]?.col], [1, 1]);
  assert.match(missing.errors[0]?.message ?? "", /no such file/);
  assert.match(missing.errors[0]?.hint ?? "", /tsgi-supervise init/);
  const folder = await loadConfig(dir);
  assert.equal(folder.ok, false);
  assert.match(folder.errors[0]?.message ?? "", /directory/);
});

test("loadConfigText works on text alone and never throws on garbage", () => {
  const dir = tempProject();
  const file = join(dir, "sites.yaml");
  const ok = loadConfigText("version: 1\nsites: {w: {command: [w]}}\n", file, { env: {} });
  assert.equal(ok.ok, true);
  for (const garbage of ["", "[", "- a\n- b", "version: 1\nsites: [a]", "a: &x [*x]", "{", 'sites:\n  w:\n    command: ["', "\t- a"]) {
    const result = loadConfigText(garbage, file, { env: {} });
    assert.equal(result.ok, false, JSON.stringify(garbage));
  }
});

test("an app module that is missing is an error, with a hint when it sits beside sites.yaml instead", async () => {
  const errors = await loadErrors("version: 1\nsites:\n  api:\n    app: ./server.ts\n    cwd: sites/api\n    listen: 8002\n", {
    "server.ts": "",
    "sites/api/.keep": "",
  });
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.message ?? "", /app module `\.\/server\.ts` not found \(.*sites\/api\/server\.ts\)/);
  assert.match(errors[0]?.hint ?? "", /relative to the site's cwd.*write `\.\.\/\.\.\/server\.ts`/);
});

test("a unix socket path too long for sun_path is an error", async () => {
  const long = `unix:/tmp/${"x".repeat(120)}.sock`;
  const errors = await loadErrors(`version: 1\nsites:\n  a: {command: [a], listen: "${long}"}\n`);
  assert.match(errors[0]?.message ?? "", /at most 107/);
});

test("overlapping listen addresses: a wildcard host clashes with a specific one", async () => {
  const errors = await loadErrors(
    "version: 1\nsites:\n  a: {command: [a], listen: 127.0.0.1:9000}\n  b: {command: [b], listen: 0.0.0.0:9000}\n  c: {command: [c], listen: 9001}\n",
  );
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.message ?? "", /site `b`.*clashes with 127\.0\.0\.1:9000 of site `a`/);
});

test("hosts: lowercased, a trailing dot dropped, wildcards kept; wsgiServer: from the site or defaults", async () => {
  const { config } = await loadOk(
    "version: 1\ndefaults:\n  wsgiServer: uwsgi\nsites:\n" +
      "  a: {command: [a], hosts: [Shop.Example.COM, www.shop.example.com., '*.shop.example.com']}\n" +
      "  b: {wsgi: b.wsgi:app, listen: 9300}\n  c: {wsgi: c.wsgi:app, listen: 9301, wsgiServer: gunicorn}\n",
  );
  assert.deepEqual(site(config, "a").hosts, ["shop.example.com", "www.shop.example.com", "*.shop.example.com"]);
  assert.deepEqual(site(config, "b").kind, { type: "wsgi", target: "b.wsgi:app", python: "python3", threads: 1, server: "uwsgi", middleware: [] });
  assert.deepEqual(site(config, "c").kind, { type: "wsgi", target: "c.wsgi:app", python: "python3", threads: 1, server: "gunicorn", middleware: [] });
});

test("hosts: a port, a name listed twice in one site, a name in two sites (case-insensitive)", async () => {
  const errors = await loadErrors(
    "version: 1\nsites:\n  a: {command: [a], hosts: [a.example.com, A.example.com]}\n" +
      "  b: {command: [b], hosts: [b.example.com:8080]}\n  c: {command: [c], hosts: [a.EXAMPLE.com]}\n",
  );
  assert.deepEqual(
    errors.map((e) => [e.line, e.col, e.message, e.hint]),
    [
      [3, 44, "site `a` lists the host `a.example.com` twice (first at line 3)", "remove one of them"],
      [4, 29, "site `b`: `hosts[0]`: `b.example.com:8080` has a port; a host name has none", "write `b.example.com` (the front server's own port is its `listen`, not the site's)"],
      [5, 29, "site `c`: host `a.example.com` is already routed to site `a` (line 3)", "a host name routes to one site: remove it from `c` or from `a`"],
    ],
  );
});
