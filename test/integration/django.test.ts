/**
 * `wsgi:` sites with real Django projects (made by `django-admin startproject`, through
 * `scripts/make-django-projects.sh`) under gunicorn: each site sees its own settings module,
 * reloads refuse nothing, a broken interpreter or app module is one clear sentence before
 * anything starts, stops are graceful, gthread and unix sockets work, and `--watch` reloads
 * only the site whose view changed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { readStat } from "../../src/process/proc-stat.js";
import { freePort } from "../../kit/free-port.js";
import { get, getJson } from "../../kit/http.js";
import { loadLoop } from "../../kit/load.js";
import { alive, ROOT, runCli, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import type { SiteStatus } from "../../src/control/protocol.js";
import { waitFor } from "../../kit/wait-for.js";

interface WhoAmI {
  settings_module: string;
  label: string;
  pid: number;
}

interface Slow {
  pid: number;
  thread: string;
  ms: number;
}

const running: SupervisorUnderTest[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temp folder removed after the file's tests. */
function scratch(prefix = "tsgi-django-"): string {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir;
}

/** `python3` on PATH may be an interpreter without Django (pyenv): pick one that has both. */
function djangoPython(): string {
  const tried: string[] = [];
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    const result = spawnSync(candidate, ["-c", "import django, gunicorn, sys; print(sys.executable)"], { encoding: "utf8" });
    if (result.status === 0) return result.stdout.trim();
    tried.push(`${candidate}: ${(result.stderr || result.error?.message || "").trim().split("\n").pop() ?? ""}`);
  }
  throw new Error(
    `no interpreter here can import django and gunicorn — install them (Debian: npm run setup:system, or apt-get install python3-django gunicorn)\n  ${tried.join("\n  ")}`,
  );
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(file, args, { encoding: "utf8", env });
  assert.equal(result.status, 0, `${file} ${args.join(" ")} failed: ${result.stderr}${result.error?.message ?? ""}`);
  return result.stdout;
}

/** Parent pid, from /proc: a gunicorn worker's parent is the master tsgi started. */
function parentPid(pid: number): number | undefined {
  return readStat(pid)?.ppid;
}

function getUnix(socketPath: string, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, path: urlPath, headers: { host: "localhost" }, agent: false, timeout: 5000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${urlPath} over ${socketPath} timed out`)));
    request.on("error", reject);
    request.end();
  });
}

/** `/slow?ms=N`: `started` once its first byte arrived (the request is in the view), then the answer. */
function slowRequest(port: number, ms: number): { started: Promise<void>; done: Promise<Slow> } {
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const done = new Promise<Slow>((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path: `/slow?ms=${ms}`, agent: false, timeout: ms + 10_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
        markStarted();
      });
      response.on("end", () => {
        try {
          resolve(JSON.parse(body) as Slow);
        } catch {
          reject(new Error(`/slow on ${port} answered ${response.statusCode ?? 0}: ${JSON.stringify(body)}`));
        }
      });
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`/slow on ${port} timed out`)));
    request.on("error", reject);
  });
  return { started, done };
}

/** `promise`, or a failure naming `what` after `ms`. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for: ${what}`)), ms)),
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function siteOf(sites: readonly SiteStatus[], name: string): SiteStatus {
  const site = sites.find((s) => s.name === name);
  assert.ok(site !== undefined, `no site ${name} in status`);
  return site;
}

let python = "";
/** Generated once: DIR/shop (with shop.settings_eu) and DIR/blog. */
let projects = "";
/** A virtualenv that sees the system's django and gunicorn: `python:` pointing into a venv. */
let venvPython = "";
/** A virtualenv without gunicorn: the preflight's "cannot import gunicorn". */
let barePython = "";

before(() => {
  python = djangoPython();
  const dir = scratch();
  projects = path.join(dir, "projects");
  const printed = run("bash", [path.join(ROOT, "scripts/make-django-projects.sh"), projects], { ...process.env, PYTHON: python });
  assert.equal(printed.trim().split("\n").pop(), python);
  run(python, ["-m", "venv", "--without-pip", "--system-site-packages", path.join(dir, "venv")]);
  venvPython = path.join(dir, "venv/bin/python");
  run(python, ["-m", "venv", "--without-pip", path.join(dir, "bare")]);
  barePython = path.join(dir, "bare/bin/python");
});

function threeSites(ports: { shop: number; eu: number; blog: number }, root = projects): string {
  return `version: 1
defaults:
  python: ${JSON.stringify(python)}
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
  blog:
    wsgi: blog.wsgi:application
    cwd: ${JSON.stringify(path.join(root, "blog"))}
    settings: blog.settings
    listen: 127.0.0.1:${ports.blog}
    python: ${JSON.stringify(venvPython)}
    threads: 4
`;
}

describe("wsgi: three Django sites from two startproject projects", () => {
  let supervisor: SupervisorUnderTest;
  const ports = { shop: 0, eu: 0, blog: 0 };
  const expected = [
    { name: "shop", port: () => ports.shop, settings: "shop.settings", label: "shop" },
    { name: "shop-eu", port: () => ports.eu, settings: "shop.settings_eu", label: "shop-eu" },
    { name: "blog", port: () => ports.blog, settings: "blog.settings", label: "blog" },
  ];
  /** Every worker pid that ever answered, to check none is left after the stop. */
  const workers = new Set<number>();
  const masters = new Set<number>();

  before(async () => {
    ports.shop = await freePort();
    ports.eu = await freePort();
    ports.blog = await freePort();
    supervisor = SupervisorUnderTest.start(threeSites(ports), { dir: scratch() });
    running.push(supervisor);
    const started = Date.now();
    await supervisor.waitRunning(["shop", "shop-eu", "blog"], 30_000);
    console.log(`# three Django sites running in ${Date.now() - started} ms`);
  });

  it("every site answers with its own DJANGO_SETTINGS_MODULE and settings value, over many requests", async () => {
    const sites = await supervisor.status();
    assert.equal(siteOf(sites, "shop").pids.length, 2);
    for (const site of expected) {
      const own = siteOf(sites, site.name).pids;
      for (const pid of own) masters.add(pid);
      const seenMasters = new Set<number>();
      // 60 requests per site, 6 at a time, interleaved with the other sites' requests.
      for (let batch = 0; batch < 10; batch++) {
        const answers = await Promise.all(Array.from({ length: 6 }, () => getJson<WhoAmI>(site.port(), "/whoami")));
        for (const answer of answers) {
          assert.equal(answer.settings_module, site.settings, `${site.name} answered with another site's settings module`);
          assert.equal(answer.label, site.label, `${site.name}: settings.SITE_LABEL`);
          const master = parentPid(answer.pid);
          assert.ok(
            master !== undefined && own.includes(master),
            `${site.name}: worker ${answer.pid} is not a child of its processes ${own.join(",")}`,
          );
          seenMasters.add(master);
          workers.add(answer.pid);
        }
      }
      if (site.name === "shop") assert.equal(seenMasters.size, 2, "both of shop's processes serve the one socket");
    }
    // The root view of each project: its own label.
    for (const site of expected) {
      const answer = await get(site.port(), "/");
      assert.equal(answer.status, 200);
      assert.equal(answer.body, `${site.label}: hello from Django under tsgi\n`);
    }
  });

  it("a `threads: 4` site (gthread, python: a virtualenv) serves 4 requests at once in one process", async () => {
    const site = siteOf(await supervisor.status(), "blog");
    assert.equal(site.pids.length, 1);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 4 }, () => getJson<Slow>(ports.blog, "/slow?ms=800")));
    const elapsed = Date.now() - started;
    assert.equal(new Set(answers.map((a) => a.pid)).size, 1, "one worker process");
    assert.equal(new Set(answers.map((a) => a.thread)).size, 4, `4 threads at once: ${answers.map((a) => a.thread).join(", ")}`);
    assert.ok(elapsed < 2400, `4 × 800 ms requests took ${elapsed} ms: not concurrent`);
    // The venv's interpreter runs gunicorn, not /usr/bin/python3 directly.
    const exe = fs.readFileSync(`/proc/${site.pids[0]}/cmdline`, "utf8").split("\0")[0];
    assert.equal(exe, venvPython);
  });

  it("reload of one site under load: 0 failed requests, the other sites keep their pids", async () => {
    const before = await supervisor.status();
    const load = loadLoop(ports.shop, { rate: 100, maxMs: 20_000, path: "/whoami" });
    const otherLoad = loadLoop(ports.eu, { rate: 25, maxMs: 20_000, path: "/whoami" });
    const result = await supervisor.cli(["reload", "shop"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /shop reloaded in \d+ ms: pids \d+,\d+ → \d+,\d+/);
    console.log(`# ${result.stdout.trim()}`);
    // Keep the load on a moment after the switch, so the new generation serves some of it.
    const fresh = siteOf(await supervisor.status(), "shop").pids;
    await waitFor("a request answered by the new generation", async () => {
      const answer = await getJson<WhoAmI>(ports.shop, "/whoami");
      return fresh.includes(parentPid(answer.pid) ?? 0);
    });
    const report = await load.stop();
    const otherReport = await otherLoad.stop();
    assert.equal(report.failed, 0, `failed: ${report.errors.slice(0, 5).join("; ")}`);
    assert.equal(otherReport.failed, 0, `shop-eu failed: ${otherReport.errors.slice(0, 5).join("; ")}`);
    assert.ok(report.ok > 20, `only ${report.ok} requests made it`);
    console.log(
      `# load during the reload: shop ${report.ok} ok / ${report.failed} failed, shop-eu ${otherReport.ok} ok / ${otherReport.failed} failed`,
    );
    for (const body of report.bodies) assert.equal((JSON.parse(body) as WhoAmI).settings_module, "shop.settings");
    const afterReload = await supervisor.status();
    const oldShop = siteOf(before, "shop").pids;
    const newShop = siteOf(afterReload, "shop").pids;
    assert.equal(newShop.length, 2);
    for (const pid of newShop) assert.ok(!oldShop.includes(pid), "shop has new pids");
    for (const pid of oldShop) assert.ok(!alive(pid), `old shop process ${pid} stopped`);
    for (const name of ["shop-eu", "blog"]) {
      assert.deepEqual(siteOf(afterReload, name).pids, siteOf(before, name).pids, `${name} kept its pids`);
    }
    for (const pid of newShop) masters.add(pid);
    for (const body of [...report.bodies, ...otherReport.bodies]) workers.add((JSON.parse(body) as WhoAmI).pid);
  });

  it("SIGTERM: in-flight requests finish, the supervisor exits 0, no gunicorn process is left", async () => {
    for (const site of await supervisor.status()) for (const pid of site.pids) masters.add(pid);
    const inFlight = [ports.shop, ports.eu, ports.blog].map((port) => slowRequest(port, 1500));
    // Stop only once every slow request is inside its view (its first byte arrived).
    await within(10_000, "slow requests in their views", Promise.all(inFlight.map((r) => r.started)));
    const started = Date.now();
    assert.equal(await supervisor.stop(), 0);
    const answers = await Promise.all(inFlight.map((r) => r.done));
    console.log(`# three Django sites stopped gracefully in ${Date.now() - started} ms`);
    for (const answer of answers) {
      assert.equal(answer.ms, 1500);
      workers.add(answer.pid);
    }
    const left = [...masters, ...workers].filter((pid) => alive(pid));
    assert.deepEqual(left, [], `gunicorn processes left: ${left.join(",")}`);
  });
});

describe("wsgi: errors before anything starts", () => {
  it("a wsgi site without listen is a config error that says to add one", async () => {
    const dir = scratch();
    fs.writeFileSync(
      path.join(dir, "sites.yaml"),
      `version: 1\nsites:\n  alpha:\n    wsgi: shop.wsgi:application\n    cwd: ${JSON.stringify(path.join(projects, "shop"))}\n`,
    );
    const result = await runCli(["check", path.join(dir, "sites.yaml")]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr + result.stdout, /without `listen`/);
    assert.match(result.stderr + result.stdout, /add `listen: 127\.0\.0\.1:8001`/);
  });

  it("no gunicorn in the interpreter, a missing app module, a settings typo: fatal with one sentence each, no crash loop, other sites run", async () => {
    const good = await freePort();
    const shop = JSON.stringify(path.join(projects, "shop"));
    const supervisor = SupervisorUnderTest.start(
      `version: 1
sites:
  good:
    wsgi: shop.wsgi:application
    cwd: ${shop}
    python: ${JSON.stringify(python)}
    listen: 127.0.0.1:${good}
  nogunicorn:
    wsgi: shop.wsgi:application
    cwd: ${shop}
    python: ${JSON.stringify(barePython)}
    listen: 127.0.0.1:${await freePort()}
  noapp:
    wsgi: nosuch.wsgi:application
    cwd: ${shop}
    python: ${JSON.stringify(python)}
    listen: 127.0.0.1:${await freePort()}
  typo:
    wsgi: shop.wsgi:application
    cwd: ${shop}
    settings: shop.settings_typo
    python: ${JSON.stringify(python)}
    listen: 127.0.0.1:${await freePort()}
`,
      { dir: scratch() },
    );
    running.push(supervisor);
    await supervisor.waitRunning(["good"], 30_000);
    const sites = await waitFor("the three broken sites fatal", async () => {
      const all = await supervisor.status();
      return ["nogunicorn", "noapp", "typo"].every((name) => siteOf(all, name).state === "fatal") ? all : undefined;
    });
    const nogunicorn = siteOf(sites, "nogunicorn");
    assert.equal(
      nogunicorn.reason?.split("\n")[0],
      `${barePython} cannot import gunicorn — install it into that environment (Debian: apt-get install gunicorn; a virtualenv: pip install gunicorn)`,
    );
    assert.match(
      siteOf(sites, "noapp").reason ?? "",
      /cannot import nosuch\.wsgi from .*\(ModuleNotFoundError: No module named 'nosuch'\) — check wsgi:, cwd: and settings:/,
    );
    assert.match(siteOf(sites, "typo").reason ?? "", /cannot import shop\.wsgi .*No module named 'shop\.settings_typo'/);
    // No crash loop: nothing was ever spawned for them, and a while later still nothing.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const site of (await supervisor.status()).filter((s) => s.name !== "good")) {
      assert.equal(site.state, "fatal");
      assert.equal(site.restarts, 0);
      assert.deepEqual(site.pids, []);
      assert.ok(!supervisor.events.some((e) => e.site === site.name && e.event === "process-started"), `${site.name} never spawned`);
    }
    assert.equal((await getJson<WhoAmI>(good, "/whoami")).settings_module, "shop.settings");
    // The same sentence from the CLI that starts it again.
    const again = await supervisor.cli(["start", "nogunicorn"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /nogunicorn: .*bare\/bin\/python cannot import gunicorn — install it into that environment/);
    assert.equal(await supervisor.stop(), 0);
  });
});

describe("wsgi: on a unix socket", () => {
  it("serves over the socket path, and after a reload the path still exists and answers", async () => {
    const dir = scratch();
    const socketPath = path.join(dir, "blog.sock");
    const supervisor = SupervisorUnderTest.start(
      `version: 1
sites:
  blog:
    wsgi: blog.wsgi:application
    cwd: ${JSON.stringify(path.join(projects, "blog"))}
    settings: blog.settings
    python: ${JSON.stringify(python)}
    listen: unix:${socketPath}
`,
      { dir },
    );
    running.push(supervisor);
    await supervisor.waitRunning(["blog"], 30_000);
    const first = await getUnix(socketPath, "/whoami");
    assert.equal(first.status, 200);
    assert.equal((JSON.parse(first.body) as WhoAmI).settings_module, "blog.settings");
    const before = (await supervisor.site("blog")).pids;
    for (let i = 0; i < 2; i++) {
      const result = await supervisor.cli(["reload", "blog"]);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(fs.statSync(socketPath).isSocket(), "the socket path survived the old generation's exit");
      const answer = await getUnix(socketPath, "/whoami");
      assert.equal(answer.status, 200);
      const now = (await supervisor.site("blog")).pids;
      assert.ok(now.includes(parentPid((JSON.parse(answer.body) as WhoAmI).pid) ?? 0), "answered by the new generation");
    }
    assert.notDeepEqual((await supervisor.site("blog")).pids, before);
    assert.equal(await supervisor.stop(), 0);
  });
});

describe("wsgi: hot reload under --watch", () => {
  it("editing a view reloads only that site (plain write, write-temp-then-rename); a broken view keeps the old generation", async () => {
    const copy = path.join(scratch("tsgi-django-watch-"), "projects");
    fs.cpSync(projects, copy, { recursive: true });
    const ports = { shop: await freePort(), eu: await freePort(), blog: await freePort() };
    const supervisor = SupervisorUnderTest.start(threeSites(ports, copy), { dir: scratch(), args: ["--watch"] });
    running.push(supervisor);
    const before = await supervisor.waitRunning(["shop", "shop-eu", "blog"], 30_000);
    const view = path.join(copy, "blog/blog/views.py");
    const original = fs.readFileSync(view, "utf8");

    const edits = [
      { text: "edited by a plain write", save: (content: string) => fs.writeFileSync(view, content) },
      {
        text: "edited by an atomic save",
        save: (content: string) => {
          fs.writeFileSync(`${view}.tmp`, content);
          fs.renameSync(`${view}.tmp`, view);
        },
      },
    ];
    let blogPids = siteOf(before, "blog").pids;
    for (const edit of edits) {
      const started = Date.now();
      edit.save(original.replace("hello from Django under tsgi", edit.text));
      await waitFor(`blog serving "${edit.text}"`, async () => (await get(ports.blog, "/")).body.includes(edit.text), {
        timeoutMs: 20_000,
      });
      console.log(`# ${edit.text}: new text served after ${Date.now() - started} ms`);
      // The new generation answers as soon as it is ready; the old one may still accept for a
      // moment, until its stop signal lands. Settle on "old pids gone" before going on.
      const previous = blogPids;
      const now = await waitFor("blog running on new pids, its old generation gone", async () => {
        const sites = await supervisor.status();
        const blog = siteOf(sites, "blog");
        const settled = blog.state === "running" && blog.pids.length > 0 && !blog.pids.some((pid) => previous.includes(pid));
        return settled && previous.every((pid) => !alive(pid)) ? sites : undefined;
      });
      blogPids = siteOf(now, "blog").pids;
      for (const name of ["shop", "shop-eu"]) {
        assert.deepEqual(siteOf(now, name).pids, siteOf(before, name).pids, `${name} kept its pids`);
      }
    }

    // A broken view: Django imports views only on the first request, but tsgi's bootstrap
    // imports the URLconf before reporting ready, so the new generation fails and the old serves.
    const served = (await get(ports.blog, "/")).body;
    fs.writeFileSync(view, `${original}\ndef broken(:\n`);
    const failure = await supervisor.waitForEvent(
      "the broken reload reported",
      (e) => e.site === "blog" && e.event === "hot-reload" && e["ok"] === false,
    );
    assert.match(failure.message, /views\.py:\d+(:\d+)?: SyntaxError/);
    assert.equal((await get(ports.blog, "/")).body, served);
    assert.deepEqual(siteOf(await supervisor.waitRunning(["blog"]), "blog").pids, blogPids);
    fs.writeFileSync(view, original);
    await waitFor(
      "blog serving the original text again",
      async () => (await get(ports.blog, "/")).body === "blog: hello from Django under tsgi\n",
      { timeoutMs: 20_000 },
    );
    assert.equal(await supervisor.stop(), 0);
  });
});
