/**
 * The larger fixtures of each format, imported, checked and run: the output passes `check` as
 * it is, the supervisor serves every site the source described (real programs: Node, and
 * gunicorn for the WSGI formats), and every unmapped option was both a comment and a warning.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { freePort } from "../../kit/free-port.js";
import { get } from "../../kit/http.js";
import { runCli, SupervisorUnderTest } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";
import { FIXTURES, runImport, unmappedPlaces, type Imported } from "./helpers.js";

const running: SupervisorUnderTest[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
});

async function ports(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const port = await freePort();
    if (!out.includes(port)) out.push(port);
  }
  return out;
}

async function checkPasses(result: Imported): Promise<void> {
  assert.equal(result.code, 0, result.stderr);
  const check = await runCli(["check", result.file]);
  assert.equal(check.code, 0, `check failed:\n${check.stdout}${check.stderr}\n--- imported:\n${result.yaml}`);
  const places = unmappedPlaces(result);
  assert.deepEqual(places.comments, places.warnings, "every unmapped option is a comment and a warning");
}

function serve(result: Imported): SupervisorUnderTest {
  // Debian's python3 (with gunicorn) ahead of any pyenv shim on the developer's PATH.
  const env = { PATH: `/usr/bin:/bin:${process.env["PATH"] ?? ""}`, HOME: process.env["HOME"] ?? "", NO_COLOR: "1" };
  const supervisor = SupervisorUnderTest.start(fs.readFileSync(result.file, "utf8"), { dir: result.dir, env });
  running.push(supervisor);
  return supervisor;
}

async function answer(port: number, urlPath = "/"): Promise<Record<string, unknown>> {
  const reply = await waitFor(
    `127.0.0.1:${port}${urlPath} answers`,
    async () => {
      const r = await get(port, urlPath, 3000);
      return r.status === 200 ? r : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  return JSON.parse(reply.body) as Record<string, unknown>;
}

describe("import → check → run", { concurrency: true }, () => {
  it("supervisord: ten programs over three included files, numprocs included", async () => {
    const p = await ports(10);
    const env = Object.fromEntries(p.map((port, i) => [`P${i}`, String(port)]));
    const result = await runImport([path.join(FIXTURES, "supervisord/supervisord.conf")], env);
    await checkPasses(result);
    assert.match(result.stderr, /imported 10 sites from supervisord/);
    for (const name of [
      "[eventlistener:memmon]",
      "[fcgi-program:legacy]",
      "umask=022",
      "exitcodes=0,2",
      "stdout_logfile=/var/log/web.log",
    ]) {
      assert.ok(result.stderr.includes(name), `a warning for ${name}`);
    }
    const supervisor = serve(result);
    const names = ["web", "api", "worker-2", "worker-3", "cache", "jobs-05", "jobs-06", "jobs-07", "metrics"];
    const expected = ["web", "api", "worker-2", "worker-3", "cache", "jobs-5", "jobs-6", "jobs-7", "metrics"];
    const indexes = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const answers = await Promise.all(indexes.map((i) => answer(p[i] ?? 0)));
    assert.deepEqual(
      answers.map((a) => a["name"]),
      expected,
    );
    const [web] = answers;
    assert.ok(web);
    assert.deepEqual([web["argv"], web["greeting"]], [["--role", "web front"], "hello from supervisord"]);
    const status = await supervisor.status();
    assert.deepEqual(status.filter((s) => names.includes(s.name)).length, 9);
    assert.equal(status.find((s) => s.name === "admin")?.state, "stopped", "autostart=false");
  });

  it("PM2: three apps, --env production picks one of two env sets; cluster instances share one socket", async () => {
    const [api = 0, web = 0, worker = 0] = await ports(3);
    const result = await runImport([path.join(FIXTURES, "pm2/ecosystem.config.js"), "--env", "production"], {
      API_PORT: String(api),
      WEB_PORT: String(web),
      WORKER_PORT: String(worker),
    });
    await checkPasses(result);
    assert.match(result.stderr, /ecosystem\.config\.js is JavaScript: it was run \(in a child node/);
    assert.match(result.yaml, /not applied: env_staging/);
    const supervisor = serve(result);
    const answers = await Promise.all([answer(api), answer(web), answer(worker)]);
    assert.deepEqual(
      answers.map((a) => [a["name"], a["greeting"]]),
      [
        ["api", "prod"],
        ["web", "prod"],
        ["worker", "prod"],
      ],
    );
    assert.deepEqual(answers[0]["argv"], ["api", "--verbose"]);
    const [site] = await supervisor.waitRunning(["api"], 30_000).then((all) => all.filter((s) => s.name === "api"));
    assert.equal(site?.pids.length, 2, "instances: 2 → two processes on the one socket");
  });

  it("Procfile: web on $PORT's value with the .env beside it; a shell-syntax worker runs under sh", async () => {
    const [port = 0] = await ports(1);
    const result = await runImport([path.join(FIXTURES, "procfile/Procfile")], { PORT: String(port) });
    await checkPasses(result);
    assert.match(result.yaml, /before: \[\[node, -e, .*migrating.*\]\] {2}# release/);
    const supervisor = serve(result);
    const web = await answer(port);
    assert.deepEqual([web["name"], web["greeting"], web["argv"]], ["procfile-web", "from .env", ["web", "--port", String(port)]]);
    await supervisor.waitRunning(["web", "worker"], 30_000);
    await supervisor.waitForEvent("the release task ran before web", (e) => e.message.includes("migrating"));
  });

  it("uWSGI: a vassal folder of two becomes two gunicorn sites", async () => {
    const [shop = 0, blog = 0] = await ports(2);
    const result = await runImport([path.join(FIXTURES, "uwsgi/vassals")], { SHOP_PORT: String(shop), BLOG_PORT: String(blog) });
    await checkPasses(result);
    assert.match(result.stderr, /uwsgi-protocol socket; the front server must now speak HTTP/);
    serve(result);
    const answers = await Promise.all([answer(shop), answer(blog)]);
    assert.deepEqual(
      answers.map((a) => [a["name"], a["settings"]]),
      [
        ["shop", null],
        ["blog", "hellosite.settings"],
      ],
    );
  });

  it("Apache: three daemon processes in three vhosts, with the ProxyPass lines to put in their place", async () => {
    const base = await waitFor("three free ports in a row", async () => {
      const p = await freePort();
      const taken = await Promise.all(
        [p + 1, p + 2].map((q) =>
          get(q, "/", 500).then(
            () => true,
            () => false,
          ),
        ),
      );
      return p < 65000 && !taken.includes(true) ? p : undefined;
    });
    const app = path.join(FIXTURES, "uwsgi/app");
    const result = await runImport([path.join(FIXTURES, "apache/sites.conf"), "--port-base", String(base)], { APP: app });
    await checkPasses(result);
    assert.match(result.stderr, new RegExp(`ProxyPass /blog http://127\\.0\\.0\\.1:${base + 1}/blog`));
    assert.match(result.stderr, /ProxyPass \/static\/ !/);
    serve(result);
    const answers = await Promise.all([answer(base), answer(base + 1, "/blog/"), answer(base + 2)]);
    assert.deepEqual(
      answers.map((a) => [a["name"], a["settings"], a["script"]]),
      [
        ["shop", "hellosite.settings", ""],
        ["blog", "blog.settings", "/blog"],
        ["wiki", null, ""],
      ],
    );
  });
});
