/**
 * A site's output on the supervisor's console, framed as bytes: `alpha.1    | line` (pretty) or
 * one JSON object per line (json). A chunk whose lines need no escaping — the usual case: no
 * quote, backslash or control character, valid UTF-8 — is framed without decoding, each line
 * inside the same object; any other chunk is decoded and each line serialised on its own.
 */
import { isUtf8 } from "node:buffer";
import { isoTime } from "../format/iso-time.js";
import { LineFramer } from "./frame-lines.js";
import { dropped } from "./young-gc.js";
import type { OutputLines } from "../process/line-reader.js";

const NEWLINE = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NO_SUFFIX = Buffer.alloc(0);

/** Whether the lines can stand inside a JSON string as they are (a "\r\n" line end is dropped by the framing). */
export function jsonPlain(parts: readonly Buffer[]): boolean {
  for (const bytes of parts) {
    if (bytes.includes(QUOTE) || bytes.includes(BACKSLASH)) return false;
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      if (byte < 0x20) {
        if (byte === NEWLINE || (byte === CR && bytes[i + 1] === NEWLINE)) continue;
        return false;
      }
      if (byte >= 0x80) ascii = false;
    }
    // A character cut between two parts is not valid on its own: such a chunk takes the slow way.
    if (!ascii && !isUtf8(bytes)) return false;
  }
  return true;
}

export class ConsoleOutput {
  readonly #format: "pretty" | "json";
  readonly #label: (site: string, proc: number) => string;
  readonly #framer = new LineFramer();

  /** `label` gives the pretty prefix of a site's process (`alpha.1    | `, coloured or not). */
  constructor(format: "pretty" | "json", label: (site: string, proc: number) => string) {
    this.#format = format;
    this.#label = label;
  }

  /** Writes the chunk's lines to `target` at once. */
  write(target: NodeJS.WritableStream, site: string, proc: number, level: string, stream: "out" | "err", chunk: OutputLines): void {
    const bytes = this.#frame(site, proc, level, stream, chunk);
    target.write(bytes);
    // A stream that could not take the bytes at once (a pipe's reader is slow) keeps the buffer:
    // the next frame must not reuse it.
    if (((target as { writableLength?: number }).writableLength ?? 0) > 0) {
      this.#framer.release();
      dropped(bytes.buffer.byteLength);
    }
  }

  #frame(site: string, proc: number, level: string, stream: "out" | "err", chunk: OutputLines): Buffer {
    if (this.#format === "pretty") return this.#framer.frame(chunk.parts, Buffer.from(this.#label(site, proc)), NO_SUFFIX, chunk.count);
    const timestamp = isoTime();
    // The same object for every line but its message: its JSON written once around each line's.
    const head = `{"kind":"output","level":${JSON.stringify(level)},"message":`;
    const tail = `,"proc":${JSON.stringify(proc)},"site":${JSON.stringify(site)},"stream":${JSON.stringify(stream)},"timestamp":${JSON.stringify(timestamp)}}`;
    if (jsonPlain(chunk.parts)) return this.#framer.frame(chunk.parts, Buffer.from(`${head}"`), Buffer.from(`"${tail}`), chunk.count);
    let text = "";
    for (const line of chunk.lines()) text += `${head}${JSON.stringify(line)}${tail}\n`;
    return Buffer.from(text);
  }
}
