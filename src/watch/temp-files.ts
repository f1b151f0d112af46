/**
 * Editors' temp files that no ignore pattern names (`app.ts.tmp.1234`, `app.ts.XXXXXX`):
 * written next to the real file and renamed over it a moment later. The save is a change to
 * the real file; the temp file's own add and unlink are not changes worth a reload, and its
 * name is not worth showing in the reload line.
 */
import type { ChangeKind } from "./file-watcher.js";

export class TempFiles {
  /** When each file was last seen appearing. */
  readonly #added = new Map<string, number>();
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(windowMs = 2000, now: () => number = Date.now) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Whether a watcher event counts: the unlink of a file that appeared moments ago does not. */
  accept(file: string, kind: ChangeKind): boolean {
    const now = this.#now();
    for (const [path, at] of this.#added) if (now - at > this.#windowMs) this.#added.delete(path);
    if (kind === "add") this.#added.set(file, now);
    return !(kind === "unlink" && this.#added.has(file));
  }

  /** A batch of changed files without those that appeared and are already gone again. */
  settle(files: readonly string[], exists: (file: string) => boolean): string[] {
    return files.filter((file) => !this.#added.has(file) || exists(file));
  }
}
