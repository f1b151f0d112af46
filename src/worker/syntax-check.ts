/**
 * Finding where an ES module's syntax error is.
 *
 * V8 reports an ES module that fails to compile with a bare `SyntaxError` that names neither
 * file nor line (Node keeps the location in a private field and prints it only when the error
 * is fatal). `node --check` prints it, so on that failure the worker checks the files it just
 * loaded, most recent first, until one fails.
 */
import { spawnSync } from "node:child_process";
import { extname } from "node:path";

export interface SyntaxLocation {
  readonly file: string;
  readonly line: number;
  readonly column?: number;
  readonly message: string;
}

/** Only plain JavaScript: TypeScript is compiled by esbuild, whose errors carry the location. */
const CHECKABLE = new Set([".js", ".mjs", ".cjs"]);
const MAX_FILES = 25;

export function locateSyntaxError(recentFirst: readonly string[]): SyntaxLocation | undefined {
  for (const file of recentFirst.filter((f) => CHECKABLE.has(extname(f))).slice(0, MAX_FILES)) {
    const location = checkFile(file);
    if (location !== undefined) return location;
  }
  return undefined;
}

function checkFile(file: string): SyntaxLocation | undefined {
  const result = spawnSync(process.execPath, ["--check", file], { encoding: "utf8", timeout: 10_000 });
  if (result.status === 0 || typeof result.stderr !== "string") return undefined;
  return parseDecoratedSyntaxError(result.stderr);
}

/**
 * Parses V8's decorated form, which `node --check` prints and CommonJS stacks start with:
 *
 *     /path/file.js:2
 *     export const b = (;
 *                       ^
 *
 *     SyntaxError: Unexpected token ';'
 */
export function parseDecoratedSyntaxError(text: string): SyntaxLocation | undefined {
  const lines = text.split("\n");
  const header = /^(.+):(\d+)$/.exec(lines[0] ?? "");
  const errorLine = lines.find((l) => /^SyntaxError: /.test(l));
  if (header?.[1] === undefined || header[2] === undefined || errorLine === undefined) return undefined;
  const caret = lines[2]?.indexOf("^") ?? -1;
  const location = { file: header[1], line: Number(header[2]), message: errorLine };
  return caret >= 0 ? { ...location, column: caret + 1 } : location;
}
