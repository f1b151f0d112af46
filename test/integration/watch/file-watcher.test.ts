import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import {
  chokidarFactory,
  createFileWatcher,
  type ChangeKind,
  type FileWatcher,
  type WatchFactory,
} from "../../../src/watch/file-watcher.js";
import { waitFor } from "../../../kit/wait-for.js";

const dirs: string[] = [];
const watchers: FileWatcher[] = [];
after(async () => {
  await Promise.all(watchers.map((w) => w.close()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-watcher-"));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, "app.ts"), "export const a = 1;\n");
  return dir;
}

/** A native watch that fails the way inotify does when `max_user_watches` is exhausted. */
function exhaustedInotify(code: string): { factory: WatchFactory; calls: { usePolling: boolean; roots: readonly string[] }[] } {
  const calls: { usePolling: boolean; roots: readonly string[] }[] = [];
  const factory: WatchFactory = (roots, settings, events) => {
    calls.push({ usePolling: settings.usePolling, roots });
    if (settings.usePolling) return chokidarFactory(roots, settings, events);
    const error = Object.assign(new Error(`${code}: System limit for number of file watchers reached, watch '${roots[0]}'`), { code });
    events.error(error);
    return { add() {}, has: () => false, close: () => Promise.resolve() };
  };
  return { factory, calls };
}

/**
 * Saves `file` (new content each time) until the watcher reports it. A poller (fs.watchFile)
 * takes its baseline stat asynchronously after it is set up, on libuv's thread pool: a save
 * made before that stat ran is part of the baseline and never reported. Under load the stat
 * comes late, so one save right after `ready`/`add` was missed and the wait timed out. What the
 * test proves is that saves after the poller's baseline are seen, so it keeps saving.
 */
async function savedUntilSeen(what: string, file: string, seen: readonly string[]): Promise<void> {
  let n = 0;
  await waitFor(what, async () => {
    n += 1;
    fs.writeFileSync(file, `export const a = ${n}; // save ${n}\n`);
    await new Promise((resolve) => setTimeout(resolve, 120));
    return seen.includes(file);
  });
}

describe("file watcher", () => {
  it("sees a plain write and an atomic save (write temp, rename over) as changes", async () => {
    const dir = folder();
    const file = path.join(dir, "app.ts");
    const seen: [string, ChangeKind][] = [];
    const watcher = createFileWatcher({ roots: [dir], ignored: () => false, onChange: (f, k) => seen.push([f, k]), onWarning: () => {} });
    watchers.push(watcher);
    await watcher.ready;
    fs.writeFileSync(file, "export const a = 2;\n");
    await waitFor("the plain write seen", () => seen.some(([f, k]) => f === file && k === "change"));
    // Another file: chokidar drops a second change of one path within 50 ms (hot reload's
    // debounce is never shorter, so the reload still reads the later save).
    const other = path.join(dir, "other.ts");
    fs.writeFileSync(other, "export const b = 1;\n");
    await waitFor("the new file seen", () => seen.some(([f, k]) => f === other && k === "add"));
    seen.length = 0;
    fs.writeFileSync(`${other}.tmp`, "export const b = 2;\n");
    fs.renameSync(`${other}.tmp`, other);
    await waitFor("the atomic save seen", () => seen.some(([f]) => f === other));
    assert.ok(!seen.some(([f, k]) => f === other && k === "unlink"), `the real file was never reported gone: ${JSON.stringify(seen)}`);
  });

  it("on ENOSPC says how to raise fs.inotify.max_user_watches and falls back to polling that still sees changes", async () => {
    const dir = folder();
    const outside = folder();
    const file = path.join(dir, "app.ts");
    const extra = path.join(outside, "app.ts");
    const { factory, calls } = exhaustedInotify("ENOSPC");
    const warnings: string[] = [];
    const seen: string[] = [];
    const watcher = createFileWatcher({
      roots: [dir],
      ignored: () => false,
      onChange: (f) => seen.push(f),
      onWarning: (m) => warnings.push(m),
      factory,
      pollIntervalMs: 50,
    });
    watchers.push(watcher);
    await watcher.ready;
    assert.equal(watcher.polling, true);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", /ENOSPC/);
    assert.match(warnings[0] ?? "", /sudo sysctl fs\.inotify\.max_user_watches=\d+/);
    assert.match(warnings[0] ?? "", /polling/);
    assert.match(warnings[0] ?? "", new RegExp(dir));
    assert.deepEqual(
      calls.map((c) => c.usePolling),
      [false, true],
    );
    await savedUntilSeen("the polling watcher sees the change", file, seen);
    await watcher.add(extra);
    await savedUntilSeen("the polling watcher sees a file added later", extra, seen);
  });

  it("files added before the fallback are carried over to the polling watcher", async () => {
    const dir = folder();
    const outside = folder();
    const extra = path.join(outside, "app.ts");
    let fail: (() => void) | undefined;
    const calls: { usePolling: boolean; roots: readonly string[] }[] = [];
    const factory: WatchFactory = (roots, settings, events) => {
      calls.push({ usePolling: settings.usePolling, roots });
      if (!settings.usePolling) fail = () => events.error(Object.assign(new Error("ENOSPC"), { code: "ENOSPC" }));
      return chokidarFactory(roots, settings, events);
    };
    const warnings: string[] = [];
    const seen: string[] = [];
    const watcher = createFileWatcher({
      roots: [dir],
      ignored: () => false,
      onChange: (f) => seen.push(f),
      onWarning: (m) => warnings.push(m),
      factory,
      pollIntervalMs: 50,
    });
    watchers.push(watcher);
    await watcher.ready;
    await watcher.add(extra);
    fail?.();
    await waitFor("fallen back", () => watcher.polling);
    assert.deepEqual(calls[1], { usePolling: true, roots: [dir, extra] });
    // Give the polling watcher its first stat of the file before changing it.
    await waitFor("polling watcher watches the file", async () => {
      fs.writeFileSync(extra, `export const a = ${Date.now()};\n`);
      await new Promise((resolve) => setTimeout(resolve, 120));
      return seen.includes(extra);
    });
    assert.equal(warnings.length, 1);
  });

  it("EMFILE names the open-files and inotify-instances limits", async () => {
    const dir = folder();
    const warnings: string[] = [];
    const watcher = createFileWatcher({
      roots: [dir],
      ignored: () => false,
      onChange: () => {},
      onWarning: (m) => warnings.push(m),
      factory: exhaustedInotify("EMFILE").factory,
    });
    watchers.push(watcher);
    await watcher.ready;
    assert.match(warnings[0] ?? "", /EMFILE/);
    assert.match(warnings[0] ?? "", /ulimit -n/);
    assert.match(warnings[0] ?? "", /max_user_instances/);
  });

  it("other errors are reported and watching goes on natively", async () => {
    const dir = folder();
    const warnings: string[] = [];
    const factory: WatchFactory = (roots, settings, events) => {
      const raw = chokidarFactory(roots, settings, events);
      events.error(Object.assign(new Error("EIO: i/o error"), { code: "EIO" }));
      return raw;
    };
    const watcher = createFileWatcher({
      roots: [dir],
      ignored: () => false,
      onChange: () => {},
      onWarning: (m) => warnings.push(m),
      factory,
    });
    watchers.push(watcher);
    await watcher.ready;
    await waitFor("the warning", () => warnings.length > 0);
    assert.equal(watcher.polling, false);
    assert.match(warnings[0] ?? "", /EIO/);
  });
});
