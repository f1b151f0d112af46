import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import { test } from "node:test";
import { controlMain } from "../../../src/cli/control-main.js";
import { parseCommandLine } from "../../../src/cli/args.js";
import { entryMain, RUN_BUNDLE, warmsForSpawn } from "../../../src/cli/entry.js";
import { jitOn } from "../../../src/runtime/v8-controls.js";

test("control-main.ts declines every command but the control commands, which entry.ts then looks at", () => {
  for (const argv of [["run", "sites.yaml"], ["sites.yaml"], ["check"], ["dashboard"], ["--version"], ["help"], ["status", "--bogus"]])
    assert.equal(controlMain(argv), undefined, argv.join(" "));
});

test("the commands after which the supervisor spawns warm the cgroup-migration lock; the others do not", () => {
  const warms = (argv: string[]): boolean => {
    const parsed = parseCommandLine(argv);
    assert.ok(parsed.ok, argv.join(" "));
    return warmsForSpawn(parsed.command);
  };
  for (const argv of [["reload", "web"], ["restart", "web"], ["start", "web"], ["reload-config"]])
    assert.equal(warms(argv), true, argv.join(" "));
  for (const argv of [["stop", "web"], ["status"], ["logs", "web"], ["run", "sites.yaml"], ["check"]])
    assert.equal(warms(argv), false, argv.join(" "));
});

test("entry.ts declines what main.ts runs, and `run` when the run path's bundle is not beside it", () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-entry-"));
  try {
    for (const argv of [
      ["check"],
      ["init", "x.yaml"],
      ["export", "systemd"],
      ["--version"],
      ["help"],
      ["run", "--bogus"],
      ["run", "sites.yaml"],
      ["sites.yaml"],
    ])
      assert.equal(entryMain(argv, empty), undefined, argv.join(" "));
    // With the file there, `run` is taken: a bundle that throws shows it is the one loaded.
    fs.writeFileSync(path.join(empty, RUN_BUNDLE), '(function () { throw new Error("the run bundle was loaded"); })');
    assert.throws(() => entryMain(["run", "sites.yaml"], empty), /the run bundle was loaded/);
    assert.throws(() => entryMain(["sites.yaml"], empty), /the run bundle was loaded/);
    assert.equal(entryMain(["check", "sites.yaml"], empty), undefined);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
    // Taking `run` held V8 as for a start-up (v8-controls.ts holdDuringStartUp); the tests after
    // this one in the same process get V8 as it was.
    jitOn();
    v8.setFlagsFromString("--semi-space-growth-factor=2");
  }
});
