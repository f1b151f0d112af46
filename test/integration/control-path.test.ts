/**
 * A start-up guard for the control commands (`status`, `reload NAME`, …), which run once per
 * call and whose whole cost is their start-up: the modules they load, read from the module
 * loader (the hooks of `test/fixtures/start-path/`), not a stopwatch. No package at all, and only
 * the pinned project modules — the config loader (yaml, the validator, the kinds and execa behind
 * them) stays out unless the file is not in the plain form.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURES = path.join(ROOT, "test/fixtures/start-path");
const BUNDLE = path.join(ROOT, "dist/bundle/entry.cjs");

/** The project's modules a control command loads, as dist/ paths. */
const CONTROL_PATH_MODULES = [
  "cli/args.js",
  "cli/control-commands.js",
  "cli/main.js",
  "cli/status-table.js",
  "config/control-path.js",
  "config/only.js",
  "control/client.js",
  "control/protocol.js",
  "format/duration.js",
  "format/size.js",
];

interface Loads {
  readonly packages: string[];
  readonly modules: string[];
  readonly stderr: string;
}

async function loadsOf(argv: readonly string[], dir: string): Promise<Loads> {
  const record = path.join(dir, `loaded-${argv[0] ?? ""}.txt`);
  const child = spawn(
    process.execPath,
    ["--import", path.join(FIXTURES, "record-loads.mjs"), path.join(FIXTURES, "run-unbundled.mjs"), ...argv],
    {
      cwd: dir,
      env: { ...process.env, TSGI_LOAD_RECORD: record, NO_COLOR: "1", TSGI_CONTROL: "" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise((resolve) => child.once("exit", resolve));
  const urls = fs.readFileSync(record, "utf8").split("\n").filter(Boolean);
  const packages = new Set<string>();
  const modules = new Set<string>();
  for (const url of urls) {
    const file = url.startsWith("file:") ? fileURLToPath(url) : url;
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];
    if (pkg !== undefined) packages.add(pkg);
    else if (file.startsWith(path.join(ROOT, "dist") + path.sep)) modules.add(path.relative(path.join(ROOT, "dist"), file));
  }
  return { packages: [...packages].sort(), modules: [...modules].sort(), stderr };
}

describe("control path", () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("`status` and `reload NAME` load no package and only the pinned modules", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-control-path-"));
    dirs.push(dir);
    fs.writeFileSync(
      path.join(dir, "sites.yaml"),
      `version: 1\nsupervisor:\n  control: ./ctl.sock\nsites:\n  one:\n    command: [${JSON.stringify(process.execPath)}, -e, "0"]\n`,
    );
    for (const argv of [
      ["status", "-c", "sites.yaml"],
      ["reload", "one", "-c", "sites.yaml"],
    ]) {
      const loads = await loadsOf(argv, dir);
      // No supervisor runs: the command got as far as the socket, having found it in the file.
      assert.match(loads.stderr, /no supervisor is running on .*ctl\.sock/, argv.join(" "));
      assert.deepEqual(loads.packages, [], `${argv.join(" ")}: packages on the control path`);
      assert.deepEqual(
        loads.modules,
        CONTROL_PATH_MODULES,
        `${argv.join(" ")}: new modules on the control path — keep them off it, or pin them on purpose`,
      );
    }
  });

  it("the entry bundle bin/ loads holds those modules, the way to the run path, and no package (npm run build makes it)", () => {
    const text = fs.readFileSync(BUNDLE, "utf8");
    // esbuild heads each module it bundles with a `// path` comment.
    const bundled = [...new Set([...text.matchAll(/^\/\/ (\S+\.js)$/gm)].map((m) => m[1] ?? ""))].sort();
    assert.deepEqual(
      bundled.filter((file) => file.includes("node_modules/")),
      [],
      "packages in the control bundle",
    );
    // entry.ts reaches the run path through its own file (run.cjs) and the code cache's loader;
    // `run` and the commands after which the supervisor spawns warm the cgroup-migration lock.
    const runPath = ["cli/code-cache.js", "cli/entry.js", "host/cgroup.js", "host/migration-warmup.js", "runtime/v8-controls.js"];
    const expected = [...CONTROL_PATH_MODULES.filter((m) => m !== "cli/main.js"), "cli/control-main.js", ...runPath]
      .map((m) => `dist/${m}`)
      .sort();
    assert.deepEqual(bundled, expected);
  });

  it("a file the quick read cannot be sure of goes through the config loader, with the same answer", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-control-path-"));
    dirs.push(dir);
    fs.writeFileSync(
      path.join(dir, "sites.yaml"),
      `version: 1\nsupervisor: { control: "./flow.sock" }\nsites:\n  one:\n    command: [${JSON.stringify(process.execPath)}, -e, "0"]\n`,
    );
    const loads = await loadsOf(["status", "-c", "sites.yaml"], dir);
    assert.match(loads.stderr, /no supervisor is running on .*flow\.sock/);
    assert.ok(loads.packages.includes("yaml"), "the loader read the file");
    // A file that cannot be read: the loader's sentence, with the fix.
    const missing = await loadsOf(["status", "-c", "nope.yaml"], dir);
    assert.match(missing.stderr, /nope\.yaml:1:1: no such file\n {2}hint: create one with `tsgi-supervise init`/);
  });
});
