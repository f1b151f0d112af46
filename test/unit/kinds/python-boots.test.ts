/**
 * Every Python program tsgi hands an interpreter is valid Python: a slip in a TypeScript template
 * (a `\n` where Python wanted `\\n`) would otherwise show only as sites that never start.
 * One interpreter parses them all (`ast.parse`, nothing runs).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { ASGI_BOOT } from "../../../src/kinds/asgi-boot.js";
import { GUNICORN_BOOT } from "../../../src/kinds/gunicorn-boot.js";
import { MIDDLEWARE_CHECK } from "../../../src/kinds/python-middleware.js";
import { UWSGI_APP_BOOT, UWSGI_LAUNCH } from "../../../src/kinds/uwsgi-boot.js";

const PARSE_ALL = `
import ast, json, sys
for name, code in json.load(sys.stdin).items():
    try:
        ast.parse(code, filename=name)
    except SyntaxError as error:
        print("%s:%s:%s: %s: %r" % (name, error.lineno, error.offset, error.msg, error.text))
`;

describe("the Python boots", () => {
  it("parse as Python 3", () => {
    const programs = { ASGI_BOOT, GUNICORN_BOOT, MIDDLEWARE_CHECK, UWSGI_APP_BOOT, UWSGI_LAUNCH };
    const result = spawnSync("python3", ["-c", PARSE_ALL], { input: JSON.stringify(programs), encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "", "syntax errors");
  });
});
