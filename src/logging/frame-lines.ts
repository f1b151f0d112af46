/**
 * Lines framed as bytes: `prefix + line + suffix + "\n"` for each line of a chunk, without
 * decoding anything. The site files (a time stamp before each line), the pretty console
 * (`alpha.1    | `) and the JSON console (each line inside its object, when it needs no escaping)
 * all write what this builds.
 *
 * The input is copied once to the end of a scratch buffer and each line moved forward into place
 * with `copyWithin`: no string, array or view per line. The scratch is reused from chunk to chunk
 * (a flood then allocates nothing here), so what `frame()` answers is valid only until the next
 * call — unless `release()` says a stream kept it.
 */

const NEWLINE = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
/** Scratch buffers up to this size are kept for the next chunk; larger ones (huge lines) are not. */
const KEEP_SCRATCH_BYTES = 512 * 1024;

export class LineFramer {
  #scratch: Buffer = EMPTY;

  /**
   * Each newline-terminated line of `parts` (read one after the other, a line may span two) as
   * `prefix + line + suffix + "\n"`, a "\r" before the newline dropped; `count` is their number of
   * newlines. Bytes after the last newline (the line reader leaves none) are left out.
   */
  frame(parts: readonly Buffer[], prefix: Buffer, suffix: Buffer, count: number): Buffer {
    const frame = prefix.length + suffix.length;
    let input = 0;
    for (const part of parts) input += part.length;
    // Output first, then the input, then the prefix and the suffix: moving lines forward within one
    // buffer, the output never overtakes the input still to be read (`base` is its whole growth).
    const base = count * frame;
    const inputEnd = base + input;
    const out = this.#buffer(inputEnd + frame);
    let fill = base;
    for (const part of parts) fill += part.copy(out, fill);
    prefix.copy(out, inputEnd);
    const suffixAt = inputEnd + prefix.length;
    suffix.copy(out, suffixAt);
    const suffixEnd = suffixAt + suffix.length;
    let from = base;
    let at = 0;
    for (let newline = out.indexOf(NEWLINE, from); newline !== -1 && newline < inputEnd; newline = out.indexOf(NEWLINE, from)) {
      out.copyWithin(at, inputEnd, suffixAt);
      at += prefix.length;
      const end = newline > from && out[newline - 1] === CR ? newline - 1 : newline;
      out.copyWithin(at, from, end);
      at += end - from;
      if (suffix.length > 0) {
        out.copyWithin(at, suffixAt, suffixEnd);
        at += suffix.length;
      }
      out[at] = NEWLINE;
      at += 1;
      from = newline + 1;
    }
    return out.subarray(0, at);
  }

  /** The last frame is still in use (a stream kept it): the next frame gets a buffer of its own. */
  release(): void {
    this.#scratch = EMPTY;
  }

  #buffer(size: number): Buffer {
    if (size <= this.#scratch.length) return this.#scratch;
    const buffer = Buffer.allocUnsafe(Math.max(size, Math.min(KEEP_SCRATCH_BYTES, this.#scratch.length * 2)));
    if (buffer.length <= KEEP_SCRATCH_BYTES) this.#scratch = buffer;
    return buffer;
  }
}
