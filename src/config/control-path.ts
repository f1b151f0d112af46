/**
 * The control socket named by a `sites.yaml`, read without loading the config module.
 *
 * Every control command (`status`, `reload NAME`, …) starts by finding the socket; loading
 * `config/load.ts` for that brings in yaml, the validator and the kinds (~600 KB of bundle) and
 * validates every site — most of `status`'s time with 100 sites. This reads only the lines of
 * the plain block form everybody writes:
 *
 *     supervisor:
 *       control: ./control.sock   # plain, "double" or 'single' quoted
 *
 * or the one-line flow map many tests and examples write (`supervisor: {logs: false}`: the
 * loader would cost such a `status` ~150 ms of CPU against ~25, measured), with plain keys and
 * values and no quotes, and answers `undefined` for anything else it cannot be sure of (other
 * flow maps, anchors, aliases,
 * merge keys, tags, tabs, directives, several documents, repeated keys, escapes, values YAML
 * would read as numbers, booleans or null), so the caller falls back to `controlSocketOf` in
 * `load.ts`, which stays the one reader that parses YAML. A test checks both agree on every
 * config in the repository. Unlike the loader it also answers for a file whose YAML is broken
 * elsewhere (a duplicate site): the supervisor started before that edit is still the one to ask.
 */
import { dirname, resolve } from "node:path";

/** Where the socket is when `supervisor.control` is not set (the same value `resolve.ts` uses). */
export const DEFAULT_CONTROL = ".tsgi/control.sock";

const TOP_KEY = /^([A-Za-z_][\w-]*):(?:\s+(.*))?$/;
const NESTED_KEY = /^( +)([A-Za-z_][\w-]*):(?:\s+(.*))?$/;
const COMMENT = /^\s*(?:#.*)?$/;

/** The socket's absolute path, or `undefined` when only the full YAML reader can tell. */
export function quickControlPath(file: string, text: string): string | undefined {
  const value = controlValue(text.startsWith("\uFEFF") ? text.slice(1) : text);
  if (value === undefined) return undefined;
  const absolute = resolve(file);
  return resolve(dirname(absolute), value);
}

/** The raw `supervisor.control` string (the default when unset), `undefined` when unsure. */
function controlValue(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  let inSupervisor = false;
  let seenSupervisor = false;
  let indent: number | undefined;
  let control: string | undefined;
  let afterControl = false;
  let inFlowMap = false;
  for (const line of lines) {
    if (COMMENT.test(line)) continue;
    if (line.includes("\t")) return undefined;
    if (!line.startsWith(" ")) {
      // A top-level key; anything else at column 0 (`---`, `{`, `? `, `"key"`) is not the plain form.
      const top = TOP_KEY.exec(line);
      if (top === null) return undefined;
      afterControl = false;
      inSupervisor = top[1] === "supervisor";
      if (!inSupervisor) continue;
      if (seenSupervisor) return undefined;
      seenSupervisor = true;
      if (COMMENT.test(top[2] ?? "")) continue;
      const flow = flowMapControl(top[2] ?? "");
      if (flow === undefined) return undefined;
      control = flow.control;
      inFlowMap = true;
      continue;
    }
    if (!inSupervisor) continue;
    // A flow map is whole on its line: an indented line after it is not the plain form.
    if (inFlowMap) return undefined;
    const nested = NESTED_KEY.exec(line);
    const depth = line.length - line.trimStart().length;
    indent ??= depth;
    if (depth > indent) {
      // Inside a nested map or a multi-line value of a supervisor key; after `control:` it would
      // continue the control value itself.
      if (afterControl) return undefined;
      continue;
    }
    afterControl = false;
    if (depth < indent || nested === null) return undefined;
    if (nested[2] !== "control") continue;
    if (control !== undefined) return undefined;
    control = scalar(nested[3] ?? "");
    if (control === undefined) return undefined;
    afterControl = true;
  }
  return control ?? DEFAULT_CONTROL;
}

/** A plain scalar on one line, maybe a comment after it (no `@` or backtick first: reserved). */
const PLAIN = /^([\w./~+-][\w./~+:-]*)(?:\s+#.*|\s*)$/;
const DOUBLE = /^"([^"\\]*)"(?:\s+#.*|\s*)$/;
const SINGLE = /^'([^']*)'(?:\s+#.*|\s*)$/;
/**
 * Plain scalars YAML reads as something other than a string: numbers, null, booleans (YAML 1.2's
 * core schema, and 1.1's `yes`/`on`/… too, to be sure whatever the parser's version).
 */
const NOT_A_STRING =
  /^(?:[-+]?\.?\d|[-+]?\.(?:inf|Inf|INF)$|\.(?:nan|NaN|NAN)$|~$|(?:null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$)/;

/**
 * `{key: value, …}` on one line, maybe a comment after it: no nested collections, quotes, anchors,
 * aliases, tags, comments or escapes inside, each entry `key: value` (a space after the colon: in
 * a flow map `a:b` is one plain scalar) or `key:`, no key twice.
 */
const FLOW_MAP = /^\{([^{}[\]"'#&*!|>%@`\\?]*)\}(?:\s+#.*|\s*)$/;
const FLOW_ENTRY = /^([A-Za-z_][\w-]*):(?:\s+(\S.*))?$/;

/** The flow map's `control` (undefined when it has none), or `undefined` itself when unsure. */
function flowMapControl(source: string): { readonly control: string | undefined } | undefined {
  const inner = FLOW_MAP.exec(source)?.[1];
  if (inner === undefined) return undefined;
  if (inner.trim() === "") return { control: undefined };
  const keys = new Set<string>();
  let control: string | undefined;
  for (const part of inner.split(",")) {
    const entry = FLOW_ENTRY.exec(part.trim());
    const key = entry?.[1];
    // `{logs: a: b}` is not YAML: a value with a mapping's `: ` in it is left to the reader.
    if (entry === null || key === undefined || keys.has(key) || /:(?:\s|$)/.test(entry[2] ?? "")) return undefined;
    keys.add(key);
    if (key !== "control") continue;
    control = scalar(entry[2] ?? "");
    if (control === undefined) return undefined;
  }
  return { control };
}

function scalar(source: string): string | undefined {
  const plain = PLAIN.exec(source)?.[1];
  if (plain !== undefined) return NOT_A_STRING.test(plain) ? undefined : plain;
  const quoted = (DOUBLE.exec(source) ?? SINGLE.exec(source))?.[1];
  return quoted === "" ? undefined : quoted;
}
