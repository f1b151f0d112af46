import assert from "node:assert/strict";
import { test } from "node:test";
import { deepEqual, diffConfigs } from "../../../src/config/diff.js";
import { loadConfigText } from "../../../src/config/load.js";
import type { ResolvedConfig } from "../../../src/config/types.js";
import { tempProject } from "./helpers.js";

const dir = tempProject();

function plan(yaml: string, env: NodeJS.ProcessEnv = { PATH: "/bin" }): ResolvedConfig {
  const result = loadConfigText(`version: 1\nsites:\n${yaml}`, `${dir}/sites.yaml`, { env });
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join("\n"));
  return result.config;
}

test("added, removed, changed (with fields and socketChanged), unchanged", () => {
  const before = plan(`
  same: {command: [a]}
  gone: {command: [b]}
  more: {command: [c], listen: 9001}
  moved: {command: [d], listen: 9002}
  env: {command: [e], env: {X: "1"}}
`);
  const after = plan(`
  new: {command: [f]}
  env: {command: [e], env: {X: "2"}}
  moved: {command: [d], listen: 9003}
  more: {command: [c], listen: 9001, processes: 4, restart: always}
  same: {command: [a]}
`);
  const diff = diffConfigs(before, after);
  assert.deepEqual(
    diff.added.map((s) => s.name),
    ["new"],
  );
  assert.deepEqual(
    diff.removed.map((s) => s.name),
    ["gone"],
  );
  assert.deepEqual(
    diff.unchanged.map((s) => s.name),
    ["same"],
  );
  assert.deepEqual(
    diff.changed.map((c) => [c.after.name, c.socketChanged, c.fields]),
    [
      ["env", false, ["env"]],
      ["moved", true, ["listen"]],
      ["more", false, ["processes", "restart"]],
    ],
  );
  const moved = diff.changed.find((c) => c.after.name === "moved");
  assert.equal(moved?.before.listen?.type === "tcp" && moved.before.listen.port, 9002);
});

test("identical files are all unchanged; a changed supervisor env changes the sites that inherit it", () => {
  const yaml = "  a: {command: [a]}\n  b: {command: [b], inheritEnv: [HOME]}\n";
  assert.deepEqual(
    diffConfigs(plan(yaml), plan(yaml)).unchanged.map((s) => s.name),
    ["a", "b"],
  );
  const diff = diffConfigs(plan(yaml, { PATH: "/bin" }), plan(yaml, { PATH: "/usr/bin" }));
  assert.deepEqual(
    diff.changed.map((c) => c.after.name),
    ["a"],
  );
  assert.deepEqual(
    diff.unchanged.map((s) => s.name),
    ["b"],
  );
});

test("deepEqual treats a missing key and an undefined one alike, and arrays by order", () => {
  assert.equal(deepEqual({ a: 1, b: undefined }, { a: 1 }), true);
  assert.equal(deepEqual([1, 2], [2, 1]), false);
  assert.equal(deepEqual({ a: [1, { b: "x" }] }, { a: [1, { b: "x" }] }), true);
  assert.equal(deepEqual({ a: [] }, { a: {} }), false);
  assert.equal(deepEqual(null, {}), false);
});

test("a change of hosts alone changes the site but not its processes", () => {
  const diff = diffConfigs(
    plan("  a: {command: [a], hosts: [a.example.com]}\n  b: {command: [b], hosts: [b.example.com]}\n"),
    plan("  a: {command: [a], hosts: [a.example.com, www.a.example.com]}\n  b: {command: [b, x], hosts: [b.example.org]}\n"),
  );
  assert.deepEqual(
    diff.changed.map((c) => [c.after.name, c.processesChanged, c.fields]),
    [
      ["a", false, ["hosts"]],
      ["b", true, ["kind", "hosts"]],
    ],
  );
});
