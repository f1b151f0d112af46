/**
 * Generates `schema/sites.schema.json` and `docs/sites-yaml.md` from `src/config/schema.ts`.
 *
 *   node --import tsx scripts/gen-schema.ts          # write both
 *   node --import tsx scripts/gen-schema.ts --check  # exit 1 if either is out of date
 *
 * A unit test runs the check too, so the files cannot drift from the table the loader uses.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  DEFAULTS_KEYS,
  EXTENSION_KEY_PREFIX,
  KIND_KEYS,
  SITE_KEYS,
  SITE_NAME_MAX,
  SITE_NAME_PATTERN,
  SUPERVISOR_KEYS,
  TOP_KEYS,
  type KeySpec,
  type KeyTable,
  type TypeSpec,
} from "../src/config/schema.js";
import { DURATION_PATTERN, SIZE_PATTERN } from "../src/config/units.js";
import { SIGNAL_NAMES } from "../src/config/signals.js";
import { LISTEN_PATTERN } from "../src/config/listen.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const SCHEMA_FILE = resolve(ROOT, "schema/sites.schema.json");
export const DOCS_FILE = resolve(ROOT, "docs/sites-yaml.md");

function plain(text: string): string {
  return text.replace(/`/g, "");
}

function describe(spec: KeySpec): string {
  return plain(spec.default === undefined ? spec.description : `${spec.description} Default: ${spec.default}.`);
}

export function typeSchema(spec: TypeSpec): { [key: string]: Json } {
  switch (spec.type) {
    case "string":
      return {
        type: spec.scalars ? ["string", "number", "boolean"] : "string",
        ...(spec.scalars || spec.allowEmpty ? {} : { minLength: 1 }),
        ...(spec.pattern === undefined ? {} : { pattern: spec.pattern }),
      };
    case "integer":
      return { type: "integer", minimum: spec.min, ...(spec.max === undefined ? {} : { maximum: spec.max }) };
    case "boolean":
      return { type: "boolean" };
    case "const":
      return { const: spec.value };
    case "enum":
      return { type: "string", enum: [...spec.values] };
    case "duration":
      return { anyOf: [{ type: "string", pattern: DURATION_PATTERN }, { const: 0 }] };
    case "size":
      return { type: "string", pattern: SIZE_PATTERN };
    case "signal":
      return { type: "string", enum: [...SIGNAL_NAMES] };
    case "listen":
      return { anyOf: [{ type: "string", pattern: LISTEN_PATTERN }, { type: "integer", minimum: 1, maximum: 65535 }] };
    case "shell-words":
      return { type: "string", minLength: 1 };
    case "regex":
      return { type: "string", format: "regex" };
    case "list":
      return { type: "array", items: typeSchema(spec.items), ...(spec.minItems === undefined ? {} : { minItems: spec.minItems }) };
    case "map":
      return { type: "object", propertyNames: { pattern: spec.keyPattern }, additionalProperties: typeSchema(spec.values) };
    case "object":
      return objectSchema(spec.keys, spec.exactlyOne === true);
    case "anyOf":
      return { anyOf: spec.options.map(typeSchema) };
    default:
      throw new Error(`unknown spec ${JSON.stringify(spec satisfies never)}`);
  }
}

function objectSchema(keys: KeyTable, exactlyOne = false): { [key: string]: Json } {
  const properties: { [key: string]: Json } = {};
  for (const [key, spec] of Object.entries(keys)) properties[key] = { description: describe(spec), ...typeSchema(spec.type) };
  const required = Object.entries(keys).filter(([, spec]) => spec.required === true).map(([key]) => key);
  return {
    type: "object",
    properties,
    additionalProperties: false,
    ...(required.length > 0 ? { required } : {}),
    ...(exactlyOne ? { minProperties: 1, maxProperties: 1 } : {}),
  };
}

/** Exactly one kind; keys of other kinds forbidden; `wsgi`/`app` need `listen`. */
function siteRules(): Json[] {
  const oneKind: Json = { oneOf: KIND_KEYS.map((kind) => ({ required: [kind] })) };
  const perKind: Json[] = KIND_KEYS.map((kind) => {
    const forbidden: { [key: string]: Json } = {};
    for (const [key, spec] of Object.entries(SITE_KEYS as KeyTable)) {
      if (spec.only !== undefined && !spec.only.includes(kind)) forbidden[key] = false;
    }
    return {
      if: { required: [kind] },
      then: { properties: forbidden, ...(kind === "command" ? {} : { required: ["listen"] }) },
    };
  });
  return [oneKind, ...perKind];
}

export function generateJsonSchema(): { [key: string]: Json } {
  const top = objectSchema(TOP_KEYS);
  const properties = top.properties as { [key: string]: { [key: string]: Json } };
  const sites = properties.sites!;
  properties.sites = {
    description: sites.description ?? "",
    type: "object",
    minProperties: 1,
    propertyNames: { pattern: SITE_NAME_PATTERN, maxLength: SITE_NAME_MAX },
    additionalProperties: { $ref: "#/$defs/site" },
  };
  // An empty section (every key commented out) is YAML null, and fine.
  const supervisor = properties.supervisor!;
  properties.supervisor = { ...supervisor, type: ["object", "null"] };
  properties.defaults = { description: properties.defaults?.description ?? "", anyOf: [{ $ref: "#/$defs/defaults" }, { type: "null" }] };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "tsgi sites.yaml",
    description: "The sites tsgi-supervise runs. Generated from src/config/schema.ts by scripts/gen-schema.ts.",
    ...top,
    patternProperties: { [`^${EXTENSION_KEY_PREFIX}`]: { description: "Ignored: a place for YAML anchors." } },
    $defs: {
      site: { ...objectSchema(SITE_KEYS), allOf: siteRules() },
      defaults: objectSchema(DEFAULTS_KEYS),
    },
  };
}

export function renderJsonSchema(): string {
  return `${JSON.stringify(generateJsonSchema(), null, 2)}\n`;
}

/** The type column of the docs. */
export function typeText(spec: TypeSpec): string {
  switch (spec.type) {
    case "string":
      return spec.pattern === undefined ? "string" : `string (${plain(spec.patternHelp ?? spec.pattern)})`;
    case "integer":
      return spec.max === undefined ? `integer ≥ ${spec.min}` : `integer ${spec.min}–${spec.max}`;
    case "boolean":
      return "boolean";
    case "const":
      return `\`${spec.value}\``;
    case "enum":
      return spec.values.map((value) => `\`${value}\``).join(" \\| ");
    case "duration":
    case "size":
    case "signal":
    case "regex":
      return spec.type;
    case "listen":
      return "address";
    case "shell-words":
      return "command string";
    case "list":
      return `list of ${typeText(spec.items).replace(/^string\b/, "strings")}`;
    case "map":
      return `map of ${typeText(spec.values)}s`;
    case "object":
      return `map {${Object.keys(spec.keys).join(spec.exactlyOne ? " \\| " : ", ")}}`;
    case "anyOf":
      return spec.options.map(typeText).join(" or ");
    default:
      throw new Error(`unknown spec ${JSON.stringify(spec satisfies never)}`);
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\\\\\|/g, "\\|");
}

function rows(keys: KeyTable, prefix: string, recurse: boolean): string[] {
  const out: string[] = [];
  for (const [key, spec] of Object.entries(keys)) {
    const notes = [spec.only === undefined ? "" : `Only for ${spec.only.map((k) => `\`${k}\``).join(", ")} sites.`, spec.required ? "Required." : ""]
      .filter(Boolean)
      .join(" ");
    const meaning = [spec.description, notes].filter(Boolean).join(" ");
    const nested = spec.type.type === "object" || spec.type.type === "map" ? spec.type : undefined;
    const type = !recurse && nested !== undefined ? "map (below)" : typeText(spec.type);
    out.push(`| \`${prefix}${key}\` | ${cell(type)} | ${cell(spec.default ?? "—")} | ${cell(meaning)} |`);
    if (recurse && spec.type.type === "object") out.push(...rows(spec.type.keys, `${prefix}${key}.`, true));
  }
  return out;
}

/** Nested maps (`backoff.initial`) get rows of their own, unless `recurse` is off (top level). */
function table(keys: KeyTable, recurse = true): string[] {
  return ["| key | type | default | meaning |", "|---|---|---|---|", ...rows(keys, "", recurse)];
}

export function renderDocs(): string {
  return [
    "# `sites.yaml` reference",
    "",
    "<!-- Generated by scripts/gen-schema.ts from src/config/schema.ts; do not edit by hand. -->",
    "",
    "Unknown keys are errors, with a \"did you mean\" hint. `tsgi-supervise check sites.yaml` prints every",
    "error at once (file:line:col, the line, a caret, a hint) or, when there is none, the resolved plan.",
    "Editors can validate and complete the file with `schema/sites.schema.json`.",
    "",
    "## Top level",
    "",
    ...table(TOP_KEYS, false),
    "",
    `Top-level keys starting with \`${EXTENSION_KEY_PREFIX}\` are ignored: the place for YAML anchors (\`x-common: &common\`,`,
    "then `<<: *common` in a site).",
    "",
    "## `supervisor`",
    "",
    ...table(SUPERVISOR_KEYS),
    "",
    "## Site keys",
    "",
    "Each entry of `sites:` is named `[a-z0-9][a-z0-9_-]*` (at most 63 characters) and has exactly one of",
    "`wsgi`, `app` or `command`. `defaults:` takes the same keys except `command`, `wsgi`, `app` and",
    "`listen`; a site's own value wins, `env` maps merge, and a kind-specific default (`threads`,",
    "`python`, `middleware`, `ready`) applies only to sites of that kind.",
    "",
    ...table(SITE_KEYS),
    "",
    "## Values",
    "",
    "- **Durations**: `250ms`, `30s`, `5m`, `1h`, `1.5s`, `1m30s`. A bare number is refused (except `0`):",
    "  `30` could mean seconds or milliseconds.",
    "- **Sizes**: `100KB`, `512MB`, `1GB` (also `K`, `M`, `G`, `KiB`, `MiB`, `GiB`, `B`), in powers of 1024.",
    "- **Signals**: `TERM` or `SIGTERM`, upper case.",
    "- **Paths** the supervisor owns are relative to the folder of `sites.yaml`: `cwd`, `listen: unix:…`,",
    "  `supervisor.control`, `supervisor.logs`. Paths the site runs with are relative to its `cwd` (which",
    "  defaults to that folder): `app`, `python`, `middleware` entries starting with `.` or `/`, `envFile`.",
    "  `command`'s program is run as written (looked up on `PATH`, or relative to `cwd`). A `cwd`, `app`,",
    "  `python`, middleware path or env file that does not exist is an error naming where it looked.",
    "- **`command` strings** are split like a shell would (quotes, backslashes), but no shell runs them:",
    "  pipes, `&&`, redirections, globs, `$VAR`, `$(…)`, backticks and `~` are errors. Write an argv list,",
    "  or `[sh, -c, \"…\"]` to use a shell on purpose.",
    "",
    "## Environment",
    "",
    "A site's environment is built for it alone, later layers winning: the inherited variables of the",
    "supervisor (`inheritEnv`) → `defaults.env` → `envFile` → the site's `env` → the settings variable,",
    "set to `settings` or removed when the site has none. `DJANGO_SETTINGS_MODULE`, `TSGI_SETTINGS_MODULE`",
    "and the site's `settingsVar` are never inherited, even with `inheritEnv: true`; set the settings",
    "variable with `settings:`, not in `env`. `LISTEN_FDS`, `LISTEN_PID`, `TSGI_FD` and `TSGI_NOTIFY_FD`",
    "are set by tsgi for each process.",
    "",
    "`env` values are strings (quote numbers: `PORT: \"8000\"`). `${VAR}` expands from the supervisor's",
    "environment and is an error when unset; `${VAR:-default}` (unset or empty) and `${VAR-default}`",
    "(unset) give a default; `$${` is a literal `${`; any other `$` is literal. Env files are read",
    "literally, without expansion. `check` shows values of names containing SECRET, PASSWORD, TOKEN, KEY…",
    "as `«redacted»`, and hides the password of URLs.",
    "",
  ].join("\n");
}

export function outputs(): ReadonlyArray<readonly [string, string]> {
  return [
    [SCHEMA_FILE, renderJsonSchema()],
    [DOCS_FILE, renderDocs()],
  ];
}

function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  let stale = 0;
  for (const [file, text] of outputs()) {
    let current: string | undefined;
    try {
      current = readFileSync(file, "utf8");
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    if (check) {
      process.stderr.write(`${file} is out of date: run node --import tsx scripts/gen-schema.ts\n`);
      stale++;
    } else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      process.stdout.write(`wrote ${file}\n`);
    }
  }
  return stale > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
