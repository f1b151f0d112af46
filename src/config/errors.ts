/**
 * Config issues: collected while loading, printed the way compilers print them.
 *
 *     sites.yaml:7:5: unknown key `comand` in site `alpha`
 *        7 |     comand: [python3, app.py]
 *          |     ^
 *       hint: did you mean `command`?
 */
import { readFileSync } from "node:fs";
import type { ConfigIssue } from "./types.js";
import type { Pos } from "./tree.js";

/** Collects every issue of one pass; loading never stops at the first. */
export class IssueList {
  readonly #issues: ConfigIssue[] = [];
  constructor(readonly file: string) {}

  add(pos: Pos, message: string, hint?: string): void {
    // The same problem reached twice (a shared default, say) is still one problem.
    if (this.#issues.some((i) => i.line === pos.line && i.col === pos.col && i.message === message)) return;
    this.#issues.push({ file: this.file, line: pos.line, col: pos.col, message, hint });
  }

  get size(): number {
    return this.#issues.length;
  }

  /** In file order, so the output reads top to bottom; ties keep the order found. */
  sorted(): readonly ConfigIssue[] {
    return [...this.#issues].sort((a, b) => a.line - b.line || a.col - b.col);
  }
}

function sourceLines(issue: ConfigIssue, sourceText: string | undefined, cache: Map<string, string[] | undefined>) {
  if (sourceText !== undefined) return sourceText.split(/\r?\n/);
  if (!cache.has(issue.file)) {
    try {
      cache.set(issue.file, readFileSync(issue.file, "utf8").split(/\r?\n/));
    } catch {
      cache.set(issue.file, undefined);
    }
  }
  return cache.get(issue.file);
}

/** One issue; `lines` is the file's text split in lines, when we have it. */
export function formatIssue(issue: ConfigIssue, lines?: readonly string[]): string {
  const out = [`${issue.file}:${issue.line}:${issue.col}: ${issue.message}`];
  const text = lines?.[issue.line - 1];
  if (text !== undefined && text.trim() !== "") {
    const gutter = String(issue.line);
    const pad = " ".repeat(gutter.length);
    // Copy the line's own tabs into the caret line so the caret lands under the column.
    const lead = text.slice(0, Math.max(0, issue.col - 1)).replace(/[^\t]/g, " ");
    out.push(` ${gutter} | ${text.trimEnd()}`, ` ${pad} | ${lead}^`);
  }
  if (issue.hint !== undefined) out.push(`  hint: ${issue.hint}`);
  return out.join("\n");
}

/**
 * All issues, blank-line separated. `sourceText` is the config's text; without it each issue's
 * file is read (quietly skipped if it cannot be).
 */
export function formatIssues(issues: readonly ConfigIssue[], sourceText?: string): string {
  const cache = new Map<string, string[] | undefined>();
  return issues.map((issue) => formatIssue(issue, sourceLines(issue, sourceText, cache))).join("\n\n");
}
