/** `dependsOn`: cycles found with their path, dependencies closed over, start and stop order. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { findCycle } from "../../../src/config/dependencies.js";
import { dependents, inDependencyOrder, withDependencies } from "../../../src/supervisor/start-order.js";

const graph = new Map<string, readonly string[]>([
  ["web", ["api", "cache"]],
  ["api", ["db"]],
  ["cache", []],
  ["db", []],
  ["lone", []],
]);

test("findCycle: none in a DAG; the path of one otherwise", () => {
  assert.equal(findCycle(graph), undefined);
  assert.deepEqual(
    findCycle(
      new Map([
        ["a", ["b"]],
        ["b", ["c"]],
        ["c", ["a"]],
      ]),
    ),
    ["a", "b", "c", "a"],
  );
  assert.deepEqual(
    findCycle(
      new Map([
        ["x", ["y"]],
        ["y", ["y"]],
      ]),
    ),
    ["y", "y"],
  );
});

test("withDependencies and dependents", () => {
  assert.deepEqual([...withDependencies(["web"], graph)].sort(), ["api", "cache", "db", "web"]);
  assert.deepEqual([...withDependencies(["lone"], graph)], ["lone"]);
  assert.deepEqual(dependents(graph).get("db"), ["api"]);
});

test("inDependencyOrder: each runs after what it waits for succeeded; a failure blocks its dependents only", async () => {
  const log: string[] = [];
  const run = async (name: string): Promise<boolean> => {
    log.push(`start ${name}`);
    await new Promise((resolve) => setImmediate(resolve));
    log.push(`ready ${name}`);
    return name !== "cache";
  };
  const result = await inDependencyOrder(
    [...graph.keys()],
    (name) => graph.get(name) ?? [],
    run,
    (ok) => ok,
  );
  assert.ok(log.indexOf("ready db") < log.indexOf("start api"));
  assert.equal(log.includes("start web"), false);
  assert.deepEqual(result.get("web"), { ran: false, blockedBy: "cache" });
  assert.deepEqual(result.get("api"), { ran: true, result: true });
  // Stop order: the reverse graph.
  const stops: string[] = [];
  const users = dependents(graph);
  await inDependencyOrder(
    [...graph.keys()],
    (name) => users.get(name) ?? [],
    (name) => {
      stops.push(name);
      return Promise.resolve();
    },
    () => true,
  );
  assert.ok(stops.indexOf("web") < stops.indexOf("api") && stops.indexOf("api") < stops.indexOf("db"));
});
