/**
 * `processes:` as a fixed count or as `{min, max, idle}`: the defaults of the object form,
 * `defaults:` applying it, and the rules between its keys (the single-error cases are in the
 * bad-configs corpus).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadErrors, loadOk, site } from "./helpers.js";

test("a fixed count has no scaling", async () => {
  const { config } = await loadOk("version: 1\nsites:\n  web:\n    command: [a]\n    processes: 3\n");
  assert.equal(site(config, "web").processes, 3);
  assert.equal(site(config, "web").scaling, undefined);
});

test("{min, max, idle}: as written; a start runs max(min, 1)", async () => {
  const { config } = await loadOk(
    "version: 1\nsites:\n  web:\n    command: [a]\n    listen: 9301\n    processes: {min: 2, max: 5, idle: 90s}\n",
  );
  assert.deepEqual(site(config, "web").scaling, { min: 2, max: 5, idleMs: 90_000 });
  assert.equal(site(config, "web").processes, 2);
});

test("{}: scale to zero, one process at most, idle after 10 minutes", async () => {
  const { config } = await loadOk("version: 1\nsites:\n  web:\n    command: [a]\n    listen: 9302\n    processes: {}\n");
  assert.deepEqual(site(config, "web").scaling, { min: 0, max: 1, idleMs: 600_000 });
  assert.equal(site(config, "web").processes, 1);
});

test("defaults.processes scales every site; one without listen is named", async () => {
  const errors = await loadErrors(
    "version: 1\ndefaults:\n  processes: {min: 0, max: 2}\nsites:\n  web:\n    command: [a]\n    listen: 9303\n  worker:\n    command: [b]\n",
  );
  assert.equal(errors.length, 1, errors.map((e) => e.message).join("\n"));
  assert.match(errors[0]?.message ?? "", /site `worker`: `processes: \{min, max, idle\}` needs `listen`/);
  assert.deepEqual([errors[0]?.line, errors[0]?.col], [3, 3]);
});

test("a site's own fixed count wins over a scaled default", async () => {
  const { config } = await loadOk(
    "version: 1\ndefaults:\n  processes: {max: 2}\nsites:\n  web:\n    command: [a]\n    listen: 9304\n  worker:\n    command: [b]\n    processes: 1\n",
  );
  assert.deepEqual(site(config, "web").scaling, { min: 0, max: 2, idleMs: 600_000 });
  assert.equal(site(config, "worker").scaling, undefined);
});
