/**
 * Reading input files for the importers: one message for a file that cannot be read, and
 * `[include] files=`-style globs (a pattern in the last path segment: `conf.d/*.conf`), expanded
 * in sorted order as Python's `glob` + `sorted()` do in supervisord.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import picomatch from "picomatch";
import { failAt, type Parsed } from "./model.js";

export function readText(absolute: string, shown: string): Parsed<string> {
  try {
    return { ok: true, value: readFileSync(absolute, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory, not a file" : `cannot be read (${code ?? String(error)})`;
    return failAt(shown, 1, 1, why, "a readable configuration file");
  }
}

/** Files matching `pattern` (relative to `base`), sorted; a pattern without a glob is itself. */
export function expandGlob(pattern: string, base: string): string[] {
  const absolute = path.resolve(base, pattern);
  if (!/[*?[]/.test(absolute)) return [absolute];
  const dir = path.dirname(absolute);
  const match = picomatch(path.basename(absolute), { dot: false });
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && match(entry.name))
      .map((entry) => path.join(dir, entry.name))
      .sort();
  } catch {
    return [];
  }
}
