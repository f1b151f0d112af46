import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCommandLine } from "../../../src/cli/args.js";

const routerOf = (argv: string[]): number | undefined | string => {
  const parsed = parseCommandLine(argv, {});
  if (!parsed.ok) return parsed.message;
  return parsed.command.name === "run" ? parsed.command.router : "not run";
};

test("--router takes an optional port: 8000 without one", () => {
  assert.equal(routerOf(["sites.yaml"]), undefined);
  assert.equal(routerOf(["sites.yaml", "--router"]), 8000);
  assert.equal(routerOf(["--router", "sites.yaml", "--watch"]), 8000);
  assert.equal(routerOf(["run", "sites.yaml", "--router", "8080"]), 8080);
  assert.equal(routerOf(["sites.yaml", "--router=9000"]), 9000);
  assert.match(String(routerOf(["sites.yaml", "--router=70000"])), /--router takes a port from 1 to 65535, not `70000`/);
});
