import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { LogFile } from "../../../src/logging/log-file.js";

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-logfile-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const numbered = (from: number, count: number): Buffer =>
  Buffer.from(Array.from({ length: count }, (_, i) => `line ${String(from + i).padStart(6, "0")}\n`).join(""));

/** Every numbered line across the live file and its rotations, oldest first. */
function linesIn(file: string, keep: number): number[] {
  const names = [...Array.from({ length: keep }, (_, i) => `${file}.${String(keep - i)}`), file];
  return names
    .filter((name) => fs.existsSync(name))
    .flatMap((name) => fs.readFileSync(name, "utf8").split("\n"))
    .map((line) => /^line (\d+)$/.exec(line)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}

describe("log file", () => {
  it("appends everything in order, however many appends wait for a write", async (t) => {
    const file = path.join(tempDir(t), "a.log");
    const log = new LogFile({ file, maxSizeBytes: 1024 ** 3, keep: 2, onError: (error) => assert.fail(error) });
    for (let i = 0; i < 200; i++) log.append(numbered(i * 100, 100));
    assert.ok(log.pending > 0, "written in the background");
    await log.close();
    assert.deepEqual(
      linesIn(file, 2),
      Array.from({ length: 20_000 }, (_, i) => i),
    );
  });

  it("rotates at the size limit the logrotate way, keeping `keep` files, none past the limit by more than a line", async (t) => {
    const file = path.join(tempDir(t), "a.log");
    const limit = 10_000;
    const log = new LogFile({ file, maxSizeBytes: limit, keep: 3, onError: (error) => assert.fail(error) });
    for (let i = 0; i < 100; i++) log.append(numbered(i * 50, 50));
    await log.close();
    const names = fs.readdirSync(path.dirname(file)).sort();
    assert.deepEqual(names, ["a.log", "a.log.1", "a.log.2", "a.log.3"]);
    for (const name of names) {
      assert.ok(fs.statSync(path.join(path.dirname(file), name)).size <= limit + 12, `${name} at most a line past the limit`);
    }
    const kept = linesIn(file, 3);
    assert.equal(kept.at(-1), 4999);
    assert.ok(
      kept.every((n, i) => i === 0 || n === (kept[i - 1] ?? 0) + 1),
      "an unbroken run of the newest lines",
    );
  });

  it("rotates a file already past the limit before writing to it", async (t) => {
    const file = path.join(tempDir(t), "a.log");
    fs.writeFileSync(file, "old\n".repeat(100));
    const log = new LogFile({ file, maxSizeBytes: 100, keep: 1, onError: (error) => assert.fail(error) });
    log.append(Buffer.from("new\n"));
    await log.close();
    assert.equal(fs.readFileSync(file, "utf8"), "new\n");
    assert.equal(fs.readFileSync(`${file}.1`, "utf8"), "old\n".repeat(100));
  });

  it("reports a failure once, then drops what it gets and never keeps a waiter waiting", async (t) => {
    const file = path.join(tempDir(t), "missing", "a.log");
    const errors: Error[] = [];
    const log = new LogFile({ file, maxSizeBytes: 1000, keep: 1, onError: (error) => errors.push(error) });
    log.append(Buffer.from("x\n".repeat(10)));
    await new Promise<void>((resolve) => log.whenBelow(0, resolve));
    log.append(Buffer.from("y\n"));
    await log.close();
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? "", /ENOENT/);
    assert.equal(log.pending, 0);
  });

  it("tells a waiter when the backlog is down to a size", async (t) => {
    const file = path.join(tempDir(t), "a.log");
    const log = new LogFile({ file, maxSizeBytes: 1024 ** 3, keep: 1, onError: (error) => assert.fail(error) });
    log.append(numbered(0, 10_000));
    const before = log.pending;
    assert.ok(before > 0);
    await new Promise<void>((resolve) => log.whenBelow(0, resolve));
    assert.equal(log.pending, 0);
    await log.close();
  });
});
