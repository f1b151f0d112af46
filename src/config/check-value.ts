/**
 * Checks one YAML value against its `TypeSpec` (see `schema.ts`) and converts it: durations
 * to milliseconds, sizes to bytes, signals to `SIGTERM`, command strings to argv.
 *
 * Every problem goes to the issue list with the value's position; the walk continues, so one
 * pass reports everything. An invalid value comes back as `INVALID` and the key is left out.
 */
import { describeNode, type MapNode, type Pos, type TreeNode } from "./tree.js";
import type { IssueList } from "./errors.js";
import type { KeySpec, KeyTable, TypeSpec } from "./schema.js";
import { parseDuration, parseSize } from "./units.js";
import { normaliseSignal, SIGNALS } from "./signals.js";
import { didYouMean, suggest } from "./suggest.js";
import { parseListen } from "./listen.js";
import { parseHost } from "./hosts.js";
import { splitCommand } from "./split-command.js";

export const INVALID: unique symbol = Symbol("invalid");
/** A converted value, or `INVALID`; its type is known from the spec, not here. */
type Checked = unknown;

export interface CheckContext {
  readonly issues: IssueList;
  /** Prefix naming where we are: "site `alpha`: ". */
  readonly scope: string;
  /** A hint for an unknown key beyond a sibling's spelling ("`logs` is a `supervisor` key"). */
  readonly elsewhere?: (key: string) => string | undefined;
}

/** A key's checked value with where it was written. */
export interface Field {
  readonly value: unknown;
  readonly node: TreeNode;
  readonly keyPos: Pos;
}

type Shape = "string" | "number" | "boolean" | "null" | "seq" | "map";

function shapeOf(node: TreeNode): Shape {
  if (node.kind !== "scalar") return node.kind;
  if (node.value === null) return "null";
  return typeof node.value as "string" | "number" | "boolean";
}

function shapesOf(spec: TypeSpec): readonly Shape[] {
  switch (spec.type) {
    case "string":
      return spec.scalars ? ["string", "number", "boolean"] : ["string"];
    case "integer":
    case "const":
      return ["number"];
    case "boolean":
      return ["boolean"];
    // A bare number is taken only to be refused with the unit it lacks.
    case "duration":
    case "size":
    case "listen":
      return ["string", "number"];
    case "signal":
    case "enum":
    case "shell-words":
    case "regex":
    case "host":
      return ["string"];
    case "list":
      return ["seq"];
    case "map":
    case "object":
      return ["map"];
    case "anyOf":
      return spec.options.flatMap(shapesOf);
    default:
      throw new Error(`unknown spec ${(spec satisfies never as TypeSpec).type}`);
  }
}

/** "a duration such as `30s`", for "must be …" messages. */
export function describeSpec(spec: TypeSpec): string {
  switch (spec.type) {
    case "string":
      return "a string";
    case "integer":
      return spec.max === undefined ? `a whole number, at least ${spec.min}` : `a whole number from ${spec.min} to ${spec.max}`;
    case "boolean":
      return "`true` or `false`";
    case "const":
      return `\`${spec.value}\``;
    case "enum":
      return spec.values.map((value) => `\`${value}\``).join(", ");
    case "duration":
      return "a duration such as `30s`";
    case "size":
      return "a size such as `512MB`";
    case "signal":
      return "a signal name such as `SIGTERM`";
    case "listen":
      return "an address such as `127.0.0.1:8001`";
    case "shell-words":
      return "a command string";
    case "regex":
      return "a regular expression";
    case "host":
      return "a host name such as `shop.example.com`";
    case "list":
      return `a list of ${describeSpec(spec.items).replace(/^an? /, "")}s`.replace(/ss$/, "s");
    case "map":
      return `a map of ${describeSpec(spec.values).replace(/^an? /, "")}s`;
    case "object":
      return `a map with ${Object.keys(spec.keys)
        .map((key) => `\`${key}\``)
        .join(spec.exactlyOne ? " or " : ", ")}`;
    case "anyOf":
      return spec.options.map(describeSpec).join(", or ");
    default:
      throw new Error(`unknown spec ${(spec satisfies never as TypeSpec).type}`);
  }
}

/** `PORT: 8000` where a string belongs: quoting is the whole fix. */
function quoteHint(node: TreeNode, spec: TypeSpec): string | undefined {
  const wantsString = spec.type === "string" || (spec.type === "anyOf" && spec.options.some((o) => o.type === "string"));
  return wantsString && node.kind === "scalar" && node.value !== null ? `quote it: "${node.source}"` : undefined;
}

type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string; readonly hint: string };

/** A parser's verdict: its value, or its message and hint at the value's position. */
function fromParser(result: Parsed, node: TreeNode, label: string, ctx: CheckContext): Checked {
  if (result.ok) return result.value;
  ctx.issues.add(node.pos, `${ctx.scope}\`${label}\`: ${result.message}`, result.hint);
  return INVALID;
}

/**
 * `keyPos` is where the key was written: an empty value (`processes:`) is reported there,
 * since the null has no text of its own to point at.
 */
export function checkValue(node: TreeNode, spec: TypeSpec, label: string, ctx: CheckContext, keyPos?: Pos): Checked {
  const shape = shapeOf(node);
  const expected = shapesOf(spec);
  if (!expected.includes(shape)) {
    const at = shape === "null" && keyPos ? keyPos : node.pos;
    const hint = shape === "number" || shape === "boolean" ? quoteHint(node, spec) : undefined;
    const what = shape === "null" ? "has no value" : `is ${describeNode(node)}`;
    const example =
      spec.type === "object" && spec.example !== undefined
        ? `write it as a map: \`${label}: ${spec.example}\``
        : shape === "string" && expected.includes("seq")
          ? `write a list: \`${label}: [${String((node as { value: unknown }).value)
              .split(/[\s,]+/)
              .filter(Boolean)
              .join(", ")}]\``
          : undefined;
    ctx.issues.add(at, `${ctx.scope}\`${label}\` ${what}; it must be ${describeSpec(spec)}`, hint ?? example);
    return INVALID;
  }
  if (spec.type === "anyOf") {
    const option = spec.options.find((candidate) => shapesOf(candidate).includes(shape));
    return option ? checkValue(node, option, label, ctx, keyPos) : INVALID;
  }
  if (node.kind === "seq")
    return spec.type === "list" ? checkList(node.items, spec.items, spec.minItems ?? 0, label, ctx, node.pos) : INVALID;
  if (node.kind === "map") {
    if (spec.type === "map") return checkMap(node, spec, label, ctx);
    if (spec.type === "object") return checkObject(node, spec.keys, spec.exactlyOne === true, label, ctx);
    return INVALID;
  }
  return checkScalar(node, spec, label, ctx);
}

function checkScalar(node: TreeNode & { kind: "scalar" }, spec: TypeSpec, label: string, ctx: CheckContext): Checked {
  const value = node.value;
  const bad = (message: string, hint?: string) => {
    ctx.issues.add(node.pos, `${ctx.scope}\`${label}\` ${message}`, hint);
    return INVALID;
  };
  switch (spec.type) {
    case "string": {
      const text = typeof value === "string" ? value : node.source;
      if (text === "" && spec.allowEmpty !== true) return bad("is empty");
      if (spec.pattern !== undefined && !new RegExp(spec.pattern).test(text)) {
        return bad(`is \`${text}\`; it must be ${spec.patternHelp ?? `like ${spec.pattern}`}`);
      }
      return text;
    }
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) return bad(`is ${node.source}; it must be a whole number`);
      if (value < spec.min || (spec.max !== undefined && value > spec.max)) {
        return bad(`is ${node.source}; it must be ${describeSpec(spec).replace(/^a whole number,? /, "")}`);
      }
      return value;
    case "boolean":
      return value;
    case "const":
      return value === spec.value ? value : bad(`is ${node.source}; it must be \`${spec.value}\``, `write \`${label}: ${spec.value}\``);
    case "enum": {
      const text = String(value);
      if (spec.values.includes(text)) return text;
      return bad(`is \`${text}\`; it must be one of ${describeSpec(spec)}`, didYouMean(text, spec.values));
    }
    case "duration":
      return fromParser(parseDuration(value as string | number), node, label, ctx);
    case "size":
      return fromParser(parseSize(value as string | number), node, label, ctx);
    case "signal": {
      const text = String(value);
      const signal = normaliseSignal(text);
      if (signal) return signal;
      const upper = normaliseSignal(text.toUpperCase());
      const near = suggest(text.toUpperCase().startsWith("SIG") ? text.toUpperCase() : `SIG${text.toUpperCase()}`, SIGNALS);
      return bad(
        `is \`${text}\`, not a signal name`,
        upper ? `write \`${upper}\`` : near ? `did you mean \`${near}\`?` : "write a signal name such as `SIGTERM` or `SIGINT`",
      );
    }
    case "listen":
      return fromParser(parseListen(value as string | number), node, label, ctx);
    case "host":
      return fromParser(parseHost(value as string), node, label, ctx);
    case "shell-words": {
      const split = splitCommand(value as string);
      return fromParser(split.ok ? { ok: true, value: split.argv } : split, node, label, ctx);
    }
    case "regex":
      try {
        new RegExp(value as string);
        return value;
      } catch (error) {
        return bad(
          `is not a valid regular expression: ${(error as Error).message}`,
          "check the brackets and escape special characters with `\\`",
        );
      }
    default:
      throw new Error(`not a scalar spec: ${spec.type}`);
  }
}

function checkList(items: readonly TreeNode[], spec: TypeSpec, minItems: number, label: string, ctx: CheckContext, pos: Pos): Checked {
  if (items.length < minItems) {
    ctx.issues.add(pos, `${ctx.scope}\`${label}\` is an empty list`);
    return INVALID;
  }
  const out = items.map((item, index) => checkValue(item, spec, `${label}[${index}]`, ctx));
  return out.includes(INVALID) ? INVALID : out;
}

/**
 * Good entries are kept even when others fail (each failure is reported): a later check can
 * still look at them, and any issue at all already means no plan comes out.
 */
function checkMap(node: MapNode, spec: TypeSpec & { type: "map" }, label: string, ctx: CheckContext): Checked {
  const out = new Map<string, unknown>();
  for (const entry of node.entries) {
    if (!new RegExp(spec.keyPattern).test(entry.key)) {
      ctx.issues.add(entry.keyPos, `${ctx.scope}\`${label}\` has the key \`${entry.key}\`; it must be ${spec.keyHelp}`);
      continue;
    }
    const value = checkValue(entry.value, spec.values, `${label}.${entry.key}`, ctx, entry.keyPos);
    if (value !== INVALID) out.set(entry.key, value);
  }
  // fromEntries, not assignment, so a key named `__proto__` stays an ordinary key.
  return Object.fromEntries(out);
}

/** Checks a map's keys against a table, keeping each value's position for later checks. */
export function checkFields(
  node: MapNode,
  keys: KeyTable,
  label: string | undefined,
  ctx: CheckContext,
): Map<string, Field | typeof INVALID> {
  const out = new Map<string, Field | typeof INVALID>();
  for (const entry of node.entries) {
    const spec: KeySpec | undefined = Object.hasOwn(keys, entry.key) ? keys[entry.key] : undefined;
    const path = label === undefined ? entry.key : `${label}.${entry.key}`;
    if (spec === undefined) {
      const where = label === undefined ? "" : ` in \`${label}\``;
      const hint = didYouMean(entry.key, Object.keys(keys)) ?? ctx.elsewhere?.(entry.key);
      ctx.issues.add(
        entry.keyPos,
        `${ctx.scope}unknown key \`${entry.key}\`${where}`,
        hint ?? `known keys: ${Object.keys(keys).join(", ")}`,
      );
      continue;
    }
    const value = checkValue(entry.value, spec.type, path, ctx, entry.keyPos);
    out.set(entry.key, value === INVALID ? INVALID : { value, node: entry.value, keyPos: entry.keyPos });
  }
  return out;
}

function checkObject(node: MapNode, keys: KeyTable, exactlyOne: boolean, label: string, ctx: CheckContext): Checked {
  if (exactlyOne && node.entries.length !== 1) {
    const names = Object.keys(keys)
      .map((key) => `\`${key}\``)
      .join(", ");
    ctx.issues.add(node.pos, `${ctx.scope}\`${label}\` takes exactly one of ${names}, not ${node.entries.length}`);
    return INVALID;
  }
  const fields = checkFields(node, keys, label, ctx);
  if (fields.size !== node.entries.length || [...fields.values()].includes(INVALID)) return INVALID;
  return Object.fromEntries([...fields].map(([key, field]) => [key, (field as Field).value]));
}
