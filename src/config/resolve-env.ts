/**
 * The config side of a site's environment: expanding `${VAR}` with positions, reading env
 * files, and the rules about the settings variable. The layering itself is `env/build-env.ts`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import type { IssueList } from "./errors.js";
import type { Pos, TreeNode } from "./tree.js";
import type { TypedField } from "./validate.js";
import { expandVars, RESERVED_VARS } from "../env/build-env.js";

/** Where inside a value an error is: on the value's first line we can point at the `${`. */
function posIn(node: TreeNode, offset: number): Pos {
  if (node.kind !== "scalar") return node.pos;
  const lead = node.quoted ? 1 : 0;
  const firstLine = node.source.split("\n")[0] ?? "";
  return offset + lead < firstLine.length ? { line: node.pos.line, col: node.pos.col + lead + offset } : node.pos;
}

function entryNode(field: TypedField<unknown>, name: string): { node: TreeNode; keyPos: Pos } {
  if (field.node.kind === "map") {
    const entry = field.node.entries.find((e) => e.key === name);
    if (entry) return { node: entry.value, keyPos: entry.keyPos };
  }
  return { node: field.node, keyPos: field.keyPos };
}

/**
 * `env:` with `${VAR}` expanded from the supervisor's environment; `undefined` when any
 * value failed (each failure reported once, at its `${`).
 */
export function expandEnv(
  field: TypedField<Readonly<Record<string, string>>> | undefined,
  supervisorEnv: NodeJS.ProcessEnv,
  scope: string,
  issues: IssueList,
): Record<string, string> | undefined {
  if (field === undefined) return {};
  const out = new Map<string, string>();
  let ok = true;
  for (const [name, raw] of Object.entries(field.value)) {
    const { node, keyPos } = entryNode(field, name);
    if (RESERVED_VARS.includes(name)) {
      issues.add(keyPos, `${scope}\`env.${name}\` is set by tsgi for each process`, `remove \`${name}\` from \`env\``);
      ok = false;
      continue;
    }
    const expanded = expandVars(raw, supervisorEnv);
    if (!expanded.ok) {
      issues.add(posIn(node, expanded.offset), `${scope}\`env.${name}\`: ${expanded.message}`, expanded.hint);
      ok = false;
      continue;
    }
    out.set(name, expanded.value);
  }
  return ok ? Object.fromEntries(out) : undefined;
}

/** Each env file, read relative to the site's cwd; a missing one is reported at its entry. */
export function readEnvFiles(
  field: TypedField<string | readonly string[]> | undefined,
  cwd: string,
  scope: string,
  issues: IssueList,
): { env: Record<string, string>; from: Map<string, TreeNode> } | undefined {
  const env = new Map<string, string>();
  const from = new Map<string, TreeNode>();
  if (field === undefined) return { env: {}, from };
  const items = typeof field.value === "string" ? [field.value] : field.value;
  let ok = true;
  items.forEach((item, index) => {
    const node = field.node.kind === "seq" ? (field.node.items[index] ?? field.node) : field.node;
    const path = resolve(cwd, item);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      issues.add(
        node.pos,
        code === "ENOENT"
          ? `${scope}env file \`${item}\` not found (${path})`
          : `${scope}env file \`${item}\` cannot be read: ${code ?? String(error)}`,
        code === "ENOENT" ? `\`envFile\` is relative to the site's cwd (${cwd}); create the file or fix the path` : "check its permissions",
      );
      ok = false;
      return;
    }
    for (const [name, value] of Object.entries(parseDotenv(text))) {
      // The spawner sets these per process; a stale copy in a file must not pretend otherwise.
      if (RESERVED_VARS.includes(name)) continue;
      env.set(name, value);
      from.set(name, node);
    }
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set false inside the loop's callback
  return ok ? { env: Object.fromEntries(env), from } : undefined;
}

/**
 * The settings variable comes from `settings:` only. Set in `env`, it is an error (two places
 * to say one thing); set by an env file, `settings:` wins, and without `settings:` it is an
 * error rather than a value silently dropped.
 */
export function checkSettingsVar(
  parts: {
    readonly site: string;
    readonly settingsVar: string;
    readonly settings: string | undefined;
    readonly env: TypedField<Readonly<Record<string, string>>> | undefined;
    readonly fileEnv: Readonly<Record<string, string>>;
    readonly fileFrom: ReadonlyMap<string, TreeNode>;
  },
  issues: IssueList,
): void {
  const { site, settingsVar } = parts;
  if (parts.env !== undefined && Object.hasOwn(parts.env.value, settingsVar)) {
    const value = parts.env.value[settingsVar] ?? "";
    issues.add(
      entryNode(parts.env, settingsVar).keyPos,
      `site \`${site}\`: \`env\` sets the settings variable \`${settingsVar}\`; tsgi sets it from \`settings\``,
      parts.settings === undefined ? `write \`settings: ${value}\` instead` : "remove it from `env`",
    );
  }
  const fromFile = parts.fileEnv[settingsVar];
  if (fromFile !== undefined && parts.settings === undefined) {
    issues.add(
      parts.fileFrom.get(settingsVar)?.pos ?? { line: 1, col: 1 },
      `site \`${site}\`: its env file sets \`${settingsVar}=${fromFile}\`, but the site has no \`settings\`, so tsgi would remove it`,
      `add \`settings: ${fromFile}\` to site \`${site}\``,
    );
  }
}

let dotenvParse: ((text: string) => Record<string, string>) | undefined;

/** dotenv, loaded with the first env file only: it loads node:crypto, ~4 ms of every start-up. */
function parseDotenv(text: string): Record<string, string> {
  dotenvParse ??= (createRequire(import.meta.url)("dotenv") as typeof import("dotenv")).parse;
  return dotenvParse(text);
}
