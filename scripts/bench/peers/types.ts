/**
 * The common face of every supervisor measured: start N sites, reload/restart one, name the
 * daemon's pids (for memory and CPU), find a site's log file, stop everything it started.
 * Killing a site's process is the same for all (the fixture answers its pid), so it is not here.
 */

export type PeerName = "bare" | "tsgi" | "pm2-fork" | "pm2-cluster" | "supervisord" | "nodemon";

export const PEER_NAMES: readonly PeerName[] = ["bare", "tsgi", "pm2-fork", "pm2-cluster", "supervisord", "nodemon"];

/** What one site runs. */
export type AppSpec =
  /** `fixture/server.mjs` (and its `version.mjs`) in `dir`. */
  | { readonly kind: "node"; readonly dir: string; readonly startDelayMs: number }
  /** `fixture/log-writer.mjs` in `dir`: writes `lines` lines to stdout as fast as it can. */
  | { readonly kind: "log-writer"; readonly dir: string; readonly lines: number }
  /** A Django project under gunicorn (one sync worker), `wsgi` = `module:callable`. */
  | { readonly kind: "django"; readonly dir: string; readonly python: string; readonly wsgi: string; readonly path: string };

export interface SiteSpec {
  readonly name: string;
  /** 127.0.0.1:port; unused by a log writer. */
  readonly port: number;
  /** Settings module handed to the site (TSGI_SETTINGS_MODULE, or DJANGO_SETTINGS_MODULE for Django). */
  readonly settings: string;
  readonly app: AppSpec;
  /** Hot reload of the app's folder. */
  readonly watch: boolean;
}

/** Things not every peer has; `lacks` says why, for the table's footnote. */
export type Feature = "reload" | "restart" | "crash-restart" | "watch" | "log-files" | "django";

export interface Peer {
  readonly name: PeerName;
  /** Human label with version, e.g. `PM2 7.0.4 fork`. */
  readonly label: string;
  /** Why this peer has no such feature, or undefined when it has. */
  lacks(feature: Feature): string | undefined;
  /** Starts the sites; resolves once the peer's start command returned (not necessarily serving). */
  start(sites: readonly SiteSpec[], workDir: string): Running | Promise<Running>;
}

export interface Running {
  /** The peer's graceful reload (or what its documentation offers instead). */
  reload(site: SiteSpec): Promise<void>;
  restart(site: SiteSpec): Promise<void>;
  /** The supervisor's own processes (not the sites'): their RSS and CPU are the footprint. */
  daemonPids(): number[];
  /** The peer's status command (all sites), or undefined when it has none. */
  readonly status: (() => Promise<void>) | undefined;
  /** Files holding the site's stdout, rotated ones included. */
  logFiles(site: SiteSpec): string[];
  /** Stops every process this start created, by pid; idempotent. */
  stop(): Promise<void>;
}
