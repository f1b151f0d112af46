import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCommandLine } from "../../../src/cli/args.js";
import { checkOnly, onlySites, parseOnly } from "../../../src/config/only.js";
import type { ResolvedConfig } from "../../../src/config/types.js";
import { resolvedSite } from "../../../kit/resolved-site.js";

const config = {
  file: "/srv/sites.yaml",
  sites: [resolvedSite({ name: "web" }), resolvedSite({ name: "api" }), resolvedSite({ name: "jobs" })],
} as unknown as ResolvedConfig;

test("--only is a comma list, spaces and empty names dropped; absent is undefined", () => {
  assert.deepEqual(parseOnly(" web, ,api "), ["web", "api"]);
  assert.equal(parseOnly(undefined), undefined);
  const parsed = parseCommandLine(["sites.yaml", "--only", "web,api"], {});
  assert.ok(parsed.ok && parsed.command.name === "run");
  assert.deepEqual(parsed.command.only, ["web", "api"]);
});

test("a name that is no site of the file is refused, naming it and the sites there are", () => {
  assert.deepEqual(checkOnly(config, ["web", "nope"]), {
    ok: false,
    message: "--only: no site `nope` in /srv/sites.yaml (sites: web, api, jobs)",
  });
  assert.equal(checkOnly(config, []).ok, false);
  assert.equal(checkOnly(config, ["api"]).ok, true);
  assert.equal(checkOnly(config, undefined).ok, true);
});

test("onlySites keeps the named sites in file order, and all of them without --only", () => {
  assert.deepEqual(
    onlySites(config, ["jobs", "web"]).sites.map((site) => site.name),
    ["web", "jobs"],
  );
  assert.equal(onlySites(config, undefined), config);
});
