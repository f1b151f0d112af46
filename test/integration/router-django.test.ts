/**
 * Two Node sites and a Django site behind the router, each under its own name. Django sees
 * `Host: blog.localhost:PORT` and accepts it under DEBUG with ALLOWED_HOSTS empty (Django then
 * allows `.localhost`); with DEBUG off and ALLOWED_HOSTS naming only `localhost`, it refuses it
 * (400) — the README says to add `.localhost` in that case.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, it } from "node:test";
import { freePort } from "../../kit/free-port.js";
import { routerGet } from "../../kit/router-client.js";
import { PROGRAMS, ROOT, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";

/** `python3` on PATH may be an interpreter without Django (pyenv): pick one that has both. */
function djangoPython(): string {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    const result = spawnSync(candidate, ["-c", "import django, gunicorn, sys; print(sys.executable)"], { encoding: "utf8" });
    if (result.status === 0) return result.stdout.trim();
  }
  throw new Error("no interpreter here can import django and gunicorn — apt-get install python3-django gunicorn (or npm run setup:system)");
}

let supervisor: SupervisorUnderTest | undefined;
let dir = "";
let port = 0;

before(async () => {
  const python = djangoPython();
  dir = tempDir("tsgi-router-django-");
  const projects = path.join(dir, "projects");
  const made = spawnSync("bash", [path.join(ROOT, "scripts/make-django-projects.sh"), projects], {
    encoding: "utf8",
    env: { ...process.env, PYTHON: python },
  });
  assert.equal(made.status, 0, made.stderr);
  const blog = path.join(projects, "blog", "blog");
  // A development settings module, as a project has one: DEBUG on, ALLOWED_HOSTS left empty.
  fs.writeFileSync(
    path.join(blog, "settings_dev.py"),
    `from .settings import *  # noqa\nDEBUG = True\nALLOWED_HOSTS = []\nROOT_URLCONF = "blog.urls_dev"\n`,
  );
  fs.writeFileSync(
    path.join(blog, "urls_dev.py"),
    `from django.http import JsonResponse\nfrom django.urls import path\n\n\ndef host(request):\n    return JsonResponse({"host": request.get_host(), "forwardedHost": request.META.get("HTTP_X_FORWARDED_HOST")})\n\n\nurlpatterns = [path("host", host)]\n`,
  );
  port = await freePort();
  const node = async (name: string): Promise<string> =>
    `  ${name}:\n    command: [node, ${JSON.stringify(path.join(PROGRAMS, "router-site.mjs"))}]\n    listen: 127.0.0.1:${await freePort()}\n`;
  const django = async (name: string, settings: string): Promise<string> =>
    `  ${name}:\n    wsgi: blog.wsgi:application\n    cwd: ${JSON.stringify(path.join(projects, "blog"))}\n    settings: ${settings}\n    python: ${JSON.stringify(python)}\n    listen: 127.0.0.1:${await freePort()}\n`;
  supervisor = SupervisorUnderTest.start(
    `version: 1\nsites:\n${await node("alpha")}${await node("beta")}${await django("blog", "blog.settings_dev")}${await django("strict", "blog.settings")}`,
    { dir, args: ["--router", String(port)] },
  );
  await supervisor.waitRunning(["alpha", "beta", "blog", "strict"], 30_000);
});
after(async () => {
  await supervisor?.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

it("two Node sites and a Django site answer under their own names; Django sees and accepts Host NAME.localhost:PORT under DEBUG", async () => {
  for (const name of ["alpha", "beta"]) {
    const answer = await routerGet(port, `${name}.localhost:${port}`, "/headers");
    assert.equal(answer.status, 200, answer.body);
    assert.equal((JSON.parse(answer.body) as { site: string }).site, name);
  }
  const django = await routerGet(port, `blog.localhost:${port}`, "/host");
  assert.equal(django.status, 200, django.body);
  assert.deepEqual(JSON.parse(django.body), { host: `blog.localhost:${port}`, forwardedHost: `blog.localhost:${port}` });

  // DEBUG off, ALLOWED_HOSTS = ["127.0.0.1", "localhost"]: `strict.localhost` is not in it.
  const strict = await routerGet(port, `strict.localhost:${port}`, "/whoami");
  assert.equal(strict.status, 400);

  const index = await routerGet(port, `localhost:${port}`);
  for (const name of ["alpha", "beta", "blog"]) assert.match(index.body, new RegExp(`>${name}</a>`));
  assert.match(index.body, /wsgi/);
});
