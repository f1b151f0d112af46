/**
 * The control socket's protocol, declared once for the server, the client, the CLI commands and
 * the tests: the paths, the actions, and the JSON of every answer.
 *
 *   GET  /v1/sites                       SitesAnswer: status of every site
 *   GET  /v1/sites/NAME                  SitesAnswer: status of one
 *   POST /v1/sites/NAME|all/ACTION       ActionAnswer: start, stop, restart, reload — when done
 *   POST /v1/reload-config               ReloadConfigAnswer: re-read sites.yaml, apply the difference
 *   GET  /v1/sites/NAME/logs?lines=N&follow=1   one LogLine (NDJSON) per line
 *   GET  /v1/supervisor                  SupervisorAnswer: the supervisor's own pid, memory, fds
 *   GET  /v1/events                      the dashboard's feed (NDJSON), see `dashboard/feed.ts`
 *
 * Any request can also be answered with an ErrorAnswer (4xx/5xx) that says what to do instead.
 */
import type { RecentLine } from "../logging/recent-lines.js";
import type { SiteStateName } from "../supervisor/site-state.js";

/** What `start|stop|restart|reload NAME|all` ask of a site. */
export const CONTROL_ACTIONS = ["start", "stop", "restart", "reload"] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export function isControlAction(value: string): value is ControlAction {
  return (CONTROL_ACTIONS as readonly string[]).includes(value);
}

/** `all` in a site's place means every site. */
export const ALL_SITES = "all";

export const controlPaths = {
  sites: "/v1/sites",
  site: (name: string): string => `/v1/sites/${encodeURIComponent(name)}`,
  action: (name: string, action: ControlAction): string => `/v1/sites/${encodeURIComponent(name)}/${action}`,
  logs: (name: string, options: { readonly lines: number; readonly follow: boolean }): string =>
    `/v1/sites/${encodeURIComponent(name)}/logs?lines=${options.lines}${options.follow ? "&follow=1" : ""}`,
  reloadConfig: "/v1/reload-config",
  supervisor: "/v1/supervisor",
  events: "/v1/events",
} as const;

export interface ErrorAnswer {
  readonly error: string;
}

export interface ProcessStatus {
  readonly index: number;
  readonly pid: number | undefined;
  readonly state: string;
  readonly generation: number;
  readonly startedAt: number | undefined;
  readonly uptimeMs: number | undefined;
  readonly restarts: number;
  readonly memoryBytes: number | undefined;
  readonly cpuPercent: number | undefined;
  /** CPU time of the process's group since it started (`/metrics` counts it). */
  readonly cpuSeconds: number | undefined;
  /** Why the process is down (its last exit, or why it gave up). */
  readonly detail: string | undefined;
}

/** One site in `status`. Never its environment — that is where secrets live. */
export interface SiteStatus {
  readonly name: string;
  readonly state: SiteStateName;
  readonly kind: string;
  /** As users write it: `127.0.0.1:8001`, `[::1]:8001`, `unix:/run/a.sock`. */
  readonly address: string | undefined;
  readonly generation: number;
  readonly restarts: number;
  /** Why the site is down, when it is. */
  readonly reason: string | undefined;
  readonly pids: readonly number[];
  readonly uptimeMs: number | undefined;
  readonly memoryBytes: number | undefined;
  readonly cpuPercent: number | undefined;
  readonly processes: readonly ProcessStatus[];
  /** `processes: {min, max, idle}` only. */
  readonly scaling: ScalingStatus | undefined;
  /** `http://NAME.localhost:PORT/` when the development router is on. */
  readonly url?: string | undefined;
}

/** `processes: {min, max, idle}`: the bounds, how many run now, and since when it had no connection. */
export interface ScalingStatus {
  readonly min: number;
  readonly max: number;
  readonly idleMs: number;
  /** Epoch ms; undefined before the site first listened. */
  readonly lastConnectionAt: number | undefined;
  readonly current: number;
  readonly sinceLastConnectionMs: number | undefined;
}

export interface SitesAnswer {
  readonly sites: readonly SiteStatus[];
}

/** How one operation on one site ended, in a sentence for the user. */
export interface OpOutcome {
  readonly ok: boolean;
  readonly message: string;
}

/** Per site named (or every site, for `all`). `ok` when every one succeeded. */
export interface ActionAnswer {
  readonly ok: boolean;
  readonly results: Readonly<Record<string, OpOutcome>>;
}

/** What a config edit changed, site by site. */
export interface ConfigReport {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
  readonly unchanged: readonly string[];
  readonly results: Readonly<Record<string, OpOutcome>>;
}

/** A refused file changes nothing: `errors` is the formatted list (file:line:col and the fix). */
export type ReloadConfigAnswer = { readonly ok: true; readonly report: ConfigReport } | { readonly ok: false; readonly errors: string };

export type LogLine = RecentLine;

/** Every JSON answer the server sends (logs are NDJSON: one LogLine per line). */
export type ControlAnswer = SitesAnswer | ActionAnswer | ReloadConfigAnswer | SupervisorAnswer | ErrorAnswer;

/** The supervisor's own footprint: what a leak (fds, heap) would show first. */
export interface SupervisorAnswer {
  readonly pid: number;
  readonly uptimeMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Undefined where /proc/self/fd cannot be read. */
  readonly fds: number | undefined;
  readonly sites: number;
  readonly config: string;
}
