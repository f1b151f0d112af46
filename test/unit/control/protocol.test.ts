import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCommandLine } from "../../../src/cli/args.js";
import { CONTROL_ACTIONS, controlPaths, isControlAction } from "../../../src/control/protocol.js";

test("the paths encode site names, so a name cannot reach another path", () => {
  assert.equal(controlPaths.action("a/../b", "reload"), "/v1/sites/a%2F..%2Fb/reload");
  assert.equal(controlPaths.logs("web", { lines: 20, follow: true }), "/v1/sites/web/logs?lines=20&follow=1");
  assert.equal(controlPaths.logs("web", { lines: 0, follow: false }), "/v1/sites/web/logs?lines=0");
});

test("every control action is a command of the CLI, and nothing else is an action", () => {
  for (const action of CONTROL_ACTIONS) {
    const parsed = parseCommandLine([action, "web"], {});
    assert.ok(parsed.ok && parsed.command.name === "action", action);
    assert.equal(parsed.command.action, action);
  }
  assert.equal(isControlAction("logs"), false);
  assert.equal(isControlAction("explode"), false);
});
