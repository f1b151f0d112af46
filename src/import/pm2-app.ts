/**
 * One PM2 app → its site's keys. PM2's own defaults are written out where they differ from
 * tsgi's (PM2 restarts on every exit: `restart: always`), so the imported site behaves as it did.
 */
import os from "node:os";
import path from "node:path";
import { formatDuration } from "../format/duration.js";
import { formatSize } from "../format/size.js";
import type { ImportContext } from "./context.js";
import { failAt, type Parsed, type SiteDraft, type SourceRef } from "./model.js";
import { shlexSplit } from "./shlex.js";

export type App = Readonly<Record<string, unknown>>;

/** PM2's interpreter for a script's extension (`lib/API/interpreter.json`). */
const INTERPRETERS: Readonly<Record<string, string>> = {
  ".js": "node",
  ".cjs": "node",
  ".mjs": "node",
  ".ts": "node",
  ".sh": "bash",
  ".py": "python3",
  ".rb": "ruby",
  ".php": "php",
  ".pl": "perl",
  ".coffee": "coffee",
};

/** Keys read together with others below, or that only PM2 itself uses. */
const HANDLED = new Set([
  "name",
  "script",
  "cmd",
  "command",
  "args",
  "interpreter",
  "exec_interpreter",
  "interpreter_args",
  "node_args",
  "cwd",
  "env",
  "instances",
  "exec_mode",
  "port",
  "max_memory_restart",
  "autorestart",
  "max_restarts",
  "min_uptime",
  "restart_delay",
  "exp_backoff_restart_delay",
  "kill_timeout",
  "watch",
  "ignore_watch",
  "cron_restart",
  "wait_ready",
  "listen_timeout",
  "user",
  "uid",
  "gid",
  "autostart",
  "stop_exit_codes",
  "treekill",
]);

const LOG_KEYS = new Set([
  "error_file",
  "out_file",
  "log_file",
  "log",
  "output",
  "error",
  "merge_logs",
  "combine_logs",
  "log_date_format",
  "time",
  "log_type",
  "pid_file",
  "pid",
]);

/** A value of the ecosystem file as text: strings as they are, anything else as JSON. */
export function text(value: unknown): string {
  if (typeof value === "string") return value;
  // What JSON.stringify would turn into undefined, whatever its type says.
  if (value === undefined || typeof value === "function" || typeof value === "symbol") return typeof value;
  return JSON.stringify(value);
}

/** `300M`, `1G`, `200K`, or bytes → a `sites.yaml` size. */
function memory(value: unknown): string | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([KMG])?B?$/i.exec(text(value).trim());
  if (match === null) return undefined;
  const units: Readonly<Record<string, number>> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
  const unit = units[(match[2] ?? "").toUpperCase()] ?? 1;
  return formatSize(Math.round(Number(match[1]) * unit));
}

function ms(value: unknown): number | undefined {
  if (typeof value === "number" && value >= 0) return value;
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function words(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map(text);
  if (typeof value !== "string") return [text(value)];
  const split = shlexSplit(value);
  return split.ok ? split.argv : undefined;
}

export function mapApp(
  app: App,
  script: string,
  site: SiteDraft,
  ctx: ImportContext,
  dir: string,
  keyAt: (key: string) => SourceRef,
): Parsed<undefined> {
  const bad = (key: string, expected: string): Parsed<undefined> => {
    const at = keyAt(key);
    return failAt(at.file, at.line, 1, `${key} is ${JSON.stringify(app[key])}`, expected);
  };
  const cwd = typeof app["cwd"] === "string" ? path.resolve(dir, app["cwd"]) : dir;
  if (ctx.pathFor(cwd) !== ".") site.set("cwd", ctx.pathFor(cwd));

  // script + args + interpreter → argv, as PM2 builds it.
  const args = words(app["args"]);
  if (args === undefined) return bad("args", "a closed quote in args");
  const interpreter = (app["interpreter"] ?? app["exec_interpreter"]) as string | undefined;
  const interpreterArgs = words(app["interpreter_args"] ?? app["node_args"]);
  if (interpreterArgs === undefined) return bad("interpreter_args", "a closed quote");
  const chosen = interpreter ?? INTERPRETERS[path.extname(script)] ?? "none";
  // A `script` run directly may be a whole command line (`script: "npm run start"`).
  const scriptWords = chosen === "none" ? words(script) : [script];
  if (scriptWords === undefined) return bad("script", "a closed quote in script");
  site.set("command", chosen === "none" ? [...scriptWords, ...args] : [chosen, ...interpreterArgs, script, ...args]);

  // env, then env_NAME of --env over it.
  const envName = ctx.options.envName;
  const sets = Object.keys(app).filter((key) => key.startsWith("env_"));
  const env: Record<string, unknown> = { ...(app["env"] as Record<string, unknown> | undefined) };
  if (envName !== undefined) {
    const chosenSet = app[`env_${envName}`];
    if (chosenSet === undefined) site.note(`no env_${envName} in this app: only \`env\` applied`);
    else Object.assign(env, chosenSet as Record<string, unknown>);
  }
  const skipped = sets.filter((key) => key !== `env_${envName}`);
  if (skipped.length > 0) site.note(`not applied: ${skipped.join(", ")} (choose one with --env ${skipped[0]?.slice(4)})`);
  if (app["port"] !== undefined) env["PORT"] = app["port"];
  for (const [key, value] of Object.entries(env)) site.env(key, typeof value === "string" ? value : JSON.stringify(value));

  // instances + exec_mode: cluster → processes on one socket; the PORT the app read → listen.
  const clusterMode = text(app["exec_mode"] ?? "fork").startsWith("cluster");
  const instances = app["instances"];
  let processes = 1;
  if (instances !== undefined) {
    const cpus = os.availableParallelism();
    processes =
      instances === "max" || instances === 0 || instances === "0"
        ? cpus
        : Number(instances) < 0
          ? Math.max(1, cpus + Number(instances))
          : Number(instances);
    if (!Number.isInteger(processes) || processes < 1) return bad("instances", "a number, `max` or -1");
    site.set(
      "processes",
      processes,
      typeof instances === "number" && instances > 0 ? undefined : `instances: ${text(instances)} on this machine (${cpus} CPUs)`,
    );
  }
  const port = env["PORT"];
  if (port !== undefined && /^\d+$/.test(text(port))) {
    site.set("listen", Number(port), "the PORT the app read");
    site.note(
      "tsgi binds this port and hands it to every process as fd 3 (TSGI_FD=3, LISTEN_FDS=1): serve that fd for graceful reloads and shared processes; an app that keeps binding PORT itself still runs, as one process without graceful reloads",
    );
  } else if (clusterMode && processes > 1) {
    site.note("cluster mode shared the app's port between instances; give the site `listen:` and serve fd 3 so the processes share it");
    ctx.log.warn(
      keyAt("exec_mode"),
      `app \`${site.name}\` ran in cluster mode without a PORT in its env: add \`listen:\` so its ${processes} processes share one socket`,
    );
  }

  // Restart policy: PM2 restarts on every exit unless told otherwise.
  const stopCodes = app["stop_exit_codes"];
  if (app["autorestart"] === false) site.set("restart", "never", "autorestart: false");
  else if (Array.isArray(stopCodes) && stopCodes.length === 1 && Number(stopCodes[0]) === 0)
    site.set("restart", "on-failure", "stop_exit_codes: [0]");
  else {
    site.set("restart", "always", "PM2 restarts on every exit");
    if (stopCodes !== undefined)
      site.unmapped(keyAt("stop_exit_codes"), `stop_exit_codes: ${JSON.stringify(stopCodes)}`, "tsgi's on-failure spares only exit code 0");
  }
  const maxRestarts = app["max_restarts"];
  const minUptime = ms(app["min_uptime"]) ?? 1000;
  if (maxRestarts !== undefined) {
    const count = Number(maxRestarts);
    if (!Number.isInteger(count) || count < 1) return bad("max_restarts", "a whole number ≥ 1");
    site.set(
      "maxRestarts",
      { count, within: formatDuration(Math.max(1000, minUptime * count)) },
      `max_restarts within max_restarts × min_uptime`,
    );
  } else if (app["min_uptime"] !== undefined) {
    site.unmapped(keyAt("min_uptime"), `min_uptime: ${text(app["min_uptime"])}`, "tsgi counts a run as stable after 10s");
  }
  const restartDelay = ms(app["restart_delay"]);
  const expDelay = ms(app["exp_backoff_restart_delay"]);
  if (expDelay !== undefined)
    site.set("backoff", { initial: formatDuration(expDelay), max: "15s" }, "exp_backoff_restart_delay, doubling to PM2's 15s");
  else if (restartDelay !== undefined)
    site.set("backoff", { initial: formatDuration(restartDelay), max: formatDuration(restartDelay) }, "restart_delay");
  const kill = ms(app["kill_timeout"]);
  if (kill !== undefined) site.set("stopTimeout", formatDuration(kill));
  else site.set("stopTimeout", "1600ms", "PM2's default kill_timeout");
  if (app["max_memory_restart"] !== undefined) {
    const size = memory(app["max_memory_restart"]);
    if (size === undefined) return bad("max_memory_restart", "a size like `300M` or `1G`");
    site.set("maxMemory", size, "replaced gracefully, new process first");
  }

  // watch, ready, accounts.
  const watch = app["watch"];
  if (watch === true || (Array.isArray(watch) && watch.length > 0)) site.set("watch", watch === true ? true : watch.map(text));
  else if (typeof watch === "string") site.set("watch", [watch]);
  const ignore = app["ignore_watch"];
  if (ignore !== undefined) site.set("watchIgnore", Array.isArray(ignore) ? ignore.map(text) : [text(ignore)]);
  if (app["wait_ready"] === true) {
    if (site.has("listen"))
      site.set("ready", { http: "/" }, "wait_ready: tsgi probes the socket instead of waiting for process.send('ready')");
    else
      site.unmapped(
        keyAt("wait_ready"),
        "wait_ready: true",
        "tsgi has no process.send('ready'); give the site `listen:` and `ready: {http: /}`, or `ready: {log: REGEX}`",
      );
  }
  const listenTimeout = ms(app["listen_timeout"]);
  if (listenTimeout !== undefined) site.set("startTimeout", formatDuration(listenTimeout));
  const user = app["user"] ?? app["uid"];
  if (user !== undefined) site.set("user", text(user));
  if (app["gid"] !== undefined) site.set("group", text(app["gid"]));
  if (app["autostart"] === false) site.set("autostart", false);
  if (app["treekill"] === false) {
    site.note("treekill: false: tsgi always signals the site's whole process group");
    ctx.log.warn(keyAt("treekill"), "treekill: false: tsgi always signals the site's whole process group");
  }
  if (app["cron_restart"] !== undefined) {
    site.unmapped(
      keyAt("cron_restart"),
      `cron_restart: ${text(app["cron_restart"])}`,
      `schedule \`tsgi-supervise reload ${site.name}\` from cron or a systemd timer (graceful)`,
    );
  }
  for (const key of Object.keys(app)) {
    if (HANDLED.has(key) || key.startsWith("env_")) continue;
    const value = JSON.stringify(app[key]);
    if (LOG_KEYS.has(key))
      site.unmapped(keyAt(key), `${key}: ${value}`, "tsgi writes each site's output to `supervisor.logs/NAME.log`, rotated");
    else site.unmapped(keyAt(key), `${key}: ${value}`, "no tsgi key for it");
  }
  return { ok: true, value: undefined };
}
