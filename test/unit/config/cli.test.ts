import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { checkCommand, formatArgv } from "../../../src/cli/check.js";
import { initCommand, TEMPLATE } from "../../../src/cli/init.js";
import { loadConfigText } from "../../../src/config/load.js";
import { Capture, tempProject } from "./helpers.js";

async function check(file: string) {
  const out = new Capture();
  const err = new Capture();
  const code = await checkCommand(file, out, err);
  return { code, out: out.text, err: err.text };
}

test("check prints the plan of each site, with secrets redacted, and exits 0", async () => {
  const dir = tempProject({
    "server.ts": "",
    ".env": "API_TOKEN=tok-123\nPLAIN=visible\n",
    "sites.yaml": `version: 1
sites:
  blog:
    wsgi: blog.wsgi:application
    settings: blog.settings
    listen: 127.0.0.1:8001
    processes: 2
    threads: 4
    env:
      SECRET_KEY: django-insecure-xyz
      DATABASE_URL: postgres://blog:hunter2@db/blog
      DEBUG: "0"
  api:
    app: ./server.ts
    listen: unix:run/api.sock
    envFile: .env
    maxMemory: 256MB
  worker:
    command: "python3 -m 'my worker'"
    restart: always
    ready: {log: "ready to go"}
    stopSignal: INT
    stopTimeout: 1m
`,
  });
  const { code, out, err } = await check(join(dir, "sites.yaml"));
  assert.equal(err, "");
  assert.equal(code, 0);
  for (const fragment of [
    `${join(dir, "sites.yaml")}: OK, 3 sites`,
    "blog (wsgi)",
    "api (app)",
    "worker (command)",
    "run        python3 -m 'my worker'",
    `cwd        ${dir}`,
    "settings   DJANGO_SETTINGS_MODULE=blog.settings",
    "settings   none (TSGI_SETTINGS_MODULE unset)",
    "listen     127.0.0.1:8001",
    `listen     unix:${join(dir, "run/api.sock")}`,
    "processes  2 × 4 threads",
    "restart    always; backoff 100ms doubling to 30s; fatal after 10 crashes within 1m",
    "ready      output matching /ready to go/, within 30s",
    "ready      reported by the process itself, within 30s",
    "stop       SIGINT, then SIGKILL after 1m",
    "memory     replaced above 256MB",
    "SECRET_KEY=«redacted»",
    "DATABASE_URL=postgres://blog:«redacted»@db/blog",
    "DEBUG=0",
    "API_TOKEN=«redacted»",
    "PLAIN=visible",
  ]) {
    assert.ok(out.includes(fragment), `missing ${JSON.stringify(fragment)} in:\n${out}`);
  }
  for (const secret of ["django-insecure-xyz", "hunter2", "tok-123"]) assert.equal(out.includes(secret), false, secret);
});

test("check lists every error, not just the first, and exits 2", async () => {
  const dir = tempProject({
    "sites.yaml": "version: 1\nsites:\n  a:\n    comand: [a]\n  b:\n    command: [b]\n    processes: 0\n  c:\n    wsgi: c.wsgi:app\n",
  });
  const file = join(dir, "sites.yaml");
  const { code, out, err } = await check(file);
  assert.equal(code, 2);
  assert.equal(out, "");
  assert.ok(err.includes(`${file}:4:5: site \`a\`: unknown key \`comand\``), err);
  assert.ok(err.includes("hint: did you mean `command`?"), err);
  assert.ok(err.includes(`${file}:7:16:`), err);
  assert.ok(err.includes(`${file}:9:5:`), err);
  assert.ok(err.includes("\n   |     ^\n"), err);
  assert.ok(err.trimEnd().endsWith(`3 errors in ${file}`), err);
});

test("check on a missing file exits 2 with a hint", async () => {
  const { code, err } = await check(join(tempProject(), "sites.yaml"));
  assert.equal(code, 2);
  assert.match(err, /no such file/);
  assert.match(err, /tsgi-supervise init/);
});

test("formatArgv quotes only what needs quoting", () => {
  assert.equal(
    formatArgv(["python3", "-c", "print('hi')", "a b", "--x=1", "/p/a.py"]),
    `python3 -c 'print('\\''hi'\\'')' 'a b' --x=1 /p/a.py`,
  );
});

test("init writes a commented sites.yaml that passes check, and refuses to overwrite", async () => {
  const dir = tempProject();
  const out = new Capture();
  const err = new Capture();
  assert.equal(await initCommand(dir, out, err), 0);
  const file = join(dir, "sites.yaml");
  assert.equal(readFileSync(file, "utf8"), TEMPLATE);
  assert.match(out.text, /wrote .*sites\.yaml/);
  assert.ok(TEMPLATE.split("\n").filter((line) => line.trim().startsWith("#")).length > 20, "the template explains itself");
  assert.equal((await check(file)).code, 0);

  writeFileSync(file, "version: 1\n# mine\n");
  const again = new Capture();
  assert.equal(await initCommand(file, new Capture(), again), 2);
  assert.match(again.text, /already exists/);
  assert.equal(readFileSync(file, "utf8"), "version: 1\n# mine\n", "the existing file is untouched");

  const nested = join(dir, "deploy/prod.yaml");
  assert.equal(await initCommand(nested, new Capture(), new Capture()), 0);
  assert.ok(existsSync(nested));
});

test("every commented-out example in the template is valid once uncommented", () => {
  // Uncomment the example sites `blog` and `api`: `  # blog:` and the `  #   key: …` lines under it.
  let inExample = false;
  const uncommented = TEMPLATE.split("\n")
    .map((line) => {
      if (/^ {2}# (blog|api):/.test(line) || (inExample && /^ {2}# {3}/.test(line))) {
        inExample = true;
        return line.replace(/^ {2}# /, "  ");
      }
      inExample = false;
      return line;
    })
    .join("\n");
  const dir = tempProject({ "server.ts": "", "sites/blog/.venv/bin/python": "", "sites/blog/.env": "" });
  const result = loadConfigText(uncommented, join(dir, "sites.yaml"), { env: { BLOG_SECRET_KEY: "x" } });
  assert.ok(result.ok, result.ok ? "" : result.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join("\n") + "\n" + uncommented);
  assert.deepEqual(
    result.config.sites.map((s) => s.name),
    ["blog", "api", "files"],
  );
});
