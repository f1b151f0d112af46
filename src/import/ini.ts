/**
 * A positioned INI reader for supervisord's and uWSGI's files: sections in order, each with its
 * `key = value` entries and the line of each, so every mapped or unmapped option can name its
 * place. The two dialects differ only in the flags below.
 */
import { failAt, type Parsed } from "./model.js";

export interface IniEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
  /** Column where the value starts. */
  readonly col: number;
}

export interface IniSection {
  readonly name: string;
  readonly line: number;
  readonly entries: IniEntry[];
}

export interface IniDialect {
  /** ConfigParser: an indented line continues the value above (supervisord). */
  readonly continuation: boolean;
  /** ConfigParser with `inline_comment_prefixes`: ` ;` or ` #` ends the value (supervisord). */
  readonly inlineComments: boolean;
}

export function readIni(text: string, file: string, dialect: IniDialect): Parsed<IniSection[]> {
  const sections: IniSection[] = [];
  let current: IniSection | undefined;
  let last: { entry: IniEntry; index: number } | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    const number = i + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith(";") || trimmed.startsWith("#")) {
      if (trimmed === "") last = undefined;
      continue;
    }
    if (dialect.continuation && /^\s/.test(raw) && last !== undefined && current !== undefined) {
      const entry: IniEntry = { ...last.entry, value: `${last.entry.value}\n${strip(trimmed, dialect)}` };
      current.entries[last.index] = entry;
      last = { entry, index: last.index };
      continue;
    }
    if (trimmed.startsWith("[")) {
      const close = trimmed.indexOf("]");
      if (close < 0) return failAt(file, number, raw.indexOf("[") + 1, "a section header is not closed", "`[name]`");
      current = { name: trimmed.slice(1, close).trim(), line: number, entries: [] };
      sections.push(current);
      last = undefined;
      continue;
    }
    const match = /^([^=:]+?)\s*[=:]\s?(.*)$/.exec(trimmed);
    if (match === null) {
      return failAt(
        file,
        number,
        raw.length - raw.trimStart().length + 1,
        `\`${trimmed}\` is not an option`,
        "`key = value`, a `[section]` header, or a comment (`;` or `#`)",
      );
    }
    if (current === undefined) {
      return failAt(file, number, 1, `option \`${match[1]}\` comes before any section`, "a `[section]` header first");
    }
    const value = strip(match[2] ?? "", dialect).trim();
    const col = value === "" ? raw.length + 1 : raw.indexOf(value, raw.indexOf(match[1] ?? "") + (match[1] ?? "").length) + 1;
    const entry: IniEntry = { key: (match[1] ?? "").trim(), value, line: number, col };
    current.entries.push(entry);
    last = { entry, index: current.entries.length - 1 };
  }
  return { ok: true, value: sections };
}

function strip(value: string, dialect: IniDialect): string {
  if (!dialect.inlineComments) return value;
  const at = value.search(/\s[;#]/);
  return at < 0 ? value : value.slice(0, at).trimEnd();
}
