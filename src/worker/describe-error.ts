/**
 * Turning whatever a failed import threw into a `LoadFailure` that names the file and line.
 *
 * Each source of errors carries the location its own way:
 * - tsx/esbuild (TypeScript): `/path/app.ts:2:18: ERROR: Unexpected ";"` in the message,
 *   column 0-based;
 * - V8 compiling CommonJS: the stack starts with `/path/app.cjs:2`, the line and a caret;
 * - V8 compiling an ES module: no location at all (see `syntax-check.ts`);
 * - anything thrown while a module runs: its stack frames;
 * - a missing import: `… imported from /path/app.ts` in the message.
 */
import { isSiteFile, toPath } from "./site-files.js";
import { locateSyntaxError, parseDecoratedSyntaxError } from "./syntax-check.js";
import type { LoadFailure } from "./failure.js";

export interface ErrorContext {
  /** The module the worker was importing: the fallback location, when there is one. */
  readonly file?: string;
  /** Site files loaded so far, most recent first: where an unlocated syntax error may hide. */
  readonly recentFiles: () => Promise<readonly string[]>;
}

export async function describeLoadError(error: unknown, context: ErrorContext): Promise<LoadFailure> {
  const fallback = context.file === undefined ? {} : { file: context.file };
  if (!(error instanceof Error)) return { message: `threw a non-error value: ${String(error)}`, ...fallback };
  const stack = error.stack ?? `${error.name}: ${error.message}`;

  const esbuild = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m.exec(error.message);
  if (esbuild?.[1] !== undefined && esbuild[2] !== undefined && esbuild[3] !== undefined && esbuild[4] !== undefined) {
    // No stack: it would show only the compiler's insides; the location says it all.
    return { message: `SyntaxError: ${esbuild[4]}`, file: esbuild[1], line: Number(esbuild[2]), column: Number(esbuild[3]) + 1 };
  }

  if (error.name === "SyntaxError") {
    const decorated = parseDecoratedSyntaxError(stack);
    if (decorated !== undefined) return decorated;
    if (!hasSiteFrame(stack)) {
      const located = locateSyntaxError(await context.recentFiles());
      if (located !== undefined) return located;
    }
  }

  return describeThrown(error, context.file);
}

/** An error thrown by running code (not compiling it): located by its stack. */
export function describeThrown(error: Error, file?: string): LoadFailure {
  const stack = error.stack ?? `${error.name}: ${error.message}`;
  const message = `${error.name}: ${error.message}`;
  // A missing import is the importer's mistake, unless the importer is tsgi (site-import.ts).
  const importer = /imported from (\S+)\s*$/.exec(error.message)?.[1];
  if (importer !== undefined && isSiteFile(toPath(importer))) return { message, file: toPath(importer), stack };

  const frame = firstSiteFrame(stack);
  if (frame !== undefined) return { message, ...frame, stack };
  return { message, ...(file === undefined ? {} : { file }), stack };
}

interface Frame {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Matches `at fn (/path/x.ts:3:9)`, `at /path/x.ts:3:9` and `at file:///path/x.mjs:3:9`. */
const FRAME = /^\s*at (?:.*? \()?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/;

function firstSiteFrame(stack: string): Frame | undefined {
  for (const line of stack.split("\n")) {
    const match = FRAME.exec(line);
    if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) continue;
    const file = toPath(match[1]);
    if (isSiteFile(file)) return { file, line: Number(match[2]), column: Number(match[3]) };
  }
  return undefined;
}

function hasSiteFrame(stack: string): boolean {
  return firstSiteFrame(stack) !== undefined;
}
