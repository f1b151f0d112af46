import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseCommandLine } from "../../../src/cli/args.js";
import { controlMain } from "../../../src/cli/control-main.js";
import { CONTROL_ACTIONS } from "../../../src/control/protocol.js";

/** The names bin/tsgi-supervise.js sends to the control bundle before loading anything else. */
function binControlCommands(): string[] {
  const text = readFileSync(new URL("../../../bin/tsgi-supervise.js", import.meta.url), "utf8");
  const list = /const CONTROL_COMMANDS = new Set\(\[([^\]]*)\]\)/.exec(text)?.[1];
  assert.ok(list !== undefined, "bin/tsgi-supervise.js declares CONTROL_COMMANDS");
  return [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? "");
}

test("bin/ routes exactly the commands control-main.ts runs to the control bundle", () => {
  const expected = ["status", ...CONTROL_ACTIONS, "reload-config", "logs"];
  assert.deepEqual(binControlCommands().sort(), [...expected].sort());
  for (const name of expected) {
    const parsed = parseCommandLine(name === "logs" || CONTROL_ACTIONS.includes(name as never) ? [name, "web"] : [name], {});
    assert.ok(parsed.ok, name);
    assert.ok(["status", "action", "reload-config", "logs"].includes(parsed.command.name), `${name} is a control command`);
  }
});

test("control-main.ts declines every other command, which main.ts then runs", () => {
  for (const argv of [["run", "sites.yaml"], ["sites.yaml"], ["check"], ["dashboard"], ["--version"], ["help"], ["status", "--bogus"]])
    assert.equal(controlMain(argv), undefined, argv.join(" "));
});
