import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { BUILD_LINE, cacheFileOf, requireCaching, requireWithCodeCache, wrapModule } from "../../../src/cli/code-cache.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function firstLine(file: string): string {
  const text = fs.readFileSync(file).toString("latin1");
  return text.slice(0, text.indexOf("\n"));
}

/** A CommonJS bundle as the build writes it: its build line, then code that requires a neighbour. */
function bundle(hash: string | undefined, body = 'exports.answer = require("./helper.cjs").value * 2; exports.file = __filename;'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-code-cache-"));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, "helper.cjs"), "exports.value = 21;\n");
  const file = path.join(dir, "run.cjs");
  fs.writeFileSync(file, `${hash === undefined ? "" : `${BUILD_LINE}${hash}\n`}${wrapModule(`"use strict";\n${body}`)}\n`);
  return file;
}

describe("requireWithCodeCache", () => {
  it("loads the bundle without a cache, saves one, and takes it on the next load", () => {
    const file = bundle("0123456789abcdef0123");
    const first = requireWithCodeCache(file);
    assert.equal(first.cache, "missing");
    assert.equal(first.extent, undefined);
    assert.deepEqual(first.exports, { answer: 42, file });
    assert.equal(first.save("load"), true);
    assert.ok(fs.statSync(cacheFileOf(file)).size > 0);
    const second = requireWithCodeCache(file);
    assert.equal(second.cache, "accepted");
    assert.equal(second.extent, "load");
    assert.deepEqual(second.exports, { answer: 42, file });
    // An accepted cache is not written again for as much as it holds.
    assert.equal(second.save("load"), false);
  });

  it("writes a cache holding start-up over one holding the load alone, once", () => {
    const file = bundle("0123456789abcdef0123", "exports.later = () => [1, 2, 3].map((n) => n * 2); exports.file = __filename;");
    requireWithCodeCache(file).save("load");
    const loaded = requireWithCodeCache(file);
    assert.equal(loaded.extent, "load");
    (loaded.exports as { later: () => number[] }).later();
    assert.equal(loaded.save("start-up"), true);
    assert.equal(loaded.save("start-up"), false);
    assert.equal(loaded.save("load"), false);
    assert.match(firstLine(cacheFileOf(file)), / start-up$/);
    const again = requireWithCodeCache(file);
    assert.equal(again.cache, "accepted");
    assert.equal(again.extent, "start-up");
    assert.equal(again.save("start-up"), false);
  });

  it("requireCaching saves a cache at once when none was taken, and start-up's when told", () => {
    const file = bundle("0123456789abcdef0123", "exports.answer = 42; exports.file = __filename; // requireCaching");
    const loaded = requireCaching(file);
    assert.deepEqual(loaded.exports, { answer: 42, file });
    assert.match(firstLine(cacheFileOf(file)), / load$/);
    loaded.startedUp();
    assert.match(firstLine(cacheFileOf(file)), / start-up$/);
    const written = fs.statSync(cacheFileOf(file)).mtimeMs;
    // Taken with start-up in it: neither the load nor the end of start-up writes again.
    const next = requireCaching(file);
    next.startedUp();
    next.startedUp();
    assert.equal(fs.statSync(cacheFileOf(file)).mtimeMs, written);
  });

  it("takes no cache of an earlier format", () => {
    const file = bundle("0123456789abcdef0123", "exports.answer = 42; exports.file = __filename; // format");
    requireWithCodeCache(file).save("load");
    const bytes = fs.readFileSync(cacheFileOf(file));
    const end = bytes.indexOf(10);
    // Format 1: the same stamp with "1" and no extent.
    const old = bytes
      .subarray(0, end)
      .toString("utf8")
      .replace("tsgi-code-cache 2", "tsgi-code-cache 1")
      .replace(/ load$/, "");
    fs.writeFileSync(cacheFileOf(file), Buffer.concat([Buffer.from(old), bytes.subarray(end)]));
    assert.equal(requireWithCodeCache(file).cache, "stale");
  });

  it("reads an ASCII bundle and one with other characters as the same text they hold", () => {
    const ascii = requireWithCodeCache(bundle("0123456789abcdef0123", 'exports.text = "plain ~ text";'));
    assert.equal((ascii.exports as { text: string }).text, "plain ~ text");
    // Not ASCII (the escapes are this file's; the bundle gets the characters): decoded as UTF-8, not byte by byte.
    const other = requireWithCodeCache(bundle("0123456789abcdef0123", 'exports.text = "caf\u00e9 \u2192 \u4e2d";'));
    assert.equal((other.exports as { text: string }).text, "caf\u00e9 \u2192 \u4e2d");
  });

  it("ignores a cache made from another build of the bundle", () => {
    const file = bundle("0123456789abcdef0123");
    requireWithCodeCache(file).save("load");
    // The same length and another hash: V8's own check (the length) would take it.
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("0123456789abcdef0123", "fedcba98765432100123").replace("* 2", "* 3"));
    const loaded = requireWithCodeCache(file);
    assert.equal(loaded.cache, "stale");
    assert.deepEqual(loaded.exports, { answer: 63, file });
  });

  it("compiles from source when the cache's bytes are not V8's", () => {
    // Another body than any compiled before in this process: V8 keeps what it compiled per
    // process, and would not look at the cache for the same source again.
    const file = bundle("0123456789abcdef0123", "exports.answer = 42; exports.file = __filename; // rejected");
    // A good header (the same build line) over bytes that are not a cache.
    const other = bundle("0123456789abcdef0123");
    requireWithCodeCache(other).save("load");
    const made = fs.readFileSync(cacheFileOf(other));
    const header = made.subarray(0, made.indexOf(10) + 1);
    fs.writeFileSync(cacheFileOf(file), Buffer.concat([header, Buffer.alloc(4096, 7)]));
    const loaded = requireWithCodeCache(file);
    assert.equal(loaded.cache, "rejected");
    assert.deepEqual(loaded.exports, { answer: 42, file });
    // A rejected cache is replaced by a good one.
    assert.equal(loaded.save("load"), true);
    assert.equal(requireWithCodeCache(file).cache, "accepted");
  });

  it("never caches a bundle without the build's line", () => {
    const file = bundle(undefined);
    const loaded = requireWithCodeCache(file);
    assert.equal(loaded.cache, "unversioned");
    assert.equal(loaded.save("start-up"), false);
    assert.equal(fs.existsSync(cacheFileOf(file)), false);
  });

  it("throws what the module throws", () => {
    const file = bundle("0123456789abcdef0123", 'throw new Error("boom at load");');
    assert.throws(() => requireWithCodeCache(file), /boom at load/);
  });
});
