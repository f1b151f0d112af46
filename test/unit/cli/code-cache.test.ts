import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { BUILD_LINE, cacheFileOf, requireWithCodeCache, wrapModule } from "../../../src/cli/code-cache.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

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
    assert.deepEqual(first.exports, { answer: 42, file });
    assert.equal(first.save(), true);
    assert.ok(fs.statSync(cacheFileOf(file)).size > 0);
    const second = requireWithCodeCache(file);
    assert.equal(second.cache, "accepted");
    assert.deepEqual(second.exports, { answer: 42, file });
    // An accepted cache is not written again.
    assert.equal(second.save(), false);
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
    requireWithCodeCache(file).save();
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
    requireWithCodeCache(other).save();
    const made = fs.readFileSync(cacheFileOf(other));
    const header = made.subarray(0, made.indexOf(10) + 1);
    fs.writeFileSync(cacheFileOf(file), Buffer.concat([header, Buffer.alloc(4096, 7)]));
    const loaded = requireWithCodeCache(file);
    assert.equal(loaded.cache, "rejected");
    assert.deepEqual(loaded.exports, { answer: 42, file });
    // A rejected cache is replaced by a good one.
    assert.equal(loaded.save(), true);
    assert.equal(requireWithCodeCache(file).cache, "accepted");
  });

  it("never caches a bundle without the build's line", () => {
    const file = bundle(undefined);
    const loaded = requireWithCodeCache(file);
    assert.equal(loaded.cache, "unversioned");
    assert.equal(loaded.save(), false);
    assert.equal(fs.existsSync(cacheFileOf(file)), false);
  });

  it("throws what the module throws", () => {
    const file = bundle("0123456789abcdef0123", 'throw new Error("boom at load");');
    assert.throws(() => requireWithCodeCache(file), /boom at load/);
  });
});
