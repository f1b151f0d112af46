/**
 * `sites.yaml` → `LoadResult`: the only module that imports `yaml`.
 *
 * Parse with positions, turn the document into a plain tree (`tree.ts`), check its shape
 * (`validate.ts`), resolve it (`resolve.ts`). Every stage reports into one issue list; nothing
 * throws for a bad file — a missing file, a YAML syntax error and a typo are all issues.
 */
import fs from "node:fs";
import { dirname, resolve } from "node:path";
import { promisify } from "node:util";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { IssueList } from "./errors.js";
import type { MapEntry, Pos, TreeNode } from "./tree.js";
import type { ConfigIssue, LoadResult } from "./types.js";
import { DEFAULTS } from "./resolve.js";
import { validateTree } from "./validate.js";
import { resolveConfig } from "./resolve.js";

/** fs.readFile as a promise: node:fs/promises stays off the start path (`scripts/build.mjs`, LAZY_NODE_MODULES). */
const readFile = promisify(fs.readFile);

export { formatIssue, formatIssues } from "./errors.js";

export interface LoadOptions {
  /** The supervisor's environment: the inherit allowlist and `${VAR}` read it. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Accepted for the CLI's `--watch`; it changes nothing here: `ResolvedSite.watch` stays as
   * written and the watcher decides what `undefined` means under `--watch`.
   */
  readonly watchAll?: boolean;
}

/** Aliases can nest into exponential trees ("billion laughs"); a real config is far smaller. */
const MAX_NODES = 100_000;

const YAML_HINTS: Readonly<Record<string, string>> = {
  DUPLICATE_KEY: "each key may appear once in a map (a site written twice?)",
  TAB_AS_INDENT: "indent with spaces, not tabs",
  BAD_INDENT: "check the indentation of this line against the lines above",
  MISSING_CHAR: "a quote or bracket is not closed",
  MULTIPLE_DOCS: "sites.yaml holds one document: remove the `---` separator",
  BLOCK_AS_IMPLICIT_KEY: "a key's value goes after `key:`; check the indentation",
};

class TreeBuilder {
  #count = 0;
  constructor(
    private readonly doc: Document,
    private readonly text: string,
    private readonly lines: LineCounter,
    private readonly issues: IssueList,
  ) {}

  pos(offset: number): Pos {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  build(node: unknown, at: number, aliases: ReadonlySet<unknown> = new Set()): TreeNode | undefined {
    if (++this.#count > MAX_NODES) return undefined;
    if (node === null || node === undefined) return { kind: "scalar", value: null, source: "", quoted: false, pos: this.pos(at) };
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      const start = node.range?.[0] ?? at;
      if (target === undefined || aliases.has(target)) {
        this.issues.add(
          this.pos(start),
          `alias \`*${node.source}\` ${target === undefined ? "has no anchor `&" + node.source + "` before it" : "refers to itself"}`,
        );
        return undefined;
      }
      return this.build(target, start, new Set([...aliases, target]));
    }
    const start = (node as { range?: [number, number, number] }).range?.[0] ?? at;
    const range = (node as { range?: [number, number, number] }).range;
    if (isScalar(node)) {
      const raw = node.value;
      const source = range ? this.text.slice(range[0], range[1]) : String(raw);
      const value =
        raw === null || typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean"
          ? raw
          : typeof raw === "bigint"
            ? Number(raw)
            : source;
      const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
      return { kind: "scalar", value, source, quoted, pos: this.pos(start) };
    }
    if (isSeq(node)) {
      const items: TreeNode[] = [];
      for (const item of node.items) {
        const built = this.build(item, start, aliases);
        if (built === undefined) return undefined;
        items.push(built);
      }
      return { kind: "seq", items, pos: this.pos(start) };
    }
    if (isMap(node)) return this.map(node.items, start, aliases);
    this.issues.add(this.pos(start), "unsupported YAML value here");
    return undefined;
  }

  map(pairs: readonly { key: unknown; value: unknown }[], start: number, aliases: ReadonlySet<unknown>): TreeNode | undefined {
    const entries: MapEntry[] = [];
    const merged: MapEntry[] = [];
    for (const pair of pairs) {
      const keyStart = (pair.key as { range?: [number, number, number] } | null)?.range?.[0] ?? start;
      if (!isScalar(pair.key) || pair.key.value === null) {
        this.issues.add(this.pos(keyStart), "keys must be plain words (`name: value`)");
        return undefined;
      }
      const value = this.build(pair.value, pair.key.range?.[1] ?? keyStart, aliases);
      if (value === undefined) return undefined;
      if (typeof pair.key.value === "symbol" || pair.key.source === "<<") {
        // YAML merge key: `<<: *base` brings in base's keys; the map's own keys win.
        const sources = value.kind === "seq" ? value.items : [value];
        for (const source of sources) {
          if (source.kind !== "map") {
            this.issues.add(source.pos, "`<<` merges maps: write `<<: *anchor` or `<<: [*a, *b]`");
            return undefined;
          }
          merged.push(...source.entries);
        }
        continue;
      }
      const key = typeof pair.key.value === "string" ? pair.key.value : this.text.slice(pair.key.range?.[0] ?? 0, pair.key.range?.[1] ?? 0);
      entries.push({ key, keyPos: this.pos(keyStart), value });
    }
    const own = new Set(entries.map((entry) => entry.key));
    for (const entry of merged) {
      if (own.has(entry.key)) continue;
      own.add(entry.key);
      entries.push(entry);
    }
    return { kind: "map", entries, pos: this.pos(start) };
  }
}

/**
 * Parses and converts. `undefined`: an empty document (validation says so). `null`: the text
 * could not be read as YAML, and the reasons are already in `issues`.
 */
export function parseTree(text: string, issues: IssueList): TreeNode | undefined | null {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true });
  for (const error of doc.errors) {
    const { line, col } = lines.linePos(error.pos[0]);
    issues.add(
      { line, col },
      `YAML syntax: ${error.message.split("\n")[0] ?? error.message}`,
      YAML_HINTS[error.code] ?? "check the indentation, quotes and brackets on this line",
    );
  }
  if (doc.errors.length > 0) return null;
  if (doc.contents === null) return undefined;
  const builder = new TreeBuilder(doc, text, lines, issues);
  const tree = builder.build(doc.contents, 0);
  if (tree === undefined && issues.size === 0) {
    issues.add({ line: 1, col: 1 }, `the document expands to more than ${MAX_NODES} values`, "use fewer nested aliases");
  }
  return tree ?? null;
}

/** Loads from text already read; `file` names it in messages and is the base of relative paths. */
export function loadConfigText(text: string, file: string, options: LoadOptions = {}): LoadResult {
  const absolute = resolve(file);
  const issues = new IssueList(absolute);
  const tree = parseTree(text, issues);
  if (tree !== null) {
    const valid = validateTree(tree, issues);
    if (valid !== undefined) {
      const config = resolveConfig(valid, { file: absolute, env: options.env ?? process.env }, issues);
      if (config !== undefined && issues.size === 0) return { ok: true, config };
    }
  }
  return { ok: false, errors: issues.sorted() };
}

export async function loadConfig(file: string, options: LoadOptions = {}): Promise<LoadResult> {
  const absolute = resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const [message, hint] =
      code === "ENOENT"
        ? [`no such file`, "create one with `tsgi-supervise init`, or pass the path of your sites.yaml"]
        : code === "EISDIR"
          ? ["this is a directory", `pass the file inside it, e.g. ${resolve(absolute, "sites.yaml")}`]
          : code === "EACCES"
            ? ["permission denied", "make the file readable by the user running tsgi-supervise"]
            : [`cannot be read (${code ?? String(error)})`, undefined];
    return { ok: false, errors: [{ file: absolute, line: 1, col: 1, message, hint }] };
  }
  return loadConfigText(text, absolute, options);
}

/**
 * Where the control socket of a config is, even when the rest of the file has errors: a
 * control command (`reload-config` after a bad edit, above all) must still reach the running
 * supervisor to be told what is wrong.
 */
export async function controlSocketOf(file: string): Promise<{ ok: true; path: string } | { ok: false; errors: readonly ConfigIssue[] }> {
  const full = await loadConfig(file);
  if (full.ok) return { ok: true, path: full.config.control };
  const absolute = resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch {
    return full;
  }
  const tree = parseTree(text, new IssueList(absolute));
  if (tree === null || tree === undefined || tree.kind !== "map") return full;
  const supervisor = tree.entries.find((entry) => entry.key === "supervisor")?.value;
  const control = supervisor?.kind === "map" ? supervisor.entries.find((entry) => entry.key === "control")?.value : undefined;
  const value = control?.kind === "scalar" && typeof control.value === "string" ? control.value : DEFAULTS.control;
  return { ok: true, path: resolve(dirname(absolute), value) };
}

/**
 * Plain data from a YAML text that is not a `sites.yaml` (`tsgi-supervise import` reads PM2's
 * `ecosystem.yaml`), so that this stays the one module that parses YAML. A syntax error is a
 * value with its line and column.
 */
export function readYamlData(
  text: string,
): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly line: number; readonly col: number; readonly message: string } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const { line, col } = lines.linePos(error.pos[0]);
    return { ok: false, line, col, message: error.message.split("\n")[0] ?? error.message };
  }
  return { ok: true, value: doc.toJS({ maxAliasCount: 1000 }) as unknown };
}
