import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ConsoleOutput, jsonPlain } from "../../../src/logging/console-output.js";
import { LineFramer } from "../../../src/logging/frame-lines.js";
import { countLines, OutputLines } from "../../../src/process/line-reader.js";

const b = (text: string): Buffer => Buffer.from(text);

/** `LineFramer.frame` into a buffer of its own. */
function frameLines(parts: readonly Buffer[], prefix: Buffer, suffix: Buffer = Buffer.alloc(0)): Buffer {
  let count = 0;
  for (const part of parts) count += countLines(part);
  return Buffer.from(new LineFramer().frame(parts, prefix, suffix, count));
}

describe("frame lines", () => {
  it("puts the prefix and suffix around every line, a \\r\\n end becoming \\n", () => {
    assert.equal(frameLines([b("one\ntwo\r\n\nthree\n")], b("> "), b(" <")).toString(), "> one <\n> two <\n>  <\n> three <\n");
  });

  it("reads lines that span two parts", () => {
    assert.equal(frameLines([b("a\nhal"), b("f\nb\n")], b("| ")).toString(), "| a\n| half\n| b\n");
  });

  it("leaves out bytes after the last newline and keeps bytes that are not UTF-8 as they are", () => {
    const framed = frameLines([Buffer.from([0xff, 0x0a, 0x41])], b("#"));
    assert.deepEqual([...framed], [0x23, 0xff, 0x0a]);
  });

  it("reuses its buffer from one chunk to the next unless released", () => {
    const framer = new LineFramer();
    const first = framer.frame([b("x\n")], b("1 "), Buffer.alloc(0), 1);
    const second = framer.frame([b("y\n")], b("2 "), Buffer.alloc(0), 1);
    assert.ok(first.buffer === second.buffer && first.byteOffset === second.byteOffset, "one scratch buffer");
    framer.release();
    const third = framer.frame([b("z\n")], b("3 "), Buffer.alloc(0), 1);
    assert.ok(third.buffer !== second.buffer || third.byteOffset !== second.byteOffset, "a buffer of its own");
    assert.equal(second.toString(), "2 y\n", "a released frame stays intact");
  });

  it("is the same as framing each decoded line (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme" }).map((s) => s.replace(/[\r\n]/g, ""))), fc.nat(5), (lines, cut) => {
        const bytes = b(lines.map((line) => `${line}\n`).join(""));
        const at = Math.min(cut, bytes.length);
        const framed = frameLines([bytes.subarray(0, at), bytes.subarray(at)], b("«"), b("»"));
        assert.equal(framed.toString(), lines.map((line) => `«${line}»\n`).join(""));
        assert.equal(countLines(bytes), lines.length);
      }),
    );
  });
});

describe("console output", () => {
  const capture = (format: "pretty" | "json"): { text: () => string; write: (chunk: OutputLines, stream?: "out" | "err") => void } => {
    let text = "";
    const target = { write: (bytes: Buffer) => ((text += bytes.toString()), true), writableLength: 0 } as unknown as NodeJS.WritableStream;
    const output = new ConsoleOutput(format, (site, proc) => `${site}.${String(proc)} | `);
    return {
      text: () => text,
      write: (chunk, stream = "out") => output.write(target, "alpha", 1, stream === "err" ? "warn" : "info", stream, chunk),
    };
  };

  it("frames pretty lines with the site's label", () => {
    const { text, write } = capture("pretty");
    write(OutputLines.ofBytes(b("a\nb\r\n")));
    assert.equal(text(), "alpha.1 | a\nalpha.1 | b\n");
  });

  it("writes the same JSON objects whether or not a line needs escaping", () => {
    const lines = ["plain line", 'a "quote"', "back\\slash", "tab\there", "żółw", "bell\u0007", "cr\rinside"];
    const { text, write } = capture("json");
    for (const line of lines) write(OutputLines.ofBytes(b(`${line}\n`)), "err");
    const records = text()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      records.map((record) => record["message"]),
      lines,
    );
    for (const record of records) {
      assert.deepEqual(Object.keys(record), ["kind", "level", "message", "proc", "site", "stream", "timestamp"]);
      assert.equal(record["level"], "warn");
      assert.equal(record["stream"], "err");
    }
  });

  it("takes the byte path only for lines that can stand in JSON as they are", () => {
    assert.equal(jsonPlain([b("plain\r\nżółw\n")]), true);
    for (const bad of ['"', "\\", "\t", "\r", "\u0000"]) assert.equal(jsonPlain([b(`x${bad}y\n`)]), false, JSON.stringify(bad));
    assert.equal(jsonPlain([Buffer.from([0x61, 0xc3, 0x0a])]), false, "invalid UTF-8");
  });
});
