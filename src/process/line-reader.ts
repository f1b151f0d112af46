/**
 * Lines out of a child's pipe, a chunk at a time, with flow control.
 *
 * Plain `data` events on the stream itself: an async iterator over the lines (execa's
 * `iterable()`, `readline`) keeps an `events.on()` queue per stream — about 96 KiB per site — and
 * costs a promise per line. Here each pipe read becomes one `OutputLines`: the read's complete
 * lines as the bytes they arrived in, cut at the last newline and nowhere else. Nothing is decoded
 * or split on the way: the log files and the console frame the bytes themselves
 * (`logging/frame-lines.ts`), and only a consumer that needs text (readiness matching, `logs -f`,
 * the JSON console) asks for `lines()` — a flood then costs no string per line.
 *
 * Each pipe read is a fresh buffer from Node: `young-gc.ts` sees that V8 collects them in time.
 *
 * The consumer may answer a chunk with a promise: the pipe is paused until it settles. The
 * site then blocks on its own full pipe (as under supervisord) instead of the supervisor
 * buffering what its log file cannot take yet.
 */
import { dropped } from "../logging/young-gc.js";

/** A line longer than this is handed on in pieces of at most this size (so a newline-less stream is bounded). */
export const MAX_LINE_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;
const NEWLINE_BYTES = Buffer.of(NEWLINE);

/** Newlines in `bytes`. */
export function countLines(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) count += 1;
  return count;
}

/**
 * Complete lines as bytes: `parts` read one after the other (a line may span two: the end of one
 * pipe read and the start of the next), each line ending with "\n" (a "\r\n" kept as it was
 * written); `lines()` decodes them once, without the line ends.
 */
export class OutputLines {
  #parts: readonly Buffer[] | undefined;
  #count: number | undefined;
  #lines: readonly string[] | undefined;

  private constructor(parts: readonly Buffer[] | undefined, lines: readonly string[] | undefined) {
    this.#parts = parts;
    this.#lines = lines;
    this.#count = lines?.length;
  }

  /** Bytes that end with a newline (the reader guarantees it). */
  static ofBytes(...parts: Buffer[]): OutputLines {
    return new OutputLines(parts, undefined);
  }

  /** Lines already in hand as text (the supervisor's own, tests): one line each, as given; bytes made when asked. */
  static ofText(lines: string | readonly string[]): OutputLines {
    return new OutputLines(undefined, typeof lines === "string" ? [lines] : lines);
  }

  get parts(): readonly Buffer[] {
    if (this.#parts === undefined) {
      const lines = this.#lines ?? [];
      this.#parts = lines.length === 0 ? [] : [Buffer.from(`${lines.join("\n")}\n`)];
    }
    return this.#parts;
  }

  get byteLength(): number {
    let length = 0;
    for (const part of this.parts) length += part.length;
    return length;
  }

  get count(): number {
    if (this.#count === undefined) {
      let count = 0;
      for (const part of this.parts) count += countLines(part);
      this.#count = count;
    }
    return this.#count;
  }

  /** The bytes as one buffer (a copy when there are several parts). */
  bytes(): Buffer {
    return this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
  }

  lines(): readonly string[] {
    if (this.#lines === undefined) {
      const lines = this.bytes().toString("utf8").split("\n");
      lines.pop();
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as string;
        if (line.endsWith("\r")) lines[i] = line.slice(0, -1);
      }
      this.#lines = lines;
      this.#count = lines.length;
    }
    return this.#lines;
  }
}

/**
 * Cuts a byte stream into chunks of complete lines: the bytes after a chunk's last newline wait
 * for the next chunk (without a copy: they go on as its first part); `end()` hands them on as a
 * line of their own.
 */
export class LineSplitter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  push(chunk: Buffer): OutputLines | undefined {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      this.#hold(chunk);
      return this.#pendingBytes > MAX_LINE_BYTES ? this.#cutLongLine() : undefined;
    }
    let cut: readonly Buffer[] = [];
    let rest = chunk;
    const first = chunk.indexOf(NEWLINE);
    if (this.#pendingBytes > 0 && this.#pendingBytes + first > MAX_LINE_BYTES) {
      // The line the chunk ends is too long too: its first pieces go on first.
      this.#hold(chunk.subarray(0, first));
      cut = this.#cutLongLine().parts;
      rest = chunk.subarray(first);
    }
    const end = rest.length - (chunk.length - last) + 1;
    const head = end === rest.length ? rest : rest.subarray(0, end);
    const lines = OutputLines.ofBytes(...cut, ...this.#pending, head);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (end < rest.length) this.#hold(rest.subarray(end));
    return lines;
  }

  /** What is left when the stream ends: a last line written without a newline. */
  end(): OutputLines | undefined {
    if (this.#pendingBytes === 0) return undefined;
    const lines = OutputLines.ofBytes(...this.#pending, NEWLINE_BYTES);
    this.#pending = [];
    this.#pendingBytes = 0;
    return lines;
  }

  #hold(bytes: Buffer): void {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
  }

  /** A line past `MAX_LINE_BYTES`: its first parts go on as lines of their own, each cut between two characters. */
  #cutLongLine(): OutputLines {
    let rest = Buffer.concat(this.#pending);
    const parts: Buffer[] = [];
    // Only once the byte after the cut is in hand: it tells whether the cut splits a character.
    while (rest.length > MAX_LINE_BYTES) {
      let cut = MAX_LINE_BYTES;
      // Back off over UTF-8 continuation bytes (10xxxxxx) so no character is split in two; a CR
      // right at the cut stays with the rest, so a "\r\n" is never cut into a bare "\r".
      while (cut > MAX_LINE_BYTES - 4 && ((rest[cut] ?? 0) & 0xc0) === 0x80) cut -= 1;
      if (rest[cut - 1] === CR) cut -= 1;
      parts.push(rest.subarray(0, cut), NEWLINE_BYTES);
      rest = rest.subarray(cut);
    }
    this.#pending = rest.length === 0 ? [] : [rest];
    this.#pendingBytes = rest.length;
    return OutputLines.ofBytes(...parts);
  }
}

export type LinesSink = (lines: OutputLines) => void | Promise<void>;

/** Resolves when the stream has ended (or failed: its end is then reported by the exit). */
export function readLines(stream: NodeJS.ReadableStream | null | undefined, sink: LinesSink): Promise<void> {
  if (stream === null || stream === undefined) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const splitter = new LineSplitter();
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      const last = splitter.end();
      if (last !== undefined) void sink(last);
      resolve();
    };
    stream.on("data", (chunk: Buffer | string) => {
      dropped(chunk.length);
      const lines = splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
      if (lines === undefined) return;
      const wait = sink(lines);
      if (wait !== undefined) {
        stream.pause();
        void wait.then(
          () => stream.resume(),
          () => stream.resume(),
        );
      }
    });
    stream.once("end", finish);
    stream.once("error", finish);
    stream.once("close", finish);
  });
}
