import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { LineSplitter, MAX_LINE_BYTES, OutputLines, readLines } from "../../../src/process/line-reader.js";

/** Every chunk's lines, in order, from pushing `chunks` and then ending. */
function split(chunks: readonly (string | Buffer)[]): { lines: string[]; chunks: OutputLines[] } {
  const splitter = new LineSplitter();
  const out: OutputLines[] = [];
  for (const chunk of chunks) {
    const lines = splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    if (lines !== undefined) out.push(lines);
  }
  const last = splitter.end();
  if (last !== undefined) out.push(last);
  return { lines: out.flatMap((chunk) => chunk.lines()), chunks: out };
}

describe("line splitter", () => {
  it("cuts each chunk at its last newline and carries the rest to the next", () => {
    const { lines, chunks } = split(["one\ntw", "o\nthr", "ee\n"]);
    assert.deepEqual(lines, ["one", "two", "three"]);
    assert.deepEqual(
      chunks.map((chunk) => chunk.count),
      [1, 1, 1],
    );
    assert.equal(Buffer.concat(chunks.flatMap((chunk) => chunk.parts)).toString(), "one\ntwo\nthree\n", "bytes as written");
  });

  it("hands on nothing for a chunk without a newline, then the whole line", () => {
    const splitter = new LineSplitter();
    assert.equal(splitter.push(Buffer.from("abc")), undefined);
    assert.equal(splitter.push(Buffer.from("def")), undefined);
    assert.deepEqual(splitter.push(Buffer.from("g\nh"))?.lines(), ["abcdefg"]);
    assert.deepEqual(splitter.end()?.lines(), ["h"]);
    assert.equal(splitter.end(), undefined, "nothing twice");
  });

  it("drops the \\r of a \\r\\n line end when decoding, also across chunks, and keeps a lone \\r", () => {
    assert.deepEqual(split(["a\r\nb\r", "\nc\rd\n"]).lines, ["a", "b", "c\rd"]);
  });

  it("ends a last line written without a newline", () => {
    const { lines, chunks } = split(["done\nno newline"]);
    assert.deepEqual(lines, ["done", "no newline"]);
    assert.equal(Buffer.concat(chunks.at(-1)?.parts ?? []).toString(), "no newline\n", "framed like any other line");
  });

  it("keeps empty lines and multi-byte characters cut between two reads", () => {
    const text = Buffer.from("\nżółw 🐢\n\n");
    const { lines } = split([text.subarray(0, 3), text.subarray(3, 9), text.subarray(9)]);
    assert.deepEqual(lines, ["", "żółw 🐢", ""]);
  });

  it("passes a long line split over many reads whole, and cuts a huge one between characters", () => {
    const long = "x".repeat(MAX_LINE_BYTES - 10);
    const reads = (text: string): Buffer[] => {
      const bytes = Buffer.from(text);
      const out: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += 65536) out.push(bytes.subarray(at, at + 65536));
      return out;
    };
    assert.deepEqual(split(reads(`${long}\nnext\n`)).lines, [long, "next"]);
    // Three bytes per character: a cut at MAX_LINE_BYTES would fall inside one.
    const huge = "€".repeat(MAX_LINE_BYTES);
    const { lines } = split(reads(`${huge}\n`));
    assert.ok(lines.length >= 3, `${lines.length} pieces`);
    assert.ok(
      lines.every((line) => Buffer.byteLength(line) <= MAX_LINE_BYTES && !line.includes("\ufffd")),
      "each piece at most the limit, no character broken",
    );
    assert.equal(lines.join(""), huge, "nothing lost");
  });

  it("counts lines without decoding and keeps text handed in as text", () => {
    assert.equal(OutputLines.ofBytes(Buffer.from("a\nb\n"), Buffer.from("c\n")).count, 3);
    const text = OutputLines.ofText(["x", "y"]);
    assert.equal(text.count, 2);
    assert.deepEqual(text.lines(), ["x", "y"]);
    assert.equal(text.bytes().toString(), "x\ny\n");
    assert.equal(OutputLines.ofText([]).parts.length, 0);
  });
});

describe("readLines", () => {
  it("pauses the stream while the sink's promise is pending, and flushes a partial line at the end", async () => {
    const stream = new PassThrough();
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const done = readLines(stream, (lines) => {
      seen.push(...lines.lines());
      if (seen.length === 1) return new Promise<void>((resolve) => (release = resolve));
      return undefined;
    });
    stream.write("first\n");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stream.isPaused(), true, "paused while the sink waits");
    stream.write("second\nthird");
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen, ["first"]);
    release();
    stream.end();
    await done;
    assert.deepEqual(seen, ["first", "second", "third"]);
  });
});
