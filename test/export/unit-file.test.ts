import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { envAssignment, execLine, execWord, literal, renderUnit, timespan } from "../../src/export/unit-file.js";

describe("unit-file quoting", () => {
  it("leaves plain words alone", () => {
    assert.equal(
      execLine(["/usr/bin/python3", "-m", "gunicorn", "--bind", "0.0.0.0:80", "a.wsgi:app"]),
      "/usr/bin/python3 -m gunicorn --bind 0.0.0.0:80 a.wsgi:app",
    );
  });

  it("quotes words with spaces, quotes and backslashes, with C escapes", () => {
    assert.equal(execWord("legacy web"), '"legacy web"');
    assert.equal(execWord('say "hi"'), '"say \\"hi\\""');
    assert.equal(execWord("a\\b"), '"a\\\\b"');
    assert.equal(execWord("two\nlines"), '"two\\nlines"');
    assert.equal(execWord(""), '""');
  });

  it("doubles % (specifiers) and $ (variables) in ExecStart", () => {
    assert.equal(execWord("100%"), '"100%%"');
    assert.equal(execWord("$HOME"), '"$$HOME"');
    assert.equal(execWord("${X}"), '"$${X}"');
  });

  it("never lets a lone ; split the command line", () => {
    assert.equal(execWord(";"), "\\;");
    assert.equal(execWord("a;b"), '"a;b"');
  });

  it("writes Environment= as one quoted word; $ is literal there, % is not", () => {
    assert.equal(envAssignment("A", "x y"), '"A=x y"');
    assert.equal(envAssignment("A", '50% "off" $HOME'), '"A=50%% \\"off\\" $HOME"');
    assert.equal(envAssignment("A", "l1\nl2"), '"A=l1\\nl2"');
  });

  it("keeps literal values on one line with % doubled", () => {
    assert.equal(literal("/srv/100%/app"), "/srv/100%%/app");
    assert.equal(literal("a\nb"), "a b");
  });

  it("formats time spans the way systemd reads them", () => {
    assert.equal(timespan(100), "100ms");
    assert.equal(timespan(1500), "1500ms");
    assert.equal(timespan(30_000), "30s");
    assert.equal(timespan(90_000), "90s");
    assert.equal(timespan(300_000), "5min");
  });

  it("renders comments on lines of their own (systemd has no trailing comments)", () => {
    const text = renderUnit({
      name: "x.service",
      header: ["first", "second\nthird"],
      sections: [{ name: "Service", lines: [{ comment: "why" }, { key: "Type", value: "exec" }] }],
    });
    assert.equal(text, "# first\n# second\n# third\n\n[Service]\n# why\nType=exec\n");
  });
});
