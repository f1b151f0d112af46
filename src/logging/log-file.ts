/**
 * One site's log file: bytes appended in order, one write at a time, rotated by size the
 * logrotate way (`alpha.log` → `alpha.log.1` → … → `alpha.log.KEEP`, the oldest dropped).
 *
 * Two buffers per file, swapped: one on its way to the disk, the other collecting what arrives
 * meanwhile, which then goes out in one write — a flood costs a few large writes, however late a
 * loaded machine runs the thread pool that does them, and nothing is allocated once the buffers
 * have grown to the flood's pace. They are let go when the file falls idle, so a quiet site keeps
 * nothing. A write stops at the last line that fits under the size limit; the rotation happens
 * between writes and what arrives meanwhile waits in the buffers until the new file is open, so
 * nothing is lost and a file exceeds the limit by at most one line. Failures are reported once;
 * the file then drops what it gets.
 *
 *   idle ──append──▶ writing ──all written──▶ idle
 *                      │  ▲
 *          size ≥ max  ▼  │ new file open
 *                    rotating
 */
import fs from "node:fs";

const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);
/** A file idle this long lets its buffers go. */
const SHRINK_AFTER_MS = 2000;

export interface LogFileOptions {
  readonly file: string;
  readonly maxSizeBytes: number;
  readonly keep: number;
  readonly onError: (error: Error) => void;
}

export class LogFile {
  readonly #options: LogFileOptions;
  #fd: number | undefined;
  #size = 0;
  /** Bytes being written: `#out[#outFrom, #outTo)`. */
  #out = EMPTY;
  #outFrom = 0;
  #outTo = 0;
  /** Bytes collected meanwhile: `#next[0, #nextTo)`. */
  #next = EMPTY;
  #nextTo = 0;
  #busy = false;
  #failed = false;
  #shrink: NodeJS.Timeout | undefined;
  #idle: (() => void)[] = [];
  #progress: (() => void)[] = [];

  constructor(options: LogFileOptions) {
    this.#options = options;
  }

  /** Bytes handed in and not yet on the disk. */
  get pending(): number {
    return this.#outTo - this.#outFrom + this.#nextTo;
  }

  /** Copies `bytes` (whole lines) to go to the file after everything before them. */
  append(bytes: Buffer): void {
    if (this.#failed || bytes.length === 0) return;
    if (this.#nextTo + bytes.length > this.#next.length) {
      const grown = Buffer.allocUnsafe(2 * (this.#nextTo + bytes.length));
      this.#next.copy(grown, 0, 0, this.#nextTo);
      this.#next = grown;
    }
    this.#nextTo += bytes.copy(this.#next, this.#nextTo);
    if (!this.#busy) this.#pump();
  }

  /** Calls `listener` once `pending` is at most `bytes` (or the file has failed or closed). */
  whenBelow(bytes: number, listener: () => void): void {
    const check = (): void => {
      if (this.pending <= bytes || this.#failed) listener();
      else this.#progress.push(check);
    };
    check();
  }

  /** Settles once everything handed in is written and the file is closed. */
  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        const fd = this.#fd;
        this.#fd = undefined;
        this.#failed = true;
        this.#out = this.#next = EMPTY;
        if (fd === undefined) resolve();
        else fs.close(fd, () => resolve());
      };
      if (!this.#busy) finish();
      else this.#idle.push(finish);
    });
  }

  #pump(): void {
    this.#busy = true;
    if (this.#failed) return this.#settle();
    if (this.#fd === undefined) return this.#open();
    if (this.#size >= this.#options.maxSizeBytes) return this.#rotate();
    if (this.#outFrom === this.#outTo) {
      if (this.#nextTo === 0) return this.#settle();
      // Swap: what was collected goes out, the written buffer collects.
      const written = this.#out;
      this.#out = this.#next;
      this.#outFrom = 0;
      this.#outTo = this.#nextTo;
      this.#next = written;
      this.#nextTo = 0;
    }
    // Up to the last line that fits under the size limit (at least one line).
    const room = this.#options.maxSizeBytes - this.#size;
    let to = this.#outTo;
    if (to - this.#outFrom > room) {
      const last = this.#out.lastIndexOf(NEWLINE, this.#outFrom + room - 1);
      const first = this.#out.indexOf(NEWLINE, this.#outFrom);
      to = last >= this.#outFrom ? last + 1 : first !== -1 && first < this.#outTo ? first + 1 : this.#outTo;
    }
    this.#write(this.#fd, to);
  }

  #write(fd: number, to: number): void {
    fs.write(fd, this.#out, this.#outFrom, to - this.#outFrom, null, (error, written) => {
      if (error !== null) return this.#fail(error);
      this.#size += written;
      this.#outFrom += written;
      this.#wake();
      if (this.#outFrom < to) return this.#write(fd, to);
      this.#pump();
    });
  }

  #open(): void {
    fs.open(this.#options.file, "a", (error, fd) => {
      if (error !== null) return this.#fail(error);
      fs.fstat(fd, (statError, stats) => {
        if (statError !== null) {
          fs.close(fd, () => undefined);
          return this.#fail(statError);
        }
        this.#fd = fd;
        this.#size = stats.size;
        this.#pump();
      });
    });
  }

  #rotate(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    const { file, keep } = this.#options;
    const name = (index: number): string => (index === 0 ? file : `${file}.${String(index)}`);
    // Oldest first, so each rename lands on a name already moved on (or the one dropped).
    const step = (index: number): void => {
      if (index < 0) return this.#pump();
      fs.rename(name(index), name(index + 1), (error) => {
        if (error !== null && error.code !== "ENOENT") return this.#fail(error);
        step(index - 1);
      });
    };
    if (fd === undefined) step(keep - 1);
    else fs.close(fd, () => step(keep - 1));
  }

  #fail(error: Error): void {
    if (!this.#failed) this.#options.onError(error);
    this.#failed = true;
    this.#out = this.#next = EMPTY;
    this.#outFrom = this.#outTo = this.#nextTo = 0;
    this.#settle();
  }

  #settle(): void {
    this.#busy = false;
    if (this.#shrink === undefined && this.#out.length + this.#next.length > 0) {
      // A file quiet for a while keeps no buffers (a flood keeps them while it lasts).
      this.#shrink = setTimeout(() => {
        this.#shrink = undefined;
        if (this.#busy) return;
        this.#out = EMPTY;
        if (this.#nextTo === 0) this.#next = EMPTY;
      }, SHRINK_AFTER_MS);
      this.#shrink.unref();
    }
    this.#wake();
    const idle = this.#idle;
    this.#idle = [];
    for (const listener of idle) listener();
  }

  #wake(): void {
    const progress = this.#progress;
    this.#progress = [];
    for (const listener of progress) listener();
  }
}
