/**
 * Checked `sites.yaml` → `ResolvedConfig`: defaults applied (a site's value wins, `env` maps
 * merge), paths made absolute, durations in ms, environments built, addresses unique, and
 * the result deep-frozen so nothing downstream can edit the plan it was given.
 */
import { statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type { IssueList } from "./errors.js";
import type { Pos } from "./tree.js";
import type {
  BeforeTask,
  HealthPlan,
  HttpPlan,
  ListenAddress,
  LogPlan,
  ReadyRule,
  ResolvedConfig,
  ResolvedSite,
  RouterPlan,
  SiteKind,
  SiteLimits,
} from "./types.js";
import { SITE_KEYS, type KindName, type SiteKey } from "./schema.js";
import type { SiteFields, SiteValues, SupervisorFields, SupervisorValues, TypedField, ValidConfig, ValidSite } from "./validate.js";
import { buildSiteEnv, DEFAULT_INHERIT, expandVars, RESERVED_VARS, SETTINGS_VARS } from "../env/build-env.js";
import { checkSettingsVar, expandEnv, readEnvFiles } from "./resolve-env.js";
import { formatAddress } from "../format/address.js";
import { formatDuration } from "../format/duration.js";
import { DEFAULT_ROUTER_LISTEN, isLoopbackHost, listenConflicts } from "./listen.js";
import { checkHostsUnique } from "./hosts-unique.js";
import { SITE_KINDS } from "../kinds/registry.js";
import { checkDependencies } from "./dependencies.js";
import { resolveProcesses } from "./resolve-processes.js";
import { DEFAULT_CONTROL } from "./control-path.js";

export const DEFAULTS = {
  control: DEFAULT_CONTROL,
  logs: ".tsgi/logs",
  logMaxSizeBytes: 10 * 1024 * 1024,
  logKeep: 5,
  watchDebounceMs: 100,
  backoff: { initialMs: 100, maxMs: 30_000 },
  maxRestarts: { count: 10, withinMs: 60_000 },
  startTimeoutMs: 30_000,
  commandReadyDelayMs: 1000,
  stopTimeoutMs: 10_000,
  python: "python3",
  beforeTimeoutMs: 10 * 60_000,
  health: { everyMs: 10_000, timeoutMs: 2000, failures: 3 },
} as const;

/** Linux's `sun_path` holds 108 bytes with the terminating NUL. */
const UNIX_PATH_MAX = 107;
const MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const CALLABLE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)?$/;
const MODULE_EXTENSIONS = ["", ".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".jsx"];

export interface ResolveOptions {
  /** Absolute path of the config file. */
  readonly file: string;
  readonly env: NodeJS.ProcessEnv;
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function exists(path: string, want: "file" | "directory"): boolean {
  try {
    const stat = statSync(path);
    return want === "file" ? stat.isFile() : stat.isDirectory();
  } catch {
    return false;
  }
}

function moduleExists(path: string): boolean {
  return (
    MODULE_EXTENSIONS.some((ext) => exists(path + ext, "file")) ||
    MODULE_EXTENSIONS.slice(1).some((ext) => exists(resolve(path, `index${ext}`), "file"))
  );
}

function checkUnixPath(path: string, pos: Pos, what: string, issues: IssueList): void {
  const bytes = Buffer.byteLength(path);
  if (bytes > UNIX_PATH_MAX) {
    issues.add(
      pos,
      `${what} path is ${bytes} bytes long (${path}); a unix socket path holds at most ${UNIX_PATH_MAX}`,
      "use a shorter path, e.g. under /run or /tmp",
    );
  }
}

/** A site's own value, else the default's when that key applies to this kind of site. */
function pick<K extends SiteKey>(site: ValidSite, defaults: SiteFields, key: K): TypedField<SiteValues[K]> | undefined {
  const own = site.fields[key];
  if (own !== undefined) return own;
  const only = (SITE_KEYS[key] as { only?: readonly KindName[] }).only;
  return only === undefined || only.includes(site.kind) ? defaults[key] : undefined;
}

/** `python:` as written (looked up on PATH at start), or a path relative to `cwd` that must exist. */
function resolvePython(site: ValidSite, defaults: SiteFields, cwd: string, issues: IssueList): string | undefined {
  const python = pick(site, defaults, "python");
  const interpreter: string = python?.value ?? DEFAULTS.python;
  if (python === undefined || !interpreter.includes("/")) return interpreter;
  const path = resolve(cwd, interpreter);
  if (exists(path, "file")) return path;
  issues.add(
    python.node.pos,
    `site \`${site.name}\`: python \`${python.value}\` not found (${path})`,
    `\`python\` is relative to the site's cwd (${cwd}); create the virtualenv or fix the path`,
  );
  return undefined;
}

/**
 * `wsgi`/`asgi` middleware: dotted paths of callables (imported by the server's boot). The
 * site's own list only: `defaults.middleware` names JS modules of `app` sites, another thing.
 */
function pythonMiddleware(site: ValidSite, issues: IssueList): readonly string[] | undefined {
  const field = site.fields.middleware;
  const paths = field?.value ?? [];
  let ok = true;
  paths.forEach((entry, index) => {
    if (CALLABLE.test(entry)) return;
    const node = field?.node.kind === "seq" ? field.node.items[index] : undefined;
    issues.add(
      node?.pos ?? site.namePos,
      `site \`${site.name}\`: middleware \`${entry}\` is not a dotted path to a callable`,
      "write it like `werkzeug.middleware.proxy_fix.ProxyFix` or `mysite.wrappers:HelloWorldApplication`",
    );
    ok = false;
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set false inside the loop's callback
  return ok ? paths : undefined;
}

function resolveKind(site: ValidSite, defaults: SiteFields, dir: string, cwd: string, issues: IssueList): SiteKind | undefined {
  const scope = `site \`${site.name}\``;
  switch (site.kind) {
    case "command":
      return { type: "command", argv: site.fields.command?.value ?? [] };
    case "wsgi": {
      const python = resolvePython(site, defaults, cwd, issues);
      const middleware = pythonMiddleware(site, issues);
      if (python === undefined || middleware === undefined) return undefined;
      return {
        type: "wsgi",
        target: site.fields.wsgi?.value ?? "",
        python,
        threads: pick(site, defaults, "threads")?.value ?? 1,
        server: pick(site, defaults, "wsgiServer")?.value ?? "gunicorn",
        middleware,
      };
    }
    case "asgi": {
      const python = resolvePython(site, defaults, cwd, issues);
      const middleware = pythonMiddleware(site, issues);
      if (python === undefined || middleware === undefined) return undefined;
      return {
        type: "asgi",
        target: site.fields.asgi?.value ?? "",
        python,
        server: pick(site, defaults, "asgiServer")?.value ?? "uvicorn",
        middleware,
      };
    }
    case "app": {
      const app = site.fields.app;
      if (app === undefined) return undefined;
      const module = resolve(cwd, app.value);
      let ok = true;
      if (!moduleExists(module)) {
        const inDir = resolve(dir, app.value);
        issues.add(
          app.node.pos,
          `${scope}: app module \`${app.value}\` not found (${module})`,
          cwd !== dir && moduleExists(inDir)
            ? `\`app\` is relative to the site's cwd (${cwd}), not to the folder of sites.yaml; write \`${relative(cwd, inDir)}\``
            : `\`app\` is relative to the site's cwd (${cwd})`,
        );
        ok = false;
      }
      const middleware = pick(site, defaults, "middleware");
      const modules = (middleware?.value ?? []).map((entry, index) => {
        if (!entry.startsWith(".") && !isAbsolute(entry)) return entry; // a package name
        const path = resolve(cwd, entry);
        if (!moduleExists(path)) {
          const node = middleware?.node.kind === "seq" ? middleware.node.items[index] : undefined;
          issues.add(
            node?.pos ?? site.namePos,
            `${scope}: middleware \`${entry}\` not found (${path})`,
            `middleware paths are relative to the site's cwd (${cwd})`,
          );
          ok = false;
        }
        return path;
      });
      return ok ? { type: "app", module, middleware: modules } : undefined;
    }
    default:
      throw new Error(`unknown kind ${String(site.kind satisfies never)}`);
  }
}

/** uWSGI's SIGTERM is a brutal reload; SIGHUP, with tsgi's hook (`kinds/uwsgi-boot.ts`), a graceful stop. */
function defaultStopSignal(kind: SiteKind): NodeJS.Signals {
  return kind.type === "wsgi" && kind.server === "uwsgi" ? "SIGHUP" : "SIGTERM";
}

function resolveReady(site: ValidSite, defaults: SiteFields, hasListen: boolean, issues: IssueList): ReadyRule {
  const fixed = SITE_KINDS[site.kind].ready;
  if (fixed !== "from-config") return fixed;
  const ready = pick(site, defaults, "ready");
  const rule = ready?.value;
  if (rule === undefined) return { type: "delay", ms: DEFAULTS.commandReadyDelayMs };
  if (rule.http !== undefined) {
    if (!hasListen) {
      issues.add(
        ready?.node.pos ?? site.namePos,
        `site \`${site.name}\`: \`ready: {http: ${rule.http}}\` probes the site's \`listen\` address, and it has none`,
        "add `listen:` to the site, or use `ready: {log: REGEX}` or `{delay: 1s}`",
      );
    }
    return { type: "http", path: rule.http };
  }
  if (rule.log !== undefined) return { type: "log", pattern: rule.log };
  return { type: "delay", ms: rule.delay ?? DEFAULTS.commandReadyDelayMs };
}

function resolveBefore(site: ValidSite, defaults: SiteFields, issues: IssueList): BeforeTask[] {
  const field = pick(site, defaults, "before");
  return (field?.value ?? []).flatMap((item, index) => {
    if (Array.isArray(item)) return [{ argv: item as readonly string[], timeoutMs: DEFAULTS.beforeTimeoutMs }];
    const task = item as { readonly command?: readonly string[]; readonly timeout?: number };
    if (task.command === undefined) {
      const node = field?.node.kind === "seq" ? field.node.items[index] : undefined;
      issues.add(
        node?.pos ?? site.namePos,
        `site \`${site.name}\`: \`before[${index}]\` has no \`command\``,
        "write `{command: [python3, manage.py, migrate, --noinput], timeout: 5m}`",
      );
      return [];
    }
    if (task.timeout === 0) {
      issues.add(field?.node.pos ?? site.namePos, `site \`${site.name}\`: \`before[${index}].timeout\` is 0`, "write e.g. `10m`");
    }
    return [{ argv: task.command, timeoutMs: task.timeout ?? DEFAULTS.beforeTimeoutMs }];
  });
}

function resolveHealth(site: ValidSite, defaults: SiteFields, hasListen: boolean, issues: IssueList): HealthPlan | undefined {
  const field = pick(site, defaults, "health");
  if (field === undefined) return undefined;
  const value = field.value;
  if (value.http === undefined) {
    issues.add(field.node.pos, `site \`${site.name}\`: \`health\` has no \`http\` path to probe`, "write `health: {http: /health}`");
    return undefined;
  }
  if (!hasListen) {
    issues.add(
      field.node.pos,
      `site \`${site.name}\`: \`health: {http: ${value.http}}\` probes the site's \`listen\` address, and it has none`,
      "add `listen:` to the site, or remove `health:`",
    );
  }
  const plan = {
    path: value.http,
    everyMs: value.every ?? DEFAULTS.health.everyMs,
    timeoutMs: value.timeout ?? DEFAULTS.health.timeoutMs,
    failures: value.failures ?? DEFAULTS.health.failures,
  };
  if (plan.everyMs === 0 || plan.timeoutMs === 0) {
    issues.add(field.node.pos, `site \`${site.name}\`: \`health.every\` and \`health.timeout\` must be longer than 0`, "write e.g. `{every: 10s, timeout: 2s}`");
  }
  return plan;
}

function resolveSite(
  site: ValidSite,
  valid: ValidConfig,
  defaultsEnv: Record<string, string> | undefined,
  options: ResolveOptions,
  issues: IssueList,
): ResolvedSite | undefined {
  const before = issues.size;
  const dir = dirname(options.file);
  const { defaults } = valid;
  const scope = `site \`${site.name}\`: `;
  const cwdField = pick(site, defaults, "cwd");
  const cwd = resolve(dir, cwdField?.value ?? ".");
  if (cwdField !== undefined && !exists(cwd, "directory")) {
    issues.add(
      cwdField.node.pos,
      `${scope}cwd \`${cwdField.value}\` is not a directory (${cwd})`,
      "paths are relative to the folder of sites.yaml; create it or fix the path",
    );
  }
  const kind = resolveKind(site, defaults, dir, cwd, issues);

  const settings = pick(site, defaults, "settings");
  if (settings !== undefined && site.kind !== "command" && !MODULE.test(settings.value)) {
    issues.add(
      settings.node.pos,
      `${scope}\`settings\` is \`${settings.value}\`; a ${site.kind} site's settings is a dotted module path`,
      "write it like `mysite.settings.prod` (relative to the site's cwd)",
    );
  }
  const settingsVarField = pick(site, defaults, "settingsVar");
  const settingsVar = settingsVarField?.value ?? SITE_KINDS[site.kind].settingsVar;
  if (settingsVarField !== undefined && RESERVED_VARS.includes(settingsVar)) {
    issues.add(
      settingsVarField.node.pos,
      `${scope}\`settingsVar\` cannot be \`${settingsVar}\`: tsgi sets it for each process`,
      "name your settings variable, e.g. `MYAPP_SETTINGS`",
    );
  }
  const siteEnv = expandEnv(site.fields.env, options.env, scope, issues);
  const files = readEnvFiles(pick(site, defaults, "envFile"), cwd, scope, issues);
  checkSettingsVar(
    {
      site: site.name,
      settingsVar,
      settings: settings?.value,
      env: site.fields.env,
      fileEnv: files?.env ?? {},
      fileFrom: files?.from ?? new Map(),
    },
    issues,
  );
  const inherit = pick(site, defaults, "inheritEnv")?.value;

  let listen: ListenAddress | undefined = site.fields.listen?.value;
  if (listen?.type === "unix") {
    listen = { type: "unix", path: resolve(dir, listen.path) };
    checkUnixPath(listen.path, site.fields.listen?.node.pos ?? site.namePos, `${scope}listen`, issues);
  }
  const backoffField = pick(site, defaults, "backoff");
  const backoff = {
    initialMs: backoffField?.value.initial ?? DEFAULTS.backoff.initialMs,
    maxMs: backoffField?.value.max ?? DEFAULTS.backoff.maxMs,
  };
  if (backoff.initialMs > backoff.maxMs) {
    issues.add(
      backoffField?.node.pos ?? site.namePos,
      `${scope}\`backoff.initial\` (${formatDuration(backoff.initialMs)}) is longer than \`backoff.max\` (${formatDuration(backoff.maxMs)})`,
      "make `initial` at most `max`",
    );
  }
  const maxRestarts = pick(site, defaults, "maxRestarts")?.value;
  const startTimeout = pick(site, defaults, "startTimeout");
  if (startTimeout?.value === 0)
    issues.add(startTimeout.node.pos, `${scope}\`startTimeout\` is 0: no process could ever start`, "write e.g. `30s`");
  const ready = resolveReady(site, defaults, listen !== undefined, issues);
  const beforeTasks = resolveBefore(site, defaults, issues);
  const health = resolveHealth(site, defaults, listen !== undefined, issues);
  const processPlan = resolveProcesses(pick(site, defaults, "processes"), listen !== undefined, scope, issues);

  if (
    !site.complete ||
    kind === undefined ||
    siteEnv === undefined ||
    defaultsEnv === undefined ||
    files === undefined ||
    issues.size !== before
  )
    return undefined;
  return {
    name: site.name,
    kind,
    cwd,
    settings: settings?.value,
    settingsVar,
    env: buildSiteEnv({
      supervisorEnv: options.env,
      inheritEnv: inherit === undefined ? DEFAULT_INHERIT : inherit === false ? [] : inherit,
      defaultsEnv,
      fileEnv: files.env,
      siteEnv: { ...siteEnv },
      settingsVar,
      settings: settings?.value,
    }),
    listen,
    processes: processPlan.processes,
    scaling: processPlan.scaling,
    restart: pick(site, defaults, "restart")?.value ?? "on-failure",
    backoff,
    maxRestarts: {
      count: maxRestarts?.count ?? DEFAULTS.maxRestarts.count,
      withinMs: maxRestarts?.within ?? DEFAULTS.maxRestarts.withinMs,
    },
    startTimeoutMs: startTimeout?.value ?? DEFAULTS.startTimeoutMs,
    ready,
    stopSignal: pick(site, defaults, "stopSignal")?.value ?? defaultStopSignal(kind),
    stopTimeoutMs: pick(site, defaults, "stopTimeout")?.value ?? DEFAULTS.stopTimeoutMs,
    maxMemoryBytes: pick(site, defaults, "maxMemory")?.value,
    watch: pick(site, defaults, "watch")?.value,
    watchIgnore: pick(site, defaults, "watchIgnore")?.value ?? [],
    user: pick(site, defaults, "user")?.value,
    group: pick(site, defaults, "group")?.value,
    autostart: pick(site, defaults, "autostart")?.value ?? true,
    before: beforeTasks,
    // Checked against the other sites (unknown names, cycles) in `start-order.ts`.
    dependsOn: [...new Set(site.fields.dependsOn?.value ?? [])],
    health,
    limits: resolveLimits(pick(site, defaults, "limits")?.value),
    hosts: site.fields.hosts?.value ?? [],
  };
}

function resolveLimits(limits: { memory?: number; cpu?: string; pids?: number } | undefined): SiteLimits | undefined {
  if (limits === undefined || (limits.memory === undefined && limits.cpu === undefined && limits.pids === undefined)) return undefined;
  return { memoryBytes: limits.memory, cpuPercent: limits.cpu === undefined ? undefined : Number.parseFloat(limits.cpu), pids: limits.pids };
}

/** `defaults.env` may not carry a settings variable: every site would get the same settings. */
function checkDefaultsEnv(valid: ValidConfig, issues: IssueList): void {
  const env = valid.defaults.env;
  if (env === undefined || env.node.kind !== "map") return;
  const managed = new Set([...SETTINGS_VARS, ...valid.sites.flatMap((site) => site.fields.settingsVar?.value ?? [])]);
  for (const entry of env.node.entries) {
    if (managed.has(entry.key)) {
      issues.add(
        entry.keyPos,
        `\`defaults.env\` sets the settings variable \`${entry.key}\`, which would give every site the same settings`,
        "give each site its own `settings:` (or use `defaults.settings`)",
      );
    }
  }
}

function resolveSupervisor(
  valid: ValidConfig,
  dir: string,
  issues: IssueList,
  env: NodeJS.ProcessEnv,
): { control: string; logs: LogPlan | false; watchDebounceMs: number; http: HttpPlan | undefined; router: RouterPlan | undefined } {
  const { supervisor } = valid;
  const control = resolve(dir, supervisor.control?.value ?? DEFAULTS.control);
  checkUnixPath(control, supervisor.control?.node.pos ?? { line: 1, col: 1 }, "the control socket", issues);
  const logs = supervisor.logs?.value ?? true;
  return {
    control,
    logs:
      logs === false
        ? false
        : {
            dir: resolve(dir, logs === true ? DEFAULTS.logs : logs),
            maxSizeBytes: supervisor.logMaxSize?.value ?? DEFAULTS.logMaxSizeBytes,
            keep: supervisor.logKeep?.value ?? DEFAULTS.logKeep,
          },
    watchDebounceMs: supervisor.watchDebounce?.value ?? DEFAULTS.watchDebounceMs,
    http: resolveHttp(supervisor.http, env, issues),
    router: resolveRouter(supervisor.router, issues),
  };
}

/** Tokens shorter than this are guessable; a random 32-character one is what `dashboard` makes. */
const MIN_TOKEN_LENGTH = 16;

/** `supervisor.http`: TCP only, and never without a token (anything on TCP needs one). */
function resolveHttp(field: TypedField<SupervisorValues["http"]> | undefined, env: NodeJS.ProcessEnv, issues: IssueList): HttpPlan | undefined {
  if (field === undefined) return undefined;
  const entry = (key: string) => (field.node.kind === "map" ? field.node.entries.find((e) => e.key === key) : undefined);
  const listen = field.value.listen;
  let ok = true;
  if (listen === undefined) {
    issues.add(field.keyPos, "`supervisor.http` has no `listen`", "add `listen: 127.0.0.1:9900` (a TCP address)");
    ok = false;
  } else if (listen.type !== "tcp") {
    issues.add(entry("listen")?.value.pos ?? field.keyPos, "`supervisor.http.listen` must be a TCP address, not a unix socket", "the control socket already serves `/v1/` on a unix socket; write `127.0.0.1:9900`");
    ok = false;
  }
  const raw = field.value.token;
  if (raw === undefined) {
    issues.add(
      field.keyPos,
      "`supervisor.http` has no `token`: anything served on TCP needs one",
      "add `token: ${TSGI_HTTP_TOKEN}` and set TSGI_HTTP_TOKEN to a long random string (e.g. `openssl rand -hex 24`)",
    );
    return undefined;
  }
  const tokenNode = entry("token")?.value;
  const expanded = expandVars(raw, env);
  if (!expanded.ok) {
    issues.add(tokenNode?.pos ?? field.keyPos, `\`supervisor.http.token\`: ${expanded.message}`, expanded.hint);
    return undefined;
  }
  if (expanded.value.length < MIN_TOKEN_LENGTH) {
    issues.add(
      tokenNode?.pos ?? field.keyPos,
      `\`supervisor.http.token\` is ${expanded.value.length === 0 ? "empty" : `${expanded.value.length} characters long`}; it must be at least ${MIN_TOKEN_LENGTH}`,
      "use a long random string (e.g. `openssl rand -hex 24`), kept in an environment variable: `token: ${TSGI_HTTP_TOKEN}`",
    );
    return undefined;
  }
  if (!ok || listen === undefined || listen.type !== "tcp") return undefined;
  return { listen, token: expanded.value };
}

/** The router is a development tool without authentication: loopback unless the user says otherwise. */
function resolveRouter(field: SupervisorFields["router"], issues: IssueList): RouterPlan | undefined {
  if (field === undefined) return undefined;
  const { listen = DEFAULT_ROUTER_LISTEN, domain = "localhost", allowRemote = false } = field.value;
  if (listen.type === "unix") {
    issues.add(field.node.pos, "`supervisor.router.listen` is a unix socket; browsers reach the router over TCP", "write e.g. `listen: 8000`");
    return undefined;
  }
  if (!allowRemote && !isLoopbackHost(listen.host)) {
    issues.add(
      field.node.pos,
      `\`supervisor.router.listen\` is ${listen.host}:${listen.port}, not loopback: the router has no authentication and would serve every site to the network`,
      "listen on 127.0.0.1 or [::1], or add `allowRemote: true` if that is what you want",
    );
    return undefined;
  }
  return { listen, domain, allowRemote };
}

/** Two sites on one address: the second is reported, naming the first. */
function checkAddresses(sites: readonly ResolvedSite[], valid: ValidConfig, control: string, issues: IssueList): void {
  const seen: ResolvedSite[] = [];
  for (const site of sites) {
    const listen = site.listen;
    if (listen === undefined) continue;
    const pos = valid.sites.find((s) => s.name === site.name)?.fields.listen?.node.pos ?? { line: 1, col: 1 };
    const clash = seen.find((other) => other.listen !== undefined && listenConflicts(other.listen, listen));
    if (clash?.listen !== undefined) {
      const same = formatAddress(clash.listen) === formatAddress(listen);
      issues.add(
        pos,
        `site \`${site.name}\` listens on ${formatAddress(listen)}, ${same ? "already used by" : `which clashes with ${formatAddress(clash.listen)} of`} site \`${clash.name}\``,
        "give each site its own address",
      );
    } else if (listen.type === "unix" && listen.path === control) {
      issues.add(pos, `site \`${site.name}\` listens on the supervisor's control socket (${control})`, "pick another path");
    }
    seen.push(site);
  }
}

export function resolveConfig(valid: ValidConfig, options: ResolveOptions, issues: IssueList): ResolvedConfig | undefined {
  const dir = dirname(options.file);
  const supervisor = resolveSupervisor(valid, dir, issues, options.env);
  checkDefaultsEnv(valid, issues);
  const defaultsEnv = expandEnv(valid.defaults.env, options.env, "", issues);
  const sites = valid.sites.flatMap((site) => resolveSite(site, valid, defaultsEnv, options, issues) ?? []);
  checkAddresses(sites, valid, supervisor.control, issues);
  checkDependencies(valid, issues);
  checkHostsUnique(valid.sites, issues);
  if (issues.size > 0) return undefined;
  return deepFreeze({ file: options.file, dir, ...supervisor, sites });
}
