/**
 * The examples of each tool's own documentation, imported: what they map to, that the ones
 * whose paths exist here pass `check`, and that each unmapped option was a comment and a warning.
 * Then the promises around them: bad input is file:line:col and exit 2, `--out` never overwrites
 * without `--force`, `export systemd` of an imported file keeps argv, env and restart policy, and
 * the mod_wsgi table in docs/wsgi.md is the one the importer maps through.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { exportCommand } from "../../src/cli/export.js";
import { DAEMON_OPTIONS } from "../../src/import/apache/mod-wsgi-table.js";
import { readYamlData } from "../../src/config/load.js";
import { capture } from "../export/helpers.js";
import { ROOT, runCli, tempDir } from "../../kit/supervisor.js";
import { FIXTURES, runImport, unmappedPlaces } from "./helpers.js";

const DOCS = path.join(FIXTURES, "docs");

function site(yaml: string, name: string): Record<string, unknown> {
  const parsed = yamlData(yaml) as { sites: Record<string, Record<string, unknown>> };
  const found = parsed.sites[name];
  assert.ok(found !== undefined, `site ${name} in:\n${yaml}`);
  return found;
}

/** The document as data, through the loader's own YAML reader. */
function yamlData(yaml: string): unknown {
  const read = readYamlData(yaml);
  assert.ok(read.ok, `the output is YAML:\n${yaml}`);
  return read.value;
}

async function passesCheck(file: string): Promise<void> {
  const check = await runCli(["check", file]);
  assert.equal(check.code, 0, `${check.stdout}${check.stderr}\n${fs.readFileSync(file, "utf8")}`);
}

describe("the tools' documentation examples", { concurrency: true }, () => {
  it("PM2 `pm2 init simple` with two env sets: the chosen set applied, the other named", async () => {
    const r = await runImport([path.join(DOCS, "ecosystem.config.js"), "--env", "production"]);
    assert.equal(r.code, 0, r.stderr);
    const app = site(r.yaml, "app1");
    assert.deepEqual(app["command"], ["node", "./app.js"]);
    assert.deepEqual(app["env"], { NODE_ENV: "production" });
    assert.equal(app["restart"], "always");
    assert.match(r.yaml, /not applied: env_development/);
    await passesCheck(r.file);
  });

  it("PM2 as an ES module: imported, not required", async () => {
    const r = await runImport([path.join(DOCS, "ecosystem.config.mjs")]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(site(r.yaml, "esm-app")["command"], ["node", "--max-old-space-size=256", "./app.js"]);
    await passesCheck(r.file);
  });

  it("PM2 JSON and YAML: instances in cluster mode on one listen socket, watch, max_memory_restart", async () => {
    const json = await runImport([path.join(DOCS, "ecosystem.json")]);
    assert.equal(json.code, 0, json.stderr);
    const api = site(json.yaml, "api");
    assert.deepEqual(
      [api["processes"], api["listen"], api["maxMemory"], api["watch"], api["watchIgnore"]],
      [4, 3000, "1GB", true, ["node_modules"]],
    );
    assert.match(json.stderr, /ecosystem\.json:\d+: log_date_format: .* has no tsgi equivalent/);
    await passesCheck(json.file);
    const yaml = await runImport([path.join(DOCS, "ecosystem.yaml"), "--env", "production"]);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.deepEqual(site(yaml.yaml, "worker")["env"], { NODE_ENV: "production" });
    assert.match(yaml.yaml, /cluster mode shared the app's port/);
    assert.match(yaml.stderr, /ecosystem\.yaml:\d+: app `api-app` ran in cluster mode without a PORT/);
    await passesCheck(yaml.file);
  });

  it("Heroku's Procfile: web on 5000 (foreman's default) with $PORT in its command", async () => {
    const r = await runImport([path.join(DOCS, "Procfile")]);
    assert.equal(r.code, 0, r.stderr);
    const web = site(r.yaml, "web");
    assert.deepEqual(
      [web["command"], web["listen"], web["env"]],
      [["bundle", "exec", "rails", "server", "-p", "5000"], 5000, { PORT: "5000" }],
    );
    assert.deepEqual(site(r.yaml, "worker")["command"], ["bundle", "exec", "rake", "jobs:work"]);
    await passesCheck(r.file);
  });

  it("supervisord's [program:x] example: every option mapped or a comment and a warning", async () => {
    const r = await runImport([path.join(DOCS, "program.conf")]);
    assert.equal(r.code, 0, r.stderr);
    const cat = site(r.yaml, "cat");
    assert.deepEqual(
      [cat["command"], cat["cwd"], cat["env"], cat["ready"], cat["maxRestarts"], cat["stopSignal"], cat["stopTimeout"], cat["restart"]],
      [["/bin/cat"], "/tmp", { A: "1", B: "2" }, { delay: "10s" }, { count: 3 }, "SIGTERM", "10s", "on-failure"],
    );
    const places = unmappedPlaces(r);
    assert.deepEqual(places.comments, places.warnings);
    for (const option of ["umask", "priority", "stdout_logfile", "stdout_capture_maxbytes", "stderr_events_enabled", "serverurl"]) {
      assert.match(r.stderr, new RegExp(`program\\.conf:\\d+: ${option}=`), option);
    }
    assert.match(r.stderr, /stopasgroup=false: tsgi always signals/);
    await passesCheck(r.file);
  });

  it("uWSGI's Django tutorial vassal: module, home → python, socket noted as uwsgi protocol", async () => {
    const r = await runImport([path.join(DOCS, "mysite_uwsgi.ini")]);
    assert.equal(r.code, 0, r.stderr);
    const s = site(r.yaml, "mysite_uwsgi");
    assert.deepEqual(
      [s["wsgi"], s["cwd"], s["python"], s["processes"], s["listen"]],
      ["project.wsgi:application", "/path/to/your/project", "/path/to/virtualenv/bin/python", 10, "unix:/path/to/your/project/mysite.sock"],
    );
    assert.match(r.stderr, /mysite_uwsgi\.ini:18: socket=.* uwsgi-protocol socket/);
  });

  it("docs/wsgi.md's mod_wsgi vhost becomes the site that page shows", async () => {
    const r = await runImport([path.join(DOCS, "shop.conf")]);
    assert.equal(r.code, 0, r.stderr);
    const shop = site(r.yaml, "shop");
    assert.deepEqual(
      {
        wsgi: shop["wsgi"],
        cwd: shop["cwd"],
        python: shop["python"],
        processes: shop["processes"],
        threads: shop["threads"],
        user: shop["user"],
        group: shop["group"],
        stopTimeout: shop["stopTimeout"],
        env: shop["env"],
      },
      {
        wsgi: "shop.wsgi:application",
        cwd: "/srv/shop/src",
        python: "/srv/shop/venv/bin/python",
        processes: 2,
        threads: 15,
        user: "shop",
        group: "shop",
        stopTimeout: "20s",
        env: {
          LANG: "en_US.UTF-8",
          LC_ALL: "en_US.UTF-8",
          SHOP_REGION: "eu",
          GUNICORN_CMD_ARGS: "--max-requests 1000 --max-requests-jitter 100",
        },
      },
    );
    assert.match(r.stderr, /shop\.conf:4: display-name=%\{GROUP\} has no tsgi equivalent/);
    assert.match(r.stderr, /ProxyPass \/static\/ !\n\s+ProxyPass \/ http:\/\/127\.0\.0\.1:8101\//);
  });
});

describe("bad input and the output file", () => {
  const cases: [string, string, string, RegExp][] = [
    [
      "supervisord.conf",
      "[program:web]\ncommand=node 'server.js\n",
      "supervisord",
      /supervisord\.conf:2:14: the single quote here is never closed/,
    ],
    [
      "supervisord.conf",
      "[program:web]\ncommand=x\nenvironment=A=%(ENV_NOPE)s\n",
      "supervisord",
      /supervisord\.conf:3:15: .*NOPE is not set/,
    ],
    ["vassal.ini", "[uwsgi]\nthis line has no value\n", "uwsgi", /vassal\.ini:2:1: .*is not an option\n\s+expected `key = value`/],
    ["Procfile", "web: node a.js\nnot a process\n", "procfile", /Procfile:2:1: `not a process` is not a process type/],
    ["ecosystem.json", '{\n  "apps": [\n    { "name": "a", }\n  ]\n}\n', "pm2", /ecosystem\.json:3:\d+: not JSON/],
    [
      "ecosystem.config.js",
      "module.exports = {\n  apps: [ { name: 'a' script: 'x' } ]\n};\n",
      "pm2",
      /ecosystem\.config\.js:2:\d+: SyntaxError/,
    ],
    [
      "site.conf",
      "<VirtualHost *:80>\n  WSGIDaemonProcess a\n</Directory>\n",
      "apache",
      /site\.conf:3:1: `<\/Directory>` closes `<VirtualHost>` \(line 1\)/,
    ],
    [
      "main.conf",
      "WSGIRestrictEmbedded On\n  Include conf.d/missing.conf\n",
      "apache",
      /main\.conf:2:3: Include conf\.d\/missing\.conf: .* does not exist/,
    ],
  ];
  for (const [name, text, format, expected] of cases) {
    it(`${format}: ${JSON.stringify(text.split("\n")[1])} → file:line:col and exit 2`, async () => {
      const dir = tempDir("tsgi-import-bad-");
      fs.writeFileSync(path.join(dir, name), text);
      if (name.endsWith(".js")) fs.writeFileSync(path.join(dir, "package.json"), '{"type":"commonjs"}');
      const r = await runImport([path.join(dir, name)]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, expected);
      assert.equal(r.yaml, "", "nothing written");
    });
  }

  it("refuses to overwrite --out without --force, and overwrites with it", async () => {
    const dir = tempDir("tsgi-import-out-");
    fs.writeFileSync(path.join(dir, "sites.yaml"), "mine\n");
    const r = await runImport([path.join(DOCS, "Procfile")], {}, dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /sites\.yaml exists; pass --force/);
    assert.equal(fs.readFileSync(r.file, "utf8"), "mine\n");
    const forced = await runImport([path.join(DOCS, "Procfile"), "--force"], {}, dir);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(fs.readFileSync(r.file, "utf8"), /^version: 1$/m);
  });

  it("asks for --from when the format cannot be told", async () => {
    const dir = tempDir("tsgi-import-what-");
    fs.writeFileSync(path.join(dir, "notes.txt"), "hello\n");
    const r = await runImport([path.join(dir, "notes.txt")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not recognised .*\n\s+expected --from pm2\|procfile\|supervisord\|uwsgi\|apache/);
  });
});

describe("round trip: export systemd of an imported file", () => {
  async function units(file: string): Promise<Map<string, string>> {
    const out = capture();
    const err = capture();
    const code = await exportCommand("systemd", file, [], { out: out.stream, err: err.stream });
    assert.equal(code, 0, err.text());
    const map = new Map<string, string>();
    for (const part of out.text().split(/^### /m).slice(1)) map.set(part.split("\n")[0] ?? "", part);
    return map;
  }
  const value = (unit: string | undefined, key: string): string[] =>
    [...(unit ?? "").matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].map((m) => m[1] ?? "");

  it("keeps supervisord's argv, environment and autorestart", async () => {
    const env = Object.fromEntries([...Array(10).keys()].map((i) => [`P${i}`, String(7100 + i)]));
    const r = await runImport([path.join(FIXTURES, "supervisord/supervisord.conf")], env);
    assert.equal(r.code, 0, r.stderr);
    const all = await units(r.file);
    const web = all.get("tsgi-web.service");
    assert.match(value(web, "ExecStart")[0] ?? "", /node \S+\/supervisord\/\.\.\/serve\.mjs --role "web front"$/);
    const webEnv = value(web, "Environment");
    for (const pair of ['"NAME=web"', '"PORT=7100"', '"GREETING=hello from supervisord"'])
      assert.ok(webEnv.includes(pair), `${pair} in ${webEnv.join(" ")}`);
    assert.deepEqual(value(web, "Restart"), ["always"], "autorestart=true");
    assert.deepEqual(value(all.get("tsgi-api.service"), "Restart"), ["on-failure"], "autorestart=unexpected");
    assert.deepEqual(value(all.get("tsgi-worker-2.service"), "Restart"), ["no"], "autorestart=false");
    assert.match(value(all.get("tsgi-worker-2.service"), "ExecStart")[0] ?? "", /node \.\.\/serve\.mjs 2$/);
    assert.deepEqual(value(all.get("tsgi-api.service"), "KillSignal"), ["SIGINT"]);
  });

  it("keeps PM2's argv, the chosen env set and its restart-on-every-exit", async () => {
    const r = await runImport([path.join(FIXTURES, "pm2/ecosystem.config.js"), "--env", "staging"], {
      API_PORT: "7201",
      WEB_PORT: "7202",
      WORKER_PORT: "7203",
    });
    assert.equal(r.code, 0, r.stderr);
    const all = await units(r.file);
    const api = all.get("tsgi-api@.service") ?? all.get("tsgi-api.service");
    assert.match(value(api, "ExecStart")[0] ?? "", /node \.\.\/serve\.mjs api --verbose$/);
    assert.ok(value(api, "Environment").includes('"GREETING=staging"'));
    assert.deepEqual(value(api, "Restart"), ["always"]);
    assert.deepEqual(value(all.get("tsgi-worker.service"), "Restart"), ["no"]);
    assert.match(value(all.get("tsgi-worker.service"), "ExecStart")[0] ?? "", /node --no-warnings \.\.\/serve\.mjs$/);
  });
});

describe("one mod_wsgi table for docs and import", () => {
  it("docs/wsgi.md holds the tables the importer maps through (run npm run gen:wsgi-table)", () => {
    // Run as a program, as the schema test runs gen-schema: tests import no scripts.
    const check = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/gen-wsgi-table.ts"), "--check"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(check.status, 0, check.stderr);
    const docs = fs.readFileSync(path.join(ROOT, "docs/wsgi.md"), "utf8");
    for (const row of DAEMON_OPTIONS) assert.ok(docs.includes(`| ${row.mod_wsgi} |`), row.mod_wsgi);
  });
});
