/**
 * `asgi:` sites and `middleware:` with real Django projects (`django-admin startproject`, through
 * `scripts/make-django-projects.sh`) under real uvicorn, hypercorn, daphne and gunicorn with
 * uvicorn workers; `before:` running `migrate` on a sqlite project.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { requestAfterStopBegan } from "../../kit/early-connection.js";
import { freePort } from "../../kit/free-port.js";
import { get, getJson } from "../../kit/http.js";
import { loadLoop } from "../../kit/load.js";
import { ROOT, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";

const running: SupervisorUnderTest[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = tempDir("tsgi-asgi-");
  dirs.push(dir);
  return dir;
}

/** `python3` on PATH may be a pyenv interpreter without Django: pick one with every server. */
function serversPython(): string {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    const result = spawnSync(
      candidate,
      ["-c", "import django, gunicorn, uvicorn, hypercorn, daphne, werkzeug, sys; print(sys.executable)"],
      {
        encoding: "utf8",
      },
    );
    if (result.status === 0) return result.stdout.trim();
  }
  throw new Error(
    "no interpreter here imports django, gunicorn, uvicorn, hypercorn, daphne and werkzeug — npm run setup:system (Debian: python3-django gunicorn python3-uvicorn python3-hypercorn daphne python3-werkzeug)",
  );
}

/** Views and wrappers the tests add to each generated project. */
const EXTRA = `
import asyncio, os, time
from django.db import connection
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

async def hello_async(request):
    await asyncio.sleep(0.001)
    return JsonResponse({"settings_module": os.environ["DJANGO_SETTINGS_MODULE"], "pid": os.getpid(), "async": True})

def stream(request):
    def chunks():
        for i in range(3):
            yield "chunk %d\\n" % i
            time.sleep(0.01)
    return StreamingHttpResponse(chunks(), content_type="text/plain")

def remote(request):
    return JsonResponse({"remote": request.META.get("REMOTE_ADDR"), "pid": os.getpid()})

def tables(request):
    return JsonResponse({"tables": connection.introspection.table_names(), "pid": os.getpid()})

class HelloWorldApplication:
    """Django's guide's wrapper: /hello is answered here, the rest by Django."""
    def __init__(self, application):
        self.application = application
    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/hello":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"Hello World from the wrapper\\n"]
        return self.application(environ, start_response)

def asgi_hello(application):
    async def app(scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/hello":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"Hello World from the ASGI wrapper\\n"})
            return
        await application(scope, receive, send)
    return app

def refuses(application):
    raise RuntimeError("this wrapper refuses on purpose")
`;

let python = "";
let projects = "";

before(() => {
  python = serversPython();
  projects = path.join(scratch(), "projects");
  const made = spawnSync("bash", [path.join(ROOT, "scripts/make-django-projects.sh"), projects], {
    encoding: "utf8",
    env: { ...process.env, PYTHON: python },
  });
  assert.equal(made.status, 0, made.stderr);
  for (const name of ["shop", "blog"]) {
    const pkg = path.join(projects, name, name);
    fs.writeFileSync(path.join(pkg, "tsgi_extra.py"), EXTRA);
    fs.appendFileSync(
      path.join(pkg, "urls.py"),
      `\nfrom ${name} import tsgi_extra\nurlpatterns += [path("async", tsgi_extra.hello_async), path("stream", tsgi_extra.stream), path("remote", tsgi_extra.remote), path("tables", tsgi_extra.tables)]\n`,
    );
  }
});

function start(yaml: string): SupervisorUnderTest {
  const supervisor = SupervisorUnderTest.start(yaml, { dir: scratch() });
  running.push(supervisor);
  return supervisor;
}

function getWith(port: number, urlPath: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path: urlPath, headers, agent: false, timeout: 5000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${urlPath} timed out`)));
    request.on("error", reject);
  });
}

describe("asgi: Django under uvicorn, hypercorn, daphne and gunicorn+uvicorn", () => {
  const ports: Record<string, number> = {};
  let supervisor: SupervisorUnderTest;
  const sites = [
    { name: "shop", project: "shop", settings: "shop.settings", server: "uvicorn", processes: 2 },
    { name: "shop-eu", project: "shop", settings: "shop.settings_eu", server: "uvicorn", processes: 1 },
    { name: "blog", project: "blog", settings: "blog.settings", server: "uvicorn", processes: 1 },
    { name: "shop-h", project: "shop", settings: "shop.settings", server: "hypercorn", processes: 1 },
    { name: "blog-d", project: "blog", settings: "blog.settings", server: "daphne", processes: 1 },
    { name: "blog-g", project: "blog", settings: "blog.settings", server: "gunicorn", processes: 1 },
  ];

  before(async () => {
    for (const site of sites) ports[site.name] = await freePort();
    supervisor = start(`version: 1
supervisor: {logs: false}
defaults:
  python: ${JSON.stringify(python)}
  startTimeout: 60s
  stopTimeout: 5s
sites:
${sites
  .map(
    (site) => `  ${site.name}:
    asgi: ${site.project}.asgi:application
    asgiServer: ${site.server}
    cwd: ${JSON.stringify(path.join(projects, site.project))}
    settings: ${site.settings}
    listen: 127.0.0.1:${ports[site.name]}
    processes: ${site.processes}
`,
  )
  .join("")}`);
    await supervisor.waitRunning(
      sites.map((s) => s.name),
      90_000,
    );
  });

  it("each site answers with its own settings module, from an async view", async () => {
    for (const site of sites) {
      const answer = await getJson<{ settings_module: string; async: boolean }>(ports[site.name] ?? 0, "/async");
      assert.deepEqual(answer, { ...answer, settings_module: site.settings, async: true }, site.name);
    }
  });

  it("a streaming response arrives whole", async () => {
    for (const name of ["shop", "shop-h", "blog-d", "blog-g"]) {
      const answer = await get(ports[name] ?? 0, "/stream");
      assert.equal(answer.body, "chunk 0\nchunk 1\nchunk 2\n", name);
    }
  });

  it("reload under load → 0 failed, under uvicorn, hypercorn and daphne, each old process stopping by itself", async () => {
    for (const name of ["shop", "shop-h", "blog-d"]) {
      const port = ports[name] ?? 0;
      const before = await supervisor.site(name);
      const load = loadLoop(port, { rate: 40, maxMs: 30_000, path: "/async" });
      const answer = await supervisor.cli(["reload", name]);
      const report = await load.stop();
      assert.equal(answer.code, 0, answer.stdout + answer.stderr);
      assert.equal(report.failed, 0, `${name}: ${report.errors.slice(0, 5).join(", ")}`);
      assert.ok(report.ok > 0);
      const now = await supervisor.site(name);
      assert.equal(
        now.pids.some((pid) => before.pids.includes(pid)),
        false,
        `${name}: new processes serve`,
      );
      assertStoppedByThemselves(supervisor, name, before.pids);
    }
  });

  it("a connection the old generation accepted before its stop signal gets its request answered (every ASGI server)", async () => {
    for (const name of ["shop", "blog-g", "blog-d", "shop-h"]) {
      const old = await supervisor.site(name);
      const { answer, acceptedBy, reload } = await requestAfterStopBegan(supervisor, name, ports[name] ?? 0, "/async");
      assert.equal(reload.code, 0, reload.stdout + reload.stderr);
      assert.match(answer, /^HTTP\/1\.1 200/, `${name}: ${answer.slice(0, 200) || "(closed without an answer)"}`);
      assert.equal(Number(/"pid": ?(\d+)/.exec(answer)?.[1]), acceptedBy, `${name}: answered by the process that accepted it`);
      assertStoppedByThemselves(supervisor, name, old.pids);
    }
  });
});

/** Each of `pids` stopped within stopTimeout after its stop signal, not killed at its end. */
function assertStoppedByThemselves(supervisor: SupervisorUnderTest, name: string, pids: readonly number[]): void {
  const stops = supervisor.events.filter((e) => e.site === name && e.event === "process-stopped" && pids.includes(Number(e.pid)));
  assert.equal(stops.length, pids.length, `${name}: every old process reported stopped`);
  assert.deepEqual(
    stops.filter((e) => e.killed === true).map((e) => e.message),
    [],
    `${name}: the old generation drained and exited within stopTimeout`,
  );
}

describe("middleware and before", () => {
  it("wraps per site, in order, without touching wsgi.py; a raising wrapper fails the reload and the old generation serves", async () => {
    const wrapped = await freePort();
    const plain = await freePort();
    const asgi = await freePort();
    const yaml = (asgiMiddleware: string) => `version: 1
supervisor: {logs: false}
defaults:
  python: ${JSON.stringify(python)}
  startTimeout: 60s
sites:
  wrapped:
    wsgi: shop.wsgi:application
    cwd: ${JSON.stringify(path.join(projects, "shop"))}
    settings: shop.settings
    listen: 127.0.0.1:${wrapped}
    middleware: [shop.tsgi_extra.HelloWorldApplication, werkzeug.middleware.proxy_fix.ProxyFix]
  plain:
    wsgi: shop.wsgi:application
    cwd: ${JSON.stringify(path.join(projects, "shop"))}
    settings: shop.settings_eu
    listen: 127.0.0.1:${plain}
  asgi:
    asgi: blog.asgi:application
    cwd: ${JSON.stringify(path.join(projects, "blog"))}
    settings: blog.settings
    listen: 127.0.0.1:${asgi}
    middleware: [${asgiMiddleware}]
`;
    const supervisor = start(yaml("blog.tsgi_extra:asgi_hello"));
    await supervisor.waitRunning(["wrapped", "plain", "asgi"], 90_000);
    assert.equal((await get(wrapped, "/hello")).body, "Hello World from the wrapper\n");
    assert.equal((await get(plain, "/hello")).status, 404);
    assert.equal((await get(asgi, "/hello")).body, "Hello World from the ASGI wrapper\n");
    // ProxyFix, applied outside HelloWorldApplication, takes the client from X-Forwarded-For.
    const remote = JSON.parse((await getWith(wrapped, "/remote", { "x-forwarded-for": "203.0.113.7" })).body) as { remote: string };
    assert.equal(remote.remote, "203.0.113.7");
    const plainRemote = JSON.parse((await getWith(plain, "/remote", { "x-forwarded-for": "203.0.113.7" })).body) as { remote: string };
    assert.equal(plainRemote.remote, "127.0.0.1");

    const before = await supervisor.site("asgi");
    fs.writeFileSync(supervisor.file, yaml("blog.tsgi_extra.refuses"));
    const load = loadLoop(asgi, { rate: 20, maxMs: 30_000, path: "/hello" });
    const answer = await supervisor.cli(["reload-config"]);
    const report = await load.stop();
    assert.match(
      answer.stdout + answer.stderr,
      /middleware blog\.tsgi_extra\.refuses raised RuntimeError: this wrapper refuses on purpose/,
    );
    assert.equal(report.failed, 0, report.errors.slice(0, 5).join(", "));
    const now = await supervisor.site("asgi");
    assert.deepEqual([now.state, now.pids], ["running", before.pids]);
  });

  it("before: migrate creates the tables before the first request; a failing migration on reload keeps the old generation", async () => {
    const port = await freePort();
    const dir = scratch();
    // A project of its own: its sqlite file and the migration added below stay in this test.
    const root = path.join(dir, "shop");
    fs.cpSync(path.join(projects, "shop"), root, { recursive: true });
    fs.rmSync(path.join(root, "db.sqlite3"), { force: true });
    const app = path.join(root, "inventory");
    fs.mkdirSync(path.join(app, "migrations"), { recursive: true });
    fs.writeFileSync(path.join(app, "__init__.py"), "");
    fs.writeFileSync(path.join(app, "migrations", "__init__.py"), "");
    fs.writeFileSync(
      path.join(root, "shop", "settings_db.py"),
      `from shop.settings import *  # noqa\nINSTALLED_APPS = INSTALLED_APPS + ["inventory"]\n`,
    );
    const supervisor = start(`version: 1
supervisor: {logs: false}
sites:
  shop:
    wsgi: shop.wsgi:application
    python: ${JSON.stringify(python)}
    cwd: ${JSON.stringify(root)}
    settings: shop.settings_db
    listen: 127.0.0.1:${port}
    startTimeout: 60s
    before:
      - [${JSON.stringify(python)}, manage.py, migrate, --noinput]
`);
    await supervisor.waitRunning(["shop"], 90_000);
    const first = await getJson<{ tables: string[]; pid: number }>(port, "/tables");
    assert.ok(first.tables.includes("django_session"), first.tables.join(", "));

    fs.writeFileSync(
      path.join(app, "migrations", "0001_initial.py"),
      `from django.db import migrations\n\ndef fail(apps, schema_editor):\n    raise RuntimeError("the migration fails on purpose")\n\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(fail)]\n`,
    );
    const load = loadLoop(port, { rate: 20, maxMs: 30_000, path: "/tables" });
    const answer = await supervisor.cli(["reload", "shop"]);
    const report = await load.stop();
    assert.notEqual(answer.code, 0);
    assert.match(answer.stdout + answer.stderr, /before\[0\] `.*manage\.py migrate --noinput` failed \(exit code 1\)/);
    assert.match(answer.stdout + answer.stderr, /RuntimeError: the migration fails on purpose/);
    assert.equal(report.failed, 0, report.errors.slice(0, 5).join(", "));
    const status = await supervisor.site("shop");
    assert.equal(status.state, "running");
    assert.match(String((status as unknown as { reason?: string }).reason), /the migration fails on purpose/);
    assert.equal((await getJson<{ pid: number }>(port, "/tables")).pid, first.pid);
  });
});

/** A plain ASGI app holding WebSockets open (Django has none without Channels). */
const WS_APP = `
async def application(scope, receive, send):
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            await send({"type": "websocket.send", "text": message.get("text", "")})
    elif scope["type"] == "http":
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})
`;

describe("asgi: stop and preflight", () => {
  it("a stop closes open WebSockets with 1012 (service restart), under uvicorn and daphne", async () => {
    const servers = ["uvicorn", "daphne"];
    const wsPorts = await Promise.all(servers.map(() => freePort()));
    const dir = scratch();
    fs.writeFileSync(path.join(dir, "wsapp.py"), WS_APP);
    const supervisor = start(`version: 1
supervisor: {logs: false}
sites:
${servers
  .map(
    (server, i) => `  ws-${server}:
    asgi: wsapp:application
    asgiServer: ${server}
    python: ${JSON.stringify(python)}
    cwd: ${JSON.stringify(dir)}
    listen: 127.0.0.1:${wsPorts[i]}
    stopTimeout: 5s
`,
  )
  .join("")}`);
    await supervisor.waitRunning(
      servers.map((server) => `ws-${server}`),
      60_000,
    );
    for (const [i, server] of servers.entries()) {
      const name = `ws-${server}`;
      const pids = (await supervisor.site(name)).pids;
      const socket = new WebSocket(`ws://127.0.0.1:${wsPorts[i]}/`);
      const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        socket.once("open", () => resolve());
        socket.once("error", reject);
      });
      socket.send("ping");
      await new Promise<void>((resolve) => socket.once("message", () => resolve()));
      const stopped = await supervisor.cli(["stop", name]);
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.equal(await closed, 1012, name);
      assertStoppedByThemselves(supervisor, name, pids);
    }
  });

  it("a wrapper that raises fails the first start with one sentence naming it, no crash loop", async () => {
    const port = await freePort();
    const supervisor = start(`version: 1
supervisor: {logs: false}
sites:
  shop:
    wsgi: shop.wsgi:application
    python: ${JSON.stringify(python)}
    cwd: ${JSON.stringify(path.join(projects, "shop"))}
    settings: shop.settings
    listen: 127.0.0.1:${port}
    middleware: [shop.tsgi_extra.refuses]
`);
    const site = await waitFor(
      "shop fatal from its preflight",
      async () => {
        const status = await supervisor.site("shop").catch(() => undefined);
        return status?.state === "fatal" ? status : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    assert.equal(
      String((site as unknown as { reason?: string }).reason),
      "middleware shop.tsgi_extra.refuses raised RuntimeError: this wrapper refuses on purpose when wrapping the application",
    );
    assert.equal(supervisor.startedPids().length, 0);
  });

  it("a missing server is one sentence naming what to install, and no crash loop", async () => {
    const port = await freePort();
    const dir = scratch();
    const made = spawnSync(python, ["-m", "venv", "--without-pip", path.join(dir, "bare")], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);
    const supervisor = start(`version: 1
supervisor: {logs: false}
sites:
  shop:
    asgi: shop.asgi:application
    python: ${JSON.stringify(path.join(dir, "bare/bin/python"))}
    cwd: ${JSON.stringify(path.join(projects, "shop"))}
    listen: 127.0.0.1:${port}
`);
    const site = await waitFor(
      "shop fatal from its preflight",
      async () => {
        const status = await supervisor.site("shop").catch(() => undefined);
        return status?.state === "fatal" ? status : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const reason = String((site as unknown as { reason?: string }).reason);
    assert.match(reason, /cannot import uvicorn .*install it into that environment \(Debian: apt-get install python3-uvicorn/);
    assert.equal(site.restarts, 0);
    assert.equal(supervisor.startedPids().length, 0);
  });
});
