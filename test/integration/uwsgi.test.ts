/**
 * `wsgiServer: uwsgi`: the Django three-site case (two `django-admin startproject` projects, the
 * shop served twice with two settings modules) under Debian's uWSGI. Each site answers with its own
 * settings from uWSGI workers of its own masters; a reload under load fails no request; a broken
 * view fails only the new generation; SIGTERM to the supervisor drains in-flight requests, exits 0
 * and leaves no uWSGI process; a missing uWSGI, plugin or module is one sentence, no crash loop.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../../kit/free-port.js";
import { get, getJson } from "../../kit/http.js";
import { loadLoop } from "../../kit/load.js";
import { alive, ROOT, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import type { SiteStatus } from "../../src/control/protocol.js";
import { readStat, scanStats } from "../../src/process/proc-stat.js";
import { waitFor } from "../../kit/wait-for.js";

interface WhoAmI {
  settings_module: string;
  label: string;
  pid: number;
}

const running: SupervisorUnderTest[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = tempDir("tsgi-uwsgi-");
  dirs.push(dir);
  return dir;
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(file, args, { encoding: "utf8", env });
  assert.equal(result.status, 0, `${file} ${args.join(" ")} failed: ${result.stderr}${result.error?.message ?? ""}`);
  return result.stdout;
}

function parentPid(pid: number): number | undefined {
  return readStat(pid)?.ppid;
}

/** Live children of `pids` (uWSGI workers of those masters). */
function childrenOf(pids: readonly number[]): number[] {
  return scanStats()
    .filter((stat) => pids.includes(stat.ppid) && alive(stat.pid))
    .map((stat) => stat.pid);
}

function siteOf(sites: readonly SiteStatus[], name: string): SiteStatus {
  const site = sites.find((s) => s.name === name);
  assert.ok(site !== undefined, `no site ${name} in status`);
  return site;
}

function slow(port: number, ms: number): { started: Promise<void>; done: Promise<string> } {
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const done = new Promise<string>((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path: `/slow?ms=${ms}`, agent: false, timeout: ms + 15_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
        markStarted();
      });
      response.on("end", () => resolve(body));
    });
    request.on("timeout", () => request.destroy(new Error(`/slow on ${port} timed out`)));
    request.on("error", reject);
  });
  return { started, done };
}

let python = "";
let projects = "";
let venvPython = "";

before(() => {
  const dir = scratch();
  projects = path.join(dir, "projects");
  const printed = run("bash", [path.join(ROOT, "scripts/make-django-projects.sh"), projects], {
    ...process.env,
    PYTHON: "/usr/bin/python3",
  });
  // The script's last line is the interpreter it found (one that imports django).
  python = printed.trim().split("\n").pop() ?? "";
  assert.ok(python.startsWith("/"), `make-django-projects printed no interpreter: ${printed}`);
  // middleware: Django's guide's wrapper, and one that refuses.
  fs.writeFileSync(
    path.join(projects, "shop/shop/tsgi_mw.py"),
    `class HelloWorldApplication:
    def __init__(self, application):
        self.application = application
    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/hello":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"Hello World from the wrapper\\n"]
        return self.application(environ, start_response)

def refuses(application):
    raise RuntimeError("this wrapper refuses on purpose")
`,
  );
  // uWSGI embeds Debian's libpython: a virtualenv of that interpreter, seen through `--home`.
  run(python, ["-m", "venv", "--without-pip", "--system-site-packages", path.join(dir, "venv")]);
  venvPython = path.join(dir, "venv/bin/python");
});

function threeSites(ports: { shop: number; eu: number; blog: number }, root = projects): string {
  return `version: 1
defaults:
  python: ${JSON.stringify(python)}
  wsgiServer: uwsgi
  stopTimeout: 10s
  startTimeout: 20s
sites:
  shop:
    wsgi: shop.wsgi:application
    cwd: ${JSON.stringify(path.join(root, "shop"))}
    settings: shop.settings
    listen: 127.0.0.1:${ports.shop}
    processes: 2
  shop-eu:
    wsgi: shop.wsgi:application
    cwd: ${JSON.stringify(path.join(root, "shop"))}
    settings: shop.settings_eu
    listen: 127.0.0.1:${ports.eu}
    middleware: [shop.tsgi_mw.HelloWorldApplication]
  blog:
    wsgi: blog.wsgi:application
    cwd: ${JSON.stringify(path.join(root, "blog"))}
    settings: blog.settings
    listen: 127.0.0.1:${ports.blog}
    python: ${JSON.stringify(venvPython)}
    threads: 4
`;
}

describe("wsgiServer: uwsgi — three Django sites from two startproject projects", () => {
  let supervisor: SupervisorUnderTest;
  const ports = { shop: 0, eu: 0, blog: 0 };
  const expected = [
    { name: "shop", port: () => ports.shop, settings: "shop.settings", label: "shop" },
    { name: "shop-eu", port: () => ports.eu, settings: "shop.settings_eu", label: "shop-eu" },
    { name: "blog", port: () => ports.blog, settings: "blog.settings", label: "blog" },
  ];

  before(async () => {
    ports.shop = await freePort();
    ports.eu = await freePort();
    ports.blog = await freePort();
    supervisor = SupervisorUnderTest.start(threeSites(ports), { dir: scratch() });
    running.push(supervisor);
    await supervisor.waitRunning(["shop", "shop-eu", "blog"], 30_000);
  });

  it("each site answers with its own settings, from workers of its own uWSGI masters", async () => {
    const sites = await supervisor.status();
    assert.equal(siteOf(sites, "shop").pids.length, 2);
    for (const site of expected) {
      const own = siteOf(sites, site.name).pids;
      const masters = new Set<number>();
      for (let batch = 0; batch < 5; batch++) {
        const answers = await Promise.all(Array.from({ length: 6 }, () => getJson<WhoAmI>(site.port(), "/whoami")));
        for (const answer of answers) {
          assert.equal(answer.settings_module, site.settings, `${site.name} answered with another site's settings`);
          assert.equal(answer.label, site.label);
          const master = parentPid(answer.pid);
          assert.ok(master !== undefined && own.includes(master), `${site.name}: worker ${answer.pid} is not a child of ${own.join(",")}`);
          masters.add(master);
        }
      }
      if (site.name === "shop") assert.equal(masters.size, 2, "both of shop's uWSGI masters serve the one socket");
      const exe = fs.readFileSync(`/proc/${own[0]}/cmdline`, "utf8").split("\0");
      assert.match(exe[0] ?? "", /uwsgi/, "the launcher exec'd uWSGI in place: the supervised pid is the master");
      if (site.name === "blog") assert.ok(exe.includes("--home") && exe.includes(path.dirname(path.dirname(venvPython))), exe.join(" "));
    }
    assert.equal((await get(ports.blog, "/")).body, "blog: hello from Django under tsgi\n");
    // middleware: wraps shop-eu only, though shop runs the same code.
    assert.equal((await get(ports.eu, "/hello")).body, "Hello World from the wrapper\n");
    assert.equal((await get(ports.shop, "/hello")).status, 404);
    // threads: 4 — four requests in flight at once in blog's one worker, each on its own thread.
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => getJson<{ pid: number; thread: string }>(ports.blog, "/slow?ms=600")),
    );
    assert.equal(new Set(answers.map((a) => a.pid)).size, 1, "one worker");
    assert.equal(new Set(answers.map((a) => a.thread)).size, 4, `four threads: ${answers.map((a) => a.thread).join(", ")}`);
  });

  it("reload of one site under load: 0 failed requests, the new masters serve, the others keep their pids", async () => {
    const before = await supervisor.status();
    const load = loadLoop(ports.shop, { rate: 80, maxMs: 20_000, path: "/whoami" });
    const result = await supervisor.cli(["reload", "shop"]);
    assert.equal(result.code, 0, result.stderr);
    const fresh = siteOf(await supervisor.status(), "shop").pids;
    await waitFor("a request answered by the new generation", async () =>
      fresh.includes(parentPid((await getJson<WhoAmI>(ports.shop, "/whoami")).pid) ?? 0),
    );
    const report = await load.stop();
    assert.equal(report.failed, 0, `failed: ${report.errors.slice(0, 5).join("; ")}`);
    assert.ok(report.ok > 10, `only ${report.ok} requests made it`);
    console.log(`# uwsgi reload under load: ${result.stdout.trim()}; ${report.ok} ok / ${report.failed} failed`);
    for (const pid of siteOf(before, "shop").pids) assert.ok(!alive(pid), `old master ${pid} stopped`);
    for (const name of ["shop-eu", "blog"]) assert.deepEqual(siteOf(await supervisor.status(), name).pids, siteOf(before, name).pids);
  });

  it("SIGTERM to the supervisor: in-flight requests finish, exit 0, every uWSGI process gone", async () => {
    const masters = (await supervisor.status()).flatMap((site) => site.pids);
    const workers = childrenOf(masters);
    assert.ok(workers.length >= masters.length, `one worker per master: ${workers.length} for ${masters.length}`);
    const inFlight = [ports.shop, ports.eu, ports.blog].map((port) => slow(port, 1500));
    await Promise.all(inFlight.map((r) => r.started));
    assert.equal(await supervisor.stop(), 0);
    for (const body of await Promise.all(inFlight.map((r) => r.done))) assert.equal((JSON.parse(body) as { ms: number }).ms, 1500);
    const left = [...masters, ...workers].filter((pid) => alive(pid));
    assert.deepEqual(left, [], `uWSGI processes left: ${left.join(",")}`);
  });
});

describe("wsgiServer: uwsgi — failures", () => {
  it("no uWSGI, no python3 plugin, a missing module: fatal with one sentence each, never spawned; a broken view fails only the reload", async () => {
    const dir = scratch();
    const fakeBin = path.join(dir, "fake-bin");
    fs.mkdirSync(fakeBin);
    // A uWSGI whose plugin cannot load, as on a host with uwsgi-core but no uwsgi-plugin-python3.
    fs.writeFileSync(path.join(fakeBin, "uwsgi"), '#!/bin/sh\necho "unable to load plugin \\"python3\\"" >&2\nexit 1\n', { mode: 0o755 });
    const copy = path.join(dir, "projects");
    fs.cpSync(projects, copy, { recursive: true });
    const good = await freePort();
    const shop = JSON.stringify(path.join(copy, "shop"));
    const supervisor = SupervisorUnderTest.start(
      `version: 1
defaults:
  python: ${JSON.stringify(python)}
  wsgiServer: uwsgi
sites:
  good:
    wsgi: blog.wsgi:application
    cwd: ${JSON.stringify(path.join(copy, "blog"))}
    settings: blog.settings
    listen: 127.0.0.1:${good}
  nouwsgi:
    wsgi: shop.wsgi:application
    cwd: ${shop}
    listen: 127.0.0.1:${await freePort()}
    env: {PATH: ${JSON.stringify(dir)}}
  noplugin:
    wsgi: shop.wsgi:application
    cwd: ${shop}
    listen: 127.0.0.1:${await freePort()}
    env: {PATH: ${JSON.stringify(`${fakeBin}:/usr/bin:/bin`)}}
  noapp:
    wsgi: nosuch.wsgi:application
    cwd: ${shop}
    listen: 127.0.0.1:${await freePort()}
  refused:
    wsgi: shop.wsgi:application
    cwd: ${shop}
    listen: 127.0.0.1:${await freePort()}
    middleware: [shop.tsgi_mw.refuses]
`,
      { dir },
    );
    running.push(supervisor);
    await supervisor.waitRunning(["good"], 30_000);
    const sites = await waitFor("the three broken sites fatal", async () => {
      const all = await supervisor.status();
      return ["nouwsgi", "noplugin", "noapp", "refused"].every((name) => siteOf(all, name).state === "fatal") ? all : undefined;
    });
    assert.equal(
      siteOf(sites, "nouwsgi").reason,
      "uWSGI is not installed (no `uwsgi` on the site's PATH) — Debian: apt-get install uwsgi-core uwsgi-plugin-python3",
    );
    assert.equal(
      siteOf(sites, "noplugin").reason,
      `${fakeBin}/uwsgi cannot load its python3 plugin — Debian: apt-get install uwsgi-core uwsgi-plugin-python3`,
    );
    assert.match(
      siteOf(sites, "noapp").reason ?? "",
      /cannot import nosuch\.wsgi from .*No module named 'nosuch'\) — check wsgi:, cwd: and settings:/,
    );
    assert.equal(
      siteOf(sites, "refused").reason,
      "middleware shop.tsgi_mw.refuses raised RuntimeError: this wrapper refuses on purpose when wrapping the application",
    );
    for (const name of ["nouwsgi", "noplugin", "noapp", "refused"]) {
      assert.equal(siteOf(sites, name).restarts, 0);
      assert.ok(!supervisor.events.some((e) => e.site === name && /started pid/.test(e.message)), `${name} never spawned`);
    }

    // Readiness of the new generation, as for gunicorn: the URLconf is imported before "ready".
    const before = siteOf(await supervisor.status(), "good").pids;
    const view = path.join(copy, "blog/blog/views.py");
    fs.writeFileSync(view, `${fs.readFileSync(view, "utf8")}\ndef broken(:\n`);
    const reload = await supervisor.cli(["reload", "good"]);
    assert.equal(reload.code, 1, reload.stdout);
    assert.match(reload.stderr, /views\.py:\d+(:\d+)?: SyntaxError/);
    assert.deepEqual(siteOf(await supervisor.waitRunning(["good"]), "good").pids, before);
    assert.equal((await getJson<WhoAmI>(good, "/whoami")).settings_module, "blog.settings");
    assert.equal(await supervisor.stop(), 0);
  });
});
