/**
 * The pure pieces under the importers, on tables: supervisord's value syntax, shlex, the INI
 * reader, format detection, script → module, site names, and the writer's quoting (a literal
 * `${X}` in a source must reach the site as `${X}`, not be expanded by the loader).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { loadConfigText } from "../../src/config/load.js";
import { ImportContext } from "../../src/import/context.js";
import { detectFormat } from "../../src/import/detect.js";
import { readIni } from "../../src/import/ini.js";
import { needsShell, shlexSplit } from "../../src/import/shlex.js";
import { expandPercent, parseEnvironment } from "../../src/import/supervisord-values.js";
import { moduleForScript } from "../../src/import/wsgi-module.js";
import { renderSites } from "../../src/import/write-sites.js";
import { tempDir } from "../../kit/supervisor.js";
import { FIXTURES } from "./helpers.js";

describe("supervisord values", () => {
  it("expands %(name)s, %(ENV_X)s, widths and %%", () => {
    const vars = { program_name: "web", process_num: 3, ENV_HOME: "/home/a" };
    assert.deepEqual(expandPercent("%(program_name)s-%(process_num)02d %(ENV_HOME)s 100%%", vars), {
      ok: true,
      value: "web-03 /home/a 100%",
    });
    assert.deepEqual(expandPercent("a %(ENV_NOPE)s", vars), {
      ok: false,
      col: 3,
      message: "`%(ENV_NOPE)s`: the environment variable NOPE is not set",
    });
    assert.equal(expandPercent("50% off", vars).ok, false);
  });

  it("reads environment= as supervisord quotes it", () => {
    assert.deepEqual(parseEnvironment(`A="x, y",B='z' , C=plain,D=/usr/bin:/bin,E=""`), {
      ok: true,
      pairs: [
        ["A", "x, y"],
        ["B", "z"],
        ["C", "plain"],
        ["D", "/usr/bin:/bin"],
        ["E", ""],
      ],
    });
    assert.deepEqual(parseEnvironment('A="1",\n  B="2"'.replace(/\n/g, " ")), {
      ok: true,
      pairs: [
        ["A", "1"],
        ["B", "2"],
      ],
    });
    assert.deepEqual(parseEnvironment('A="open'), { ok: false, col: 3, message: "the quote opened here for `A` is never closed" });
    assert.equal(parseEnvironment("A=two words").ok, false);
    assert.equal(parseEnvironment("=x").ok, false);
  });
});

describe("shlex", () => {
  const table: [string, string[]][] = [
    ["node server.js --port 80", ["node", "server.js", "--port", "80"]],
    [`python -c 'print("a b")'`, ["python", "-c", 'print("a b")']],
    [`echo "a \\"q\\" b" c\\ d`, ["echo", 'a "q" b', "c d"]],
    [`x ""`, ["x", ""]],
  ];
  for (const [text, argv] of table) it(`splits ${text}`, () => assert.deepEqual(shlexSplit(text), { ok: true, argv }));
  it("names the column of an unclosed quote", () =>
    assert.deepEqual(shlexSplit(`a 'b`), { ok: false, col: 3, message: "the single quote here is never closed" }));
  it("knows what needs a shell", () => {
    for (const text of ["a && b", "a | b", "X=1 a", "echo $HOME", "a > log", "ls *.py", 'echo "$X"']) assert.ok(needsShell(text), text);
    for (const text of ["node a.js", "python -m http.server 8000", "echo 'a $b'", "a --x=1"]) assert.ok(!needsShell(text), text);
  });
});

describe("INI reader", () => {
  it("keeps lines, joins continuations and strips inline comments (supervisord)", () => {
    const read = readIni("; c\n[program:a]\ncommand = x ; note\nenvironment = A=1,\n  B=2\n", "f.conf", {
      continuation: true,
      inlineComments: true,
    });
    assert.ok(read.ok);
    assert.deepEqual(read.value[0]?.entries, [
      { key: "command", value: "x", line: 3, col: 11 },
      { key: "environment", value: "A=1,\nB=2", line: 4, col: 15 },
    ]);
  });
  it("keeps repeated keys and `;` inside values (uWSGI)", () => {
    const read = readIni("[uwsgi]\nenv = A=1\nenv = B=x;y\n", "v.ini", { continuation: false, inlineComments: false });
    assert.ok(read.ok);
    assert.deepEqual(
      read.value[0]?.entries.map((e) => e.value),
      ["A=1", "B=x;y"],
    );
  });
  it("fails with line and column", () => {
    assert.deepEqual(readIni("[a]\n  junk\n", "f", { continuation: false, inlineComments: false }), {
      ok: false,
      failure: {
        file: "f",
        line: 2,
        col: 3,
        message: "`junk` is not an option",
        expected: "`key = value`, a `[section]` header, or a comment (`;` or `#`)",
      },
    });
    assert.equal(readIni("key = 1\n", "f", { continuation: false, inlineComments: false }).ok, false);
    assert.equal(readIni("[open\n", "f", { continuation: false, inlineComments: false }).ok, false);
  });
});

describe("detection", () => {
  const table: [string, string | undefined][] = [
    ["supervisord/supervisord.conf", "supervisord"],
    ["supervisord/conf.d/jobs.conf", "supervisord"],
    ["pm2/ecosystem.config.js", "pm2"],
    ["docs/ecosystem.json", "pm2"],
    ["docs/ecosystem.yaml", "pm2"],
    ["procfile/Procfile", "procfile"],
    ["uwsgi/vassals", "uwsgi"],
    ["docs/mysite_uwsgi.ini", "uwsgi"],
    ["apache/sites.conf", "apache"],
    ["docs/shop.conf", "apache"],
    ["serve.mjs", "pm2"],
    ["uwsgi/app/hello.py", undefined],
  ];
  for (const [file, format] of table)
    it(`${file} → ${String(format)}`, () => assert.equal(detectFormat(path.join(FIXTURES, file)), format));
});

describe("script file → module", () => {
  it("finds the module under home= or python-path=, else the file's folder", () => {
    assert.deepEqual(moduleForScript("/srv/shop/src/shop/wsgi.py", ["/srv/shop/src"]), {
      ok: true,
      cwd: "/srv/shop/src",
      module: "shop.wsgi",
    });
    assert.deepEqual(moduleForScript("/srv/shop/src/shop/wsgi.py", ["/elsewhere"]), {
      ok: true,
      cwd: "/srv/shop/src/shop",
      module: "wsgi",
    });
    assert.equal(moduleForScript("/srv/app/django.wsgi", []).ok, false);
    assert.deepEqual(moduleForScript("/srv/my-app/wsgi.py", ["/srv"]), { ok: true, cwd: "/srv/my-app", module: "wsgi" });
  });
});

describe("site names and the writer", () => {
  it("makes names valid and unique, and says so", () => {
    const ctx = new ImportContext({ outDir: "/x", env: {}, envName: undefined, portBase: 8101 });
    const at = { file: "f", line: 1 };
    assert.deepEqual(
      ["My App", "web", "web", "_x", "Ünïcode"].map((n) => ctx.site(n, at, n).name),
      ["my-app", "web", "web-2", "x", "n-code"],
    );
    assert.match(JSON.stringify(ctx.site("Web", at, "Web").lines), /named `web-3`/);
  });

  it("writes values the loader reads back as the source meant them", () => {
    const ctx = new ImportContext({ outDir: "/x", env: {}, envName: undefined, portBase: 8101 });
    const site = ctx.site("a", { file: "f", line: 3 }, "[program:a]");
    site.set("command", ["sh", "-c", 'echo "${HOME}" yes: #1']);
    site.env("LITERAL", "${NOT_EXPANDED} and $PLAIN");
    site.env("YES", "yes");
    site.env("NUM", "0700");
    site.note("a comment\nover two lines");
    const text = renderSites({ inputs: ["f"], format: "supervisord", notes: ["top note"], sites: [site.done()] });
    assert.ok(text.includes("\n  # [program:a] (f:3)\n"));
    assert.ok(text.includes("\n    # over two lines\n"));
    const loaded = loadConfigText(text, path.join(tempDir("tsgi-import-w-"), "sites.yaml"), { env: {} });
    assert.ok(loaded.ok, JSON.stringify(loaded));
    const [resolved] = loaded.config.sites;
    assert.ok(resolved);
    assert.deepEqual(resolved.kind, { type: "command", argv: ["sh", "-c", 'echo "${HOME}" yes: #1'] });
    assert.deepEqual([resolved.env["LITERAL"], resolved.env["YES"], resolved.env["NUM"]], ["${NOT_EXPANDED} and $PLAIN", "yes", "0700"]);
  });
});
