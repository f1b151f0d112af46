/**
 * The published package carries the page: its files are in `npm pack`, and uPlot (served from
 * node_modules) is a runtime dependency, not a dev one.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { it } from "node:test";
import { ROOT } from "../../kit/supervisor.js";

it("npm pack includes every file of the page, and uPlot is a dependency", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" });
  const files = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path));
  const page = fs.readdirSync(path.join(ROOT, "src/dashboard/page"));
  assert.ok(page.includes("index.html") && page.includes("app.js"));
  for (const name of page) assert.ok(files.has(`src/dashboard/page/${name}`), `src/dashboard/page/${name} is not published`);
  assert.ok(files.has("dist/dashboard/assets.js"));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  assert.ok(pkg.dependencies["uplot"] !== undefined && pkg.dependencies["prom-client"] !== undefined);
});
