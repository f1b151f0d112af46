/**
 * How a load failure reads on stderr, for the person looking at the site's log: where, what,
 * the offending line with a caret, then the stack when the failure came from running code.
 */
import { readFileSync } from "node:fs";
import { formatFailure, type LoadFailure } from "./failure.js";

export function formatLoadFailure(failure: LoadFailure): string {
  const parts = [`cannot start: ${formatFailure(failure)}`];
  const frame = codeFrame(failure);
  if (frame !== undefined) parts.push(frame);
  if (failure.stack !== undefined) parts.push(failure.stack);
  return parts.join("\n");
}

function codeFrame(failure: LoadFailure): string | undefined {
  if (failure.file === undefined || failure.line === undefined) return undefined;
  let source: string;
  try {
    source = readFileSync(failure.file, "utf8");
  } catch {
    return undefined;
  }
  const text = source.split("\n")[failure.line - 1];
  if (text === undefined) return undefined;
  const gutter = `${failure.line} | `;
  const caret = failure.column === undefined ? "" : `\n${" ".repeat(gutter.length + failure.column - 1)}^`;
  return `${gutter}${text}${caret}`;
}
