/**
 * `tsgi-supervise check sites.yaml`: validate, then print what tsgi would run for each site —
 * the argv, cwd, environment (secrets redacted), address and policies — so a reader can
 * verify the plan without starting anything. Every error is printed, not just the first.
 */
import { loadConfig, formatIssues } from "../config/load.js";
import type { ResolvedConfig, ResolvedSite } from "../config/types.js";
import { formatAddress } from "../format/address.js";
import { formatDuration } from "../format/duration.js";
import { formatSize } from "../format/size.js";
import { redactValue } from "../env/redact.js";
import { hostReport } from "../host/host-report.js";
import { describeLimits } from "../host/limits.js";
import { exposureWarning } from "../http/exposure.js";
import { launchPlan } from "../kinds/launch.js";

const SAFE_WORD = /^[\w@%+=:,./-]+$/;

/** An argv as one readable line, quoting only what needs it. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((arg) => (SAFE_WORD.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(" ");
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(11)}${value}`;
}

function envLines(env: Readonly<Record<string, string>>): string[] {
  const names = Object.keys(env);
  if (names.length === 0) return ["    (empty)"];
  return names.map((name) => {
    const value = redactValue(name, env[name] ?? "");
    // A newline in a value would read as another variable.
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
    return `    ${name}=${/[\x00-\x1f]/.test(value) ? JSON.stringify(value) : value}`;
  });
}

function readyText(site: ResolvedSite): string {
  const ready = site.ready;
  switch (ready.type) {
    case "notify":
      return "reported by the process itself";
    case "http":
      return `an HTTP response from ${ready.path}`;
    case "log":
      return `output matching /${ready.pattern}/`;
    case "delay":
      return `up for ${formatDuration(ready.ms)}`;
    default:
      throw new Error(`unknown ready rule ${JSON.stringify(ready satisfies never)}`);
  }
}

function describeSite(site: ResolvedSite): string[] {
  const lines = [`${site.name} (${site.kind.type})`];
  let kindEnv: Readonly<Record<string, string>> = {};
  try {
    const plan = launchPlan(site);
    lines.push(row("run", formatArgv(plan.display)));
    kindEnv = plan.env;
  } catch (error) {
    lines.push(row("run", `(cannot be planned: ${error instanceof Error ? error.message : String(error)})`));
  }
  const threads = site.kind.type === "wsgi" ? ` × ${site.kind.threads} thread${site.kind.threads === 1 ? "" : "s"}` : "";
  const { backoff, maxRestarts } = site;
  const restart =
    site.restart === "never"
      ? "never"
      : `${site.restart}; backoff ${formatDuration(backoff.initialMs)} doubling to ${formatDuration(backoff.maxMs)}; ` +
        `fatal after ${maxRestarts.count} crashes within ${formatDuration(maxRestarts.withinMs)}`;
  const watch =
    site.watch === undefined
      ? "off (on under --watch)"
      : site.watch === true
        ? "cwd"
        : site.watch === false
          ? "off"
          : site.watch.join(", ");
  lines.push(
    row("cwd", site.cwd),
    row("settings", site.settings === undefined ? `none (${site.settingsVar} unset)` : `${site.settingsVar}=${site.settings}`),
    row("listen", site.listen === undefined ? "none" : formatAddress(site.listen)),
    ...(site.hosts.length > 0 ? [row("hosts", site.hosts.join(", "))] : []),
    row("processes", `${processesText(site)}${threads}`),
    row("restart", restart),
    row("ready", `${readyText(site)}, within ${formatDuration(site.startTimeoutMs)}`),
    row("stop", `${site.stopSignal}, then SIGKILL after ${formatDuration(site.stopTimeoutMs)}`),
    row("memory", site.maxMemoryBytes === undefined ? "no limit" : `replaced above ${formatSize(site.maxMemoryBytes)}`),
    row("limits", site.limits === undefined ? "none" : `${describeLimits(site.limits)} (the site's cgroup)`),
    row("autostart", site.autostart ? "yes" : "no"),
    row("watch", site.watchIgnore.length > 0 ? `${watch} (ignoring ${site.watchIgnore.join(", ")})` : watch),
  );
  if (site.user !== undefined || site.group !== undefined) {
    lines.push(row("account", [site.user ?? "(same user)", site.group].filter(Boolean).join(":")));
  }
  lines.push("  env", ...envLines(site.env));
  if (Object.keys(kindEnv).length > 0) lines.push(`  env added for ${site.kind.type} sites`, ...envLines(kindEnv));
  return lines;
}

function processesText(site: ResolvedSite): string {
  const scaling = site.scaling;
  if (scaling === undefined) return `${site.processes}`;
  const floor = scaling.min === 0 ? "none until the first connection" : `${scaling.min} always`;
  return `${floor}, up to ${scaling.max} while connections wait; one idle for ${formatDuration(scaling.idleMs)} stops`;
}

/** `supervisor.http`: where, never the token itself; and what a non-loopback address means. */
function httpRows(config: ResolvedConfig): string[] {
  const http = config.http;
  if (http === undefined) return [row("http", "none (nothing listens on TCP)")];
  const warning = exposureWarning(http.listen.host, http.listen.port);
  return [
    row("http", `http://${formatAddress(http.listen)}/ (dashboard, /v1/, /metrics; token set, ${http.token.length} characters)`),
    ...(warning === undefined ? [] : [`  warning: ${warning}`]),
  ];
}

export function describeConfig(config: ResolvedConfig): string {
  const logs =
    config.logs === false
      ? "console only"
      : `${config.logs.dir} (rotated at ${formatSize(config.logs.maxSizeBytes)}, ${config.logs.keep} kept)`;
  const count = `${config.sites.length} site${config.sites.length === 1 ? "" : "s"}`;
  const blocks = [
    [`${config.file}: OK, ${count}`],
    [
      "supervisor",
      row("control", config.control),
      row("logs", logs),
      row("debounce", formatDuration(config.watchDebounceMs)),
      ...httpRows(config),
    ],
    ...config.sites.map(describeSite),
  ];
  return `${blocks.map((block) => block.join("\n")).join("\n\n")}\n`;
}

export async function checkCommand(file: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const loaded = await loadConfig(file);
  if (!loaded.ok) {
    const count = loaded.errors.length;
    err.write(`${formatIssues(loaded.errors)}\n\n${count} error${count === 1 ? "" : "s"} in ${loaded.errors[0]?.file ?? file}\n`);
    return 2;
  }
  out.write(describeConfig(loaded.config));
  out.write(`\nhost\n${hostReport(loaded.config, process.env).join("\n")}\n`);
  return 0;
}
