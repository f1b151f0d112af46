import type { ResolvedSite } from "../src/config/types.js";

/** A fully-defaulted site for unit tests; override what the test is about. */
export function resolvedSite(overrides: Partial<ResolvedSite> = {}): ResolvedSite {
  return {
    name: "alpha",
    kind: { type: "command", argv: ["node", "server.mjs"] },
    cwd: "/srv/alpha",
    settings: undefined,
    settingsVar: "TSGI_SETTINGS_MODULE",
    env: { PATH: "/usr/bin:/bin" },
    listen: undefined,
    processes: 1,
    scaling: undefined,
    restart: "on-failure",
    backoff: { initialMs: 100, maxMs: 30_000 },
    maxRestarts: { count: 10, withinMs: 60_000 },
    startTimeoutMs: 30_000,
    ready: { type: "delay", ms: 1000 },
    stopSignal: "SIGTERM",
    stopTimeoutMs: 10_000,
    maxMemoryBytes: undefined,
    watch: undefined,
    watchIgnore: [],
    user: undefined,
    group: undefined,
    autostart: true,
    before: [],
    dependsOn: [],
    health: undefined,
    hosts: [],
    ...overrides,
  };
}
