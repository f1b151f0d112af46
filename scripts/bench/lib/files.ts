import fs from "node:fs";
import path from "node:path";

/** Files in `dir` whose names match `pattern` (a log file and its rotated siblings). */
export function matchingFiles(dir: string, pattern: RegExp): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((name) => pattern.test(name))
      .map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}
