/**
 * A start-up regression guard that is not a stopwatch: the packages the supervisor loads before
 * its first spawn, read from the module loader itself (an ESM loader hook and CommonJS's
 * `Module._load`, see `test/fixtures/start-path/`). A change that pulls another dependency into
 * the start path — chokidar without `--watch`, an exporter, the dashboard — fails here and has to
 * update the list on purpose. And the bundled build's way in: `run` from `entry.cjs`, without
 * the ES module bundle (its loader's set-up was ~10 ms of a one-site start).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { waitFor } from "../../kit/wait-for.js";
import { PREBUILT } from "../../src/native/libc.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURES = path.join(ROOT, "test/fixtures/start-path");

/**
 * Packages of the run path before the first spawn: the config (yaml), spawning (execa), and libc
 * through koffi's prebuilt binary — the subreaper bit must be set before a site can orphan a
 * process, or that process is re-parented to init, out of reach. Where libc.ts knows the binary's
 * place (`PREBUILT`) it is required directly (`src/native/libc.ts`), without koffi's own entry,
 * which finds it at run time in 6–9 ms of uncached JavaScript; elsewhere through that entry. Not
 * winston and its packages: the log is loaded once the first process is spawned
 * (`src/logging/deferred-log.ts`).
 */
const START_PATH_PACKAGES = [
  ...(PREBUILT[`${process.platform}-${process.arch}`] === undefined ? ["koffi"] : []),
  "@sec-ant/readable-stream",
  "@sindresorhus/merge-streams",
  "cross-spawn",
  "execa",
  "figures",
  "get-stream",
  "human-signals",
  "is-plain-obj",
  "is-stream",
  "is-unicode-supported",
  "isexe",
  "npm-run-path",
  "parse-ms",
  "path-key",
  "picomatch",
  "pretty-ms",
  "shebang-command",
  "shebang-regex",
  "shell-quote",
  "signal-exit",
  "strip-final-newline",
  "unicorn-magic",
  "which",
  "yaml",
  "yoctocolors",
];

/** `node_modules/@scope/name/...` or `node_modules/name/...` → the package; project files → undefined. */
function packageOf(file: string): string | undefined {
  const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  return match?.[1];
}

describe("start path", () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  interface Recorded {
    readonly dir: string;
    /** What record-loads.mjs wrote so far. */
    readonly record: string;
    /** The supervisor's stdout so far. */
    readonly stdout: string;
  }

  /**
   * A supervisor started as `entry` (the script and its arguments before the config file) on
   * `yaml`, `args` after the file, with record-loads.mjs recording; waits for what `until` finds
   * in the record and the output, then stops the supervisor.
   */
  async function recordedRun<T>(
    entry: readonly string[],
    yaml: string,
    args: readonly string[],
    what: string,
    until: (seen: Recorded) => T | undefined,
  ): Promise<Recorded & { readonly found: T }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-start-path-"));
    dirs.push(dir);
    const recordFile = path.join(dir, "loaded.txt");
    fs.writeFileSync(path.join(dir, "sites.yaml"), yaml);
    const child = spawn(
      process.execPath,
      ["--import", path.join(FIXTURES, "record-loads.mjs"), ...entry, path.join(dir, "sites.yaml"), ...args],
      {
        cwd: dir,
        env: { ...process.env, TSGI_LOAD_RECORD: recordFile, NO_COLOR: "1", TSGI_CGROUP: "off" },
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    const exited = new Promise((resolve) => child.once("exit", resolve));
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const seen = (): Recorded => ({ dir, record: fs.existsSync(recordFile) ? fs.readFileSync(recordFile, "utf8") : "", stdout });
    try {
      const found = await waitFor(what, () => until(seen()), { timeoutMs: 30_000 });
      return { ...seen(), found };
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  }

  /** What the module loader recorded before the supervisor's first spawn, on a one-site config. */
  async function loadedBeforeFirstSpawn(entry: readonly string[]): Promise<string[]> {
    const yaml = `version: 1\nsites:\n  one:\n    command: [${JSON.stringify(process.execPath)}, -e, "setInterval(() => {}, 1000)"]\n`;
    const run = await recordedRun(entry, yaml, [], "the supervisor spawned its first process", ({ record }) => {
      const end = record.indexOf("SPAWN\n");
      return end === -1 ? undefined : record.slice(0, end).split("\n").filter(Boolean);
    });
    return run.found;
  }

  it("loads only the pinned packages before the first site process is spawned", async () => {
    const lines = await loadedBeforeFirstSpawn([path.join(FIXTURES, "run-unbundled.mjs")]);
    const loaded = [...new Set(lines.map(packageOf).filter((name): name is string => name !== undefined))].sort();
    // Only additions fail: a package some dependency loads lazily may come just after the spawn.
    // koffi's prebuilt binary comes in a package named for the platform (`@koromix/koffi-linux-x64`).
    const extra = loaded.filter((name) => !START_PATH_PACKAGES.includes(name) && !name.startsWith("@koromix/koffi-"));
    assert.deepEqual(extra, [], "new packages on the start path: add them to START_PATH_PACKAGES only if start-up needs them");
    for (const needed of ["execa", "yaml"]) assert.ok(loaded.includes(needed), `the record saw ${needed}, which the run path needs`);
    assert.ok(!loaded.includes("winston"), "winston is loaded once the first process is spawned, not before");
    assert.ok(!loaded.includes("chokidar"), "chokidar is loaded only when something is watched");
  });

  it("the bundled supervisor stamps its console and its site files without a local-time Date method (each sets up ICU's time zones)", async () => {
    // Node 20's V8 works out the local zone even for toISOString: its first call costs ~5 ms and
    // ~1 MiB of ICU resident for good (src/format/iso-time.ts). Both stamps run here: the JSON
    // console's events and output, and the site's log file.
    const yaml = `version: 1\nsupervisor:\n  logs: ./logs\nsites:\n  one:\n    command: [${JSON.stringify(process.execPath)}, -e, "console.log('hello'); setInterval(() => {}, 1000)"]\n`;
    const run = await recordedRun(
      [path.join(ROOT, "bin/tsgi-supervise.js"), "run"],
      yaml,
      ["--log-format", "json"],
      "the site's line in its log file and on the console, both stamped",
      ({ dir, stdout }) => {
        const logFile = path.join(dir, "logs", "one.log");
        const file = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
        return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z hello$/m.test(file) && /"message":"hello".*"timestamp":"\d{4}-/.test(stdout)
          ? true
          : undefined;
      },
    );
    assert.match(run.stdout, /"event":"state".*"timestamp":"\d{4}-\d\d-\d\dT[\d:.]+Z"/, "events are stamped too");
    const calls = run.record.split("\n").filter((line) => line.startsWith("TIME "));
    assert.deepEqual(calls, [], "a local-time Date method on the supervisor's path: stamp with isoTime() (src/format/iso-time.ts)");
  });

  it("the bundled supervisor leaves its stdin, node:fs/promises and node:timers/promises alone until its first spawn", async () => {
    // execa reads process.stdin as it loads, and on /dev/null that makes an fs.ReadStream, which
    // loads node:fs/promises and readline; both promise modules are imported at the top of
    // bundled modules that call them later. scripts/build.mjs defers each (lazyStandardStreams,
    // LAZY_NODE_MODULES): ~4 ms of a one-site start-up, measured.
    const yaml = `version: 1\nsites:\n  one:\n    command: [${JSON.stringify(process.execPath)}, -e, "setInterval(() => {}, 1000)"]\n`;
    const run = await recordedRun(
      [path.join(ROOT, "bin/tsgi-supervise.js"), "run"],
      yaml,
      [],
      "the supervisor spawned its first process",
      ({ record }) => (record.includes("SPAWN\n") ? record.slice(record.indexOf("SPAWN\n")).split("\n") : undefined),
    );
    const node = run.found.filter((line) => line.startsWith("NODE NativeModule ")).map((line) => line.slice("NODE NativeModule ".length));
    // execa imports node:tty, the code cache node:vm (the recording itself has neither).
    assert.ok(node.includes("tty") && node.includes("vm"), `the record saw the run path load Node's modules (${node.join(", ")})`);
    for (const early of ["fs/promises", "timers/promises", "internal/fs/streams", "internal/readline/interface"])
      assert.ok(!node.includes(early), `${early} loaded before the first spawn`);
    assert.ok(!run.found.includes("STDIN"), "process.stdin was read before the first spawn");
  });

  it("the bundled build starts from entry.cjs: before the first spawn no ES module of the project, no package", async () => {
    const lines = await loadedBeforeFirstSpawn([path.join(ROOT, "bin/tsgi-supervise.js"), "run"]);
    const files = [...new Set(lines.map((line) => (line.startsWith("file:") ? fileURLToPath(line) : line)))];
    // run.cjs is compiled through the code cache (vm.Script), not by a loader: it is not in the record.
    assert.deepEqual(
      files.map((file) => path.relative(ROOT, file)),
      ["bin/tsgi-supervise.js", "dist/bundle/entry.cjs"],
      "what bin/ loads before the first spawn: run must start from entry.cjs, without main.js and its chunks",
    );
    // The one ES module URL is bin/ itself: --import (the recording) hands the entry to the ESM loader.
    assert.deepEqual(
      lines.filter((line) => line.startsWith("file:")),
      [pathToFileURL(path.join(ROOT, "bin/tsgi-supervise.js")).href],
    );
  });
});
