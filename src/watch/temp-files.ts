/**
 * Editors' temp files that no ignore pattern names (`app.ts.tmp.1234`, `app.ts.XXXXXX`):
 * written next to the real file and renamed over it a moment later. The save is a change to
 * the real file; the temp file's own add and unlink are not changes worth a reload, and its
 * name is not worth showing in the reload line.
 *
 * An editor that fsyncs before the rename, or a loaded machine, can leave the temp file on disk
 * past the debounce: then the batch holds it alone, and it waits for a later batch (the rename
 * brings the real file's change), until the window is over — a file that stays is a change.
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

  /**
   * A batch of changed files without those that appeared and are already gone again; when the
   * rest are only files that appeared within the window beside a file their name begins with
   * (`app.ts` for `app.ts.tmp-1234`, `app.ts___jb_tmp___`), those are `held` for a later batch
   * instead. With any other change they go with it: a reload happens anyway, and holding a file
   * a build writes beside its output (`app.js.map`) would make it a second reload.
   */
  settle(files: readonly string[], kindOf: (file: string) => FileKind): { readonly changed: string[]; readonly held: string[] } {
    const now = this.#now();
    const changed = files.filter((file) => !this.#added.has(file) || kindOf(file) !== undefined);
    const young = (file: string): boolean => {
      const at = this.#added.get(file);
      return at !== undefined && now - at <= this.#windowMs;
    };
    if (changed.length > 0 && changed.every((file) => young(file) && tempSiblingOf(file, kindOf) !== undefined))
      return { changed: [], held: changed };
    return { changed, held: [] };
  }
}

/** What a path is on disk: a file, something else, or nothing. */
export type FileKind = "file" | "other" | undefined;

/** The file a temp file's name extends (`dir/app.ts` for `dir/app.ts.tmp-1`), when there is one. */
export function tempSiblingOf(file: string, kindOf: (file: string) => FileKind): string | undefined {
  const slash = file.lastIndexOf("/");
  for (let i = file.length - 1; i > slash + 1; i--) {
    if (!SEPARATORS.includes(file.charAt(i))) continue;
    const sibling = file.slice(0, i);
    if (kindOf(sibling) === "file") return sibling;
  }
  return undefined;
}

/** What editors put between the real name and a temp file's suffix. */
const SEPARATORS = [".", "~", "_", "-"];
