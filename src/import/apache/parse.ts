/**
 * Apache configuration text → a tree of directives and `<Section>`s with file and line, as
 * httpd reads it: `#` comment lines, a trailing `\` continuing a line, double- or single-quoted
 * arguments, `Include`/`IncludeOptional` followed (globs in the last segment, relative to the
 * including file's folder when not absolute).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { ImportContext } from "../context.js";
import { failAt, type Parsed } from "../model.js";
import { expandGlob, readText } from "../read-files.js";

export interface Directive {
  readonly type: "directive";
  readonly name: string;
  readonly args: readonly string[];
  readonly file: string;
  readonly line: number;
}

export interface Section {
  readonly type: "section";
  readonly name: string;
  readonly args: readonly string[];
  readonly file: string;
  readonly line: number;
  readonly children: ApacheNode[];
}

export type ApacheNode = Directive | Section;

type Words = { ok: true; words: string[] } | { ok: false; col: number; message: string };

function splitWords(text: string): Words {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] ?? "")) i++;
    if (i >= text.length) break;
    const quote = text[i];
    if (quote === '"' || quote === "'") {
      const open = i++;
      let word = "";
      while (i < text.length && text[i] !== quote) {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        word += text.charAt(i++);
      }
      if (i >= text.length) return { ok: false, col: open + 1, message: "this quote is never closed" };
      i++;
      words.push(word);
    } else {
      let word = "";
      while (i < text.length && !/\s/.test(text.charAt(i))) word += text.charAt(i++);
      words.push(word);
    }
  }
  return { ok: true, words };
}

/** httpd's `${NAME}`: a `Define`d variable, else one from the environment; an unknown one stays as written. */
function expand(text: string, defines: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => defines.get(name) ?? env[name] ?? whole);
}

export function parseApache(
  file: string,
  ctx: ImportContext,
  seen = new Set<string>(),
  defines = new Map<string, string>(),
): Parsed<ApacheNode[]> {
  seen.add(file);
  const shown = ctx.display(file);
  const text = readText(file, shown);
  if (!text.ok) return text;
  const root: ApacheNode[] = [];
  const stack: Section[] = [];
  const lines = text.value.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let logical = lines[i] ?? "";
    while (/\\\s*$/.test(logical) && i + 1 < lines.length) logical = logical.replace(/\\\s*$/, " ") + (lines[++i] ?? "");
    const trimmed = logical.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const indent = logical.length - logical.trimStart().length;
    const into = stack.at(-1)?.children ?? root;
    if (trimmed.startsWith("</")) {
      const name = trimmed.slice(2).replace(/>.*$/, "").trim();
      const open = stack.pop();
      if (open === undefined || open.name.toLowerCase() !== name.toLowerCase()) {
        return failAt(
          shown,
          first,
          indent + 1,
          `\`</${name}>\` closes ${open === undefined ? "no open section" : `\`<${open.name}>\` (line ${open.line})`}`,
          open === undefined ? "a matching `<" + name + ">` before it" : `\`</${open.name}>\``,
        );
      }
      continue;
    }
    if (trimmed.startsWith("<")) {
      if (!trimmed.endsWith(">"))
        return failAt(shown, first, indent + trimmed.length + 1, "a section header without its closing `>`", "`<Name args>`");
      const words = splitWords(expand(trimmed.slice(1, -1), defines, ctx.options.env));
      if (!words.ok) return failAt(shown, first, indent + 2 + words.col - 1, words.message, "a closed quote");
      const [name = "", ...args] = words.words;
      const section: Section = { type: "section", name, args, file: shown, line: first, children: [] };
      into.push(section);
      stack.push(section);
      continue;
    }
    const words = splitWords(expand(trimmed, defines, ctx.options.env));
    if (!words.ok) return failAt(shown, first, indent + words.col, words.message, "a closed quote");
    const [name = "", ...args] = words.words;
    if (/^Define$/i.test(name) && args[0] !== undefined) defines.set(args[0], args[1] ?? "");
    if (/^Include(Optional)?$/i.test(name)) {
      for (const pattern of args) {
        const found = expandGlob(pattern, path.dirname(file));
        for (const included of found) {
          if (seen.has(included)) continue;
          if (!existsSync(included)) {
            if (name.toLowerCase() === "includeoptional") continue;
            return failAt(
              shown,
              first,
              indent + 1,
              `${name} ${pattern}: ${included} does not exist`,
              "an existing file (or IncludeOptional)",
            );
          }
          const more = parseApache(included, ctx, seen, defines);
          if (!more.ok) return more;
          into.push(...more.value);
        }
      }
      continue;
    }
    into.push({ type: "directive", name, args, file: shown, line: first });
  }
  const open = stack.at(-1);
  if (open !== undefined)
    return failAt(shown, lines.length, 1, `\`<${open.name}>\` (line ${open.line}) is never closed`, `\`</${open.name}>\``);
  return { ok: true, value: root };
}
