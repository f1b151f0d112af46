/**
 * The resolved plan: what `config/load.ts` makes of a `sites.yaml`.
 *
 * `UserConfig` (what the file says, see `config/schema.ts`) goes in; a `ResolvedConfig` comes
 * out: every default applied, every path absolute, every duration in milliseconds, every
 * site's environment built. The rest of tsgi reads only this, never the YAML.
 */

export type RestartMode = "always" | "on-failure" | "never";

/** What serves a `wsgi:` site (`wsgiServer:`). */
export type WsgiServer = "gunicorn" | "uwsgi";

/** What a site runs. Exactly one of `command` / `wsgi` / `app` in the file. */
export type SiteKind =
  | { readonly type: "command"; readonly argv: readonly string[] }
  | {
      readonly type: "wsgi";
      /** `module:callable` */
      readonly target: string;
      /** Interpreter that runs gunicorn, as written (`python3`) or absolute (a virtualenv). */
      readonly python: string;
      readonly threads: number;
      readonly server: WsgiServer;
      /** Dotted paths of callables wrapping the application, applied in order. */
      readonly middleware: readonly string[];
    }
  | {
      readonly type: "asgi";
      /** `module:callable` */
      readonly target: string;
      /** Interpreter that runs the server, as written (`python3`) or absolute (a virtualenv). */
      readonly python: string;
      readonly server: AsgiServer;
      /** Dotted paths of callables wrapping the application, applied in order. */
      readonly middleware: readonly string[];
    }
  | {
      readonly type: "app";
      /** Absolute path of the module exporting the TSGI application. */
      readonly module: string;
      /** Absolute paths (or bare package names) of middleware modules, applied in order. */
      readonly middleware: readonly string[];
    };

export type AsgiServer = "uvicorn" | "hypercorn" | "daphne" | "gunicorn";

/** A `before:` task: run to completion before a new generation starts. */
export interface BeforeTask {
  readonly argv: readonly string[];
  readonly timeoutMs: number;
}

/** `health:` — liveness probing once the site is ready. */
export interface HealthPlan {
  readonly path: string;
  readonly everyMs: number;
  readonly timeoutMs: number;
  readonly failures: number;
}

export type ListenAddress =
  { readonly type: "tcp"; readonly host: string; readonly port: number } | { readonly type: "unix"; readonly path: string };

/** How tsgi knows a new process really serves. */
export type ReadyRule =
  /** `wsgi` and `app`: the process reports readiness itself on the notify pipe. */
  | { readonly type: "notify" }
  | { readonly type: "http"; readonly path: string }
  | { readonly type: "log"; readonly pattern: string }
  | { readonly type: "delay"; readonly ms: number };

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface MaxRestarts {
  readonly count: number;
  readonly withinMs: number;
}

export type WatchPlan =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      /** Absolute paths or globs (globs relative to the site's cwd are made absolute). */
      readonly paths: readonly string[];
      /** User ignores merged with the built-in ones (never replacing them). */
      readonly ignore: readonly string[];
    };

/** `processes: {min, max, idle}`: processes added while connections wait, stopped when idle. */
export interface Scaling {
  /** Processes that always run; 0 = none until a connection arrives (the site is `idle`). */
  readonly min: number;
  readonly max: number;
  /** A process beyond `min` that served no connection this long is stopped. */
  readonly idleMs: number;
}

export interface ResolvedSite {
  readonly name: string;
  readonly kind: SiteKind;
  /** Absolute working directory. */
  readonly cwd: string;
  readonly settings: string | undefined;
  readonly settingsVar: string;
  /**
   * The site's environment, built for it alone: inherited allowlist → `defaults.env` →
   * `envFile` → `env` → settings variable. Socket variables (`LISTEN_FDS`…) are added per
   * process at spawn time.
   */
  readonly env: Readonly<Record<string, string>>;
  readonly listen: ListenAddress | undefined;
  /** A fixed count; for a scaled site `max(min, 1)`, the count a start on demand (or `start NAME`) runs. */
  readonly processes: number;
  /** `processes: {min, max, idle}`; undefined for a fixed count. */
  readonly scaling: Scaling | undefined;
  readonly restart: RestartMode;
  readonly backoff: Backoff;
  readonly maxRestarts: MaxRestarts;
  readonly startTimeoutMs: number;
  readonly ready: ReadyRule;
  readonly stopSignal: NodeJS.Signals;
  readonly stopTimeoutMs: number;
  readonly maxMemoryBytes: number | undefined;
  /** `watch:` as written; `--watch` turns `undefined` into "the site's cwd". */
  readonly watch: boolean | readonly string[] | undefined;
  readonly watchIgnore: readonly string[];
  readonly user: string | undefined;
  readonly group: string | undefined;
  readonly autostart: boolean;
  /** One-shot tasks before each new generation, in order. */
  readonly before: readonly BeforeTask[];
  /** Sites that must be ready before this one starts. */
  readonly dependsOn: readonly string[];
  readonly health: HealthPlan | undefined;
  /** `limits:` for the site's cgroup; undefined when none is set. */
  readonly limits?: SiteLimits | undefined;
  /** `hosts:`, lowercased: the names a front server routes here (`export nginx|apache|caddy`). */
  readonly hosts: readonly string[];
}

export interface SiteLimits {
  readonly memoryBytes: number | undefined;
  /** Percent of one CPU (`200` = two CPUs). */
  readonly cpuPercent: number | undefined;
  readonly pids: number | undefined;
}

export interface LogPlan {
  /** Absolute folder holding one log file per site. */
  readonly dir: string;
  readonly maxSizeBytes: number;
  readonly keep: number;
}

/** `supervisor.router`, or `--router [PORT]`: the development router. */
export interface RouterPlan {
  readonly listen: { readonly type: "tcp"; readonly host: string; readonly port: number };
  /** Site `NAME` answers at `NAME.DOMAIN`. */
  readonly domain: string;
  readonly allowRemote: boolean;
}

export interface ResolvedConfig {
  /** Absolute path of the `sites.yaml` this plan came from. */
  readonly file: string;
  /** Folder of that file: the base of every relative path. */
  readonly dir: string;
  /** Absolute path of the control socket. */
  readonly control: string;
  readonly logs: LogPlan | false;
  /** Hot-reload debounce. */
  readonly watchDebounceMs: number;
  /** `supervisor.http`: the dashboard, `/v1/` and `/metrics` on TCP; `undefined` = nothing on TCP. */
  readonly http?: HttpPlan | undefined;
  /** Absent when the router is off (also in configs built by hand). */
  readonly router?: RouterPlan | undefined;
  /** Sites in file order. */
  readonly sites: readonly ResolvedSite[];
}

/** One problem found in a `sites.yaml`, with where it is and what to do. */
export interface ConfigIssue {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  /** What is wrong, naming the key and the value. */
  readonly message: string;
  /** What to do about it ("did you mean `command`?"). */
  readonly hint: string | undefined;
}

export type LoadResult =
  { readonly ok: true; readonly config: ResolvedConfig } | { readonly ok: false; readonly errors: readonly ConfigIssue[] };

export interface HttpPlan {
  readonly listen: { readonly type: "tcp"; readonly host: string; readonly port: number };
  /** `${VAR}` expanded. Never printed: status, logs and the dashboard leave it out. */
  readonly token: string;
}
