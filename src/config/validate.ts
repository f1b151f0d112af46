/**
 * The shape of `sites.yaml`: every key known, every value of its type, the rules between a
 * site's keys (exactly one of `wsgi`/`app`/`command`, kind-specific keys). Defaults, paths
 * and environments come later, in `resolve.ts`.
 */
import type { MapEntry, MapNode, Pos, TreeNode } from "./tree.js";
import type { IssueList } from "./errors.js";
import type { AsgiServer, ListenAddress, RestartMode, WsgiServer } from "./types.js";
import {
  DEFAULTS_KEYS,
  EXTENSION_KEY_PREFIX,
  KIND_KEYS,
  SITE_KEYS,
  SITE_NAME_MAX,
  SITE_NAME_PATTERN,
  SUPERVISOR_KEYS,
  TOP_KEYS,
  type KindName,
  type SiteKey,
} from "./schema.js";
import { checkFields, checkValue, INVALID, type CheckContext, type Field } from "./check-value.js";
import { didYouMean, suggest } from "./suggest.js";

/** What each site key becomes once checked (durations in ms, sizes in bytes). */
export interface SiteValues {
  command: readonly string[];
  wsgi: string;
  app: string;
  cwd: string;
  settings: string;
  settingsVar: string;
  env: Readonly<Record<string, string>>;
  envFile: string | readonly string[];
  inheritEnv: boolean | readonly string[];
  listen: ListenAddress;
  processes: number | { readonly min?: number; readonly max?: number; readonly idle?: number };
  threads: number;
  python: string;
  restart: RestartMode;
  backoff: { readonly initial?: number; readonly max?: number };
  maxRestarts: { readonly count?: number; readonly within?: number };
  startTimeout: number;
  ready: { readonly http?: string; readonly log?: string; readonly delay?: number };
  middleware: readonly string[];
  stopSignal: NodeJS.Signals;
  stopTimeout: number;
  maxMemory: number;
  watch: boolean | readonly string[];
  watchIgnore: readonly string[];
  user: string;
  group: string;
  autostart: boolean;
  asgi: string;
  asgiServer: AsgiServer;
  before: readonly (readonly string[] | { readonly command?: readonly string[]; readonly timeout?: number })[];
  dependsOn: readonly string[];
  health: { readonly http?: string; readonly every?: number; readonly timeout?: number; readonly failures?: number };
  limits: { readonly memory?: number; readonly cpu?: string; readonly pids?: number };
  hosts: readonly string[];
  wsgiServer: WsgiServer;
}

export interface SupervisorValues {
  control: string;
  logs: string | boolean;
  logMaxSize: number;
  logKeep: number;
  watchDebounce: number;
  http: { readonly listen?: ListenAddress; readonly token?: string };
  router: { readonly listen?: ListenAddress; readonly domain?: string; readonly allowRemote?: boolean };
}

// The table in schema.ts and these types name the same keys, or this fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _siteKeysMatch: Same<keyof SiteValues, SiteKey> = true;
const _supervisorKeysMatch: Same<keyof SupervisorValues, keyof typeof SUPERVISOR_KEYS> = true;

export interface TypedField<T> extends Field {
  readonly value: T;
}
export type SiteFields = { readonly [K in SiteKey]?: TypedField<SiteValues[K]> };
export type SupervisorFields = { readonly [K in keyof SupervisorValues]?: TypedField<SupervisorValues[K]> };

export interface ValidSite {
  readonly name: string;
  readonly namePos: Pos;
  readonly kind: KindName;
  readonly fields: SiteFields;
  /**
   * False when something in the site was already reported: it is still resolved, so its
   * other problems are found in the same pass, but it yields no plan.
   */
  readonly complete: boolean;
}

export interface ValidConfig {
  readonly supervisor: SupervisorFields;
  readonly defaults: SiteFields;
  readonly sites: readonly ValidSite[];
}

const START: Pos = { line: 1, col: 1 };

/** Valid fields only; an invalid value was reported where it was found. */
function valid(fields: Map<string, Field | typeof INVALID>): Record<string, Field> {
  return Object.fromEntries([...fields].filter((entry): entry is [string, Field] => entry[1] !== INVALID));
}

function asMap(node: TreeNode, label: string, keyPos: Pos, issues: IssueList): MapNode | undefined {
  if (node.kind === "map") return node;
  if (node.kind === "scalar" && node.value === null) return { kind: "map", entries: [], pos: keyPos };
  issues.add(node.pos, `\`${label}\` must be a map of keys, not ${node.kind === "seq" ? "a list" : `\`${node.source}\``}`);
  return undefined;
}

const TOP_HINT = (key: string): string | undefined => {
  if (Object.hasOwn(SITE_KEYS, key)) return `\`${key}\` is a site key: put it under a site in \`sites:\`, or under \`defaults:\``;
  if (Object.hasOwn(SUPERVISOR_KEYS, key)) return `\`${key}\` belongs under \`supervisor:\``;
  return undefined;
};

const SITE_HINT = (key: string): string | undefined => {
  if (Object.hasOwn(SUPERVISOR_KEYS, key)) return `\`${key}\` belongs under \`supervisor:\`, not in a site`;
  if (Object.hasOwn(TOP_KEYS, key)) return `\`${key}\` is a top-level key`;
  return undefined;
};

const NOT_IN_DEFAULTS: Readonly<Record<string, string>> = {
  listen: "each site needs its own address",
  hosts: "each host name routes to one site",
};

function checkDefaults(node: MapNode, issues: IssueList): SiteFields {
  const kept = node.entries.filter((entry) => {
    const spec = Object.hasOwn(SITE_KEYS, entry.key) ? SITE_KEYS[entry.key as SiteKey] : undefined;
    if (spec === undefined || !("notInDefaults" in spec)) return true;
    const why = NOT_IN_DEFAULTS[entry.key] ?? "each site says what it runs";
    issues.add(entry.keyPos, `\`${entry.key}\` cannot go in \`defaults\`: ${why}`, `move \`${entry.key}:\` into each site`);
    return false;
  });
  const ctx: CheckContext = { issues, scope: "", elsewhere: SITE_HINT };
  return valid(checkFields({ ...node, entries: kept }, DEFAULTS_KEYS, "defaults", ctx));
}

function kindOf(name: string, namePos: Pos, node: MapNode, issues: IssueList): KindName | undefined {
  const kinds = node.entries.filter((entry) => (KIND_KEYS as readonly string[]).includes(entry.key));
  const [first, second] = kinds;
  if (first === undefined) {
    // A misspelt `comand` was already reported with its fix; "no kind" would only repeat it.
    const misspelt = node.entries.some((entry) => !Object.hasOwn(SITE_KEYS, entry.key) && suggest(entry.key, KIND_KEYS));
    if (!misspelt) {
      issues.add(
        namePos,
        `site \`${name}\` has none of \`wsgi\`, \`app\`, \`command\`, \`asgi\`: nothing to run`,
        "add one: `command: [prog, args…]`, `wsgi: mysite.wsgi:application`, `asgi: mysite.asgi:application` or `app: ./server.ts`",
      );
    }
    return undefined;
  }
  if (second !== undefined) {
    issues.add(
      second.keyPos,
      `site \`${name}\` has both \`${first.key}\` and \`${second.key}\`; a site runs exactly one of \`wsgi\`, \`app\`, \`command\``,
      "keep one, or split this into two sites",
    );
    return undefined;
  }
  return first.key as KindName;
}

/** "an `app`", "a `wsgi`". */
function a(kind: KindName): string {
  return `${kind === "app" || kind === "asgi" ? "an" : "a"} \`${kind}\``;
}

/** Keys that only mean something for one kind of site, written on another kind. */
function checkKindKeys(name: string, kind: KindName, node: MapNode, issues: IssueList): void {
  for (const entry of node.entries) {
    const spec = Object.hasOwn(SITE_KEYS, entry.key) ? (SITE_KEYS[entry.key as SiteKey] as { only?: readonly KindName[] }) : undefined;
    if (spec?.only === undefined || spec.only.includes(kind)) continue;
    if (entry.key === "ready") {
      issues.add(
        entry.keyPos,
        `site \`${name}\`: \`ready\` is for \`command\` sites; tsgi detects when a \`${kind}\` site is ready itself (its worker reports it)`,
        "remove `ready:`",
      );
    } else {
      const only = spec.only.map((k) => `\`${k}\``).join(", ");
      issues.add(
        entry.keyPos,
        `site \`${name}\`: \`${entry.key}\` applies only to ${only} sites, and this is ${a(kind)} site`,
        `remove \`${entry.key}:\``,
      );
    }
  }
  if ((kind === "wsgi" || kind === "app" || kind === "asgi") && !node.entries.some((entry) => entry.key === "listen")) {
    issues.add(
      node.entries.find((entry) => entry.key === kind)?.keyPos ?? node.pos,
      `site \`${name}\` is ${a(kind)} site without \`listen\`; tsgi must know where it serves`,
      "add `listen: 127.0.0.1:8001` (or a port of your choice, or `unix:run/" + name + ".sock`)",
    );
  }
}

function checkSite(entry: MapEntry, issues: IssueList): ValidSite | undefined {
  const name = entry.key;
  let nameOk = true;
  if (!new RegExp(SITE_NAME_PATTERN).test(name) || name.length > SITE_NAME_MAX) {
    const lower = name
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, "-")
      .replace(/^[-_]+/, "");
    issues.add(
      entry.keyPos,
      `site name \`${name}\` is not allowed: ${TOP_KEYS.sites.type.keyHelp}`,
      lower !== "" && lower !== name ? `write \`${lower.slice(0, SITE_NAME_MAX)}\`` : undefined,
    );
    nameOk = false;
  }
  if (entry.value.kind === "scalar" && entry.value.value === null) {
    issues.add(entry.keyPos, `site \`${name}\` is empty`, "give it one of `wsgi`, `app`, `command`");
    return undefined;
  }
  if (entry.value.kind !== "map") {
    issues.add(
      entry.value.pos,
      `site \`${name}\` must be a map of keys, not ${entry.value.kind === "seq" ? "a list" : `\`${entry.value.source}\``}`,
    );
    return undefined;
  }
  const node = entry.value;
  const ctx: CheckContext = { issues, scope: `site \`${name}\`: `, elsewhere: SITE_HINT };
  const before = issues.size;
  const fields = valid(checkFields(node, SITE_KEYS, undefined, ctx)) as SiteFields;
  const kind = kindOf(name, entry.keyPos, node, issues);
  if (kind === undefined) return undefined;
  checkKindKeys(name, kind, node, issues);
  return { name, namePos: entry.keyPos, kind, fields, complete: nameOk && issues.size === before };
}

function checkSites(entry: MapEntry, issues: IssueList): ValidSite[] {
  const node = asMap(entry.value, "sites", entry.keyPos, issues);
  if (node === undefined) return [];
  if (node.entries.length === 0) {
    issues.add(
      entry.keyPos,
      "`sites` is empty: there is nothing to supervise",
      "add a site, e.g. `web: {command: [python3, -m, http.server]}`",
    );
    return [];
  }
  return node.entries.flatMap((site) => checkSite(site, issues) ?? []);
}

export function validateTree(root: TreeNode | undefined, issues: IssueList): ValidConfig | undefined {
  if (root === undefined || (root.kind === "scalar" && root.value === null)) {
    issues.add(START, "the file is empty", "run `tsgi-supervise init` for a commented example");
    return undefined;
  }
  if (root.kind !== "map") {
    issues.add(root.pos, "the file must be a map with `version:` and `sites:`", "run `tsgi-supervise init` for a commented example");
    return undefined;
  }
  let supervisor: SupervisorFields = {};
  let defaults: SiteFields = {};
  let sites: ValidSite[] = [];
  const topCtx: CheckContext = { issues, scope: "" };
  for (const entry of root.entries) {
    switch (entry.key) {
      case "version":
        checkValue(entry.value, TOP_KEYS.version.type, "version", topCtx, entry.keyPos);
        break;
      case "supervisor": {
        const node = asMap(entry.value, "supervisor", entry.keyPos, issues);
        if (node)
          supervisor = valid(checkFields(node, SUPERVISOR_KEYS, "supervisor", { issues, scope: "", elsewhere: TOP_HINT }));
        break;
      }
      case "defaults": {
        const node = asMap(entry.value, "defaults", entry.keyPos, issues);
        if (node) defaults = checkDefaults(node, issues);
        break;
      }
      case "sites":
        sites = checkSites(entry, issues);
        break;
      default: {
        if (entry.key.startsWith(EXTENSION_KEY_PREFIX)) break;
        const looksLikeSite =
          entry.value.kind === "map" && entry.value.entries.some((e) => (KIND_KEYS as readonly string[]).includes(e.key));
        const hint =
          didYouMean(entry.key, Object.keys(TOP_KEYS)) ??
          TOP_HINT(entry.key) ??
          (looksLikeSite ? `sites go under \`sites:\`` : `top-level keys: ${Object.keys(TOP_KEYS).join(", ")} (and \`x-…\` for anchors)`);
        issues.add(entry.keyPos, `unknown top-level key \`${entry.key}\``, hint);
      }
    }
  }
  // A misspelt `site:` was reported with its fix; "missing `sites:`" would only repeat it.
  const misspelt = new Set(root.entries.map((entry) => suggest(entry.key, Object.keys(TOP_KEYS))));
  for (const key of ["version", "sites"] as const) {
    if (!root.entries.some((entry) => entry.key === key) && !misspelt.has(key)) {
      issues.add(START, `missing \`${key}:\``, key === "version" ? "add `version: 1` at the top" : "add `sites:` with at least one site");
    }
  }
  return { supervisor, defaults, sites };
}
