/**
 * A site's `.service` unit (a template `name@.service` for `processes: N`): everything tsgi would
 * do for one of its processes, as systemd settings.
 *
 * Key by key — see `docs/outgrowing.md` for the table: the argv and environment tsgi would use,
 * `restart` → `Restart=`, `backoff` → `RestartSec=` (+ `RestartSteps=`/`RestartMaxDelaySec=`),
 * `maxRestarts` → `StartLimitBurst=`/`StartLimitIntervalSec=`, `stopSignal`/`stopTimeout` →
 * `KillSignal=`/`TimeoutStopSec=` with `KillMode=control-group` (tsgi, too, kills the whole
 * process group), `maxMemory` → `MemoryMax=`. What has no faithful equivalent is written as a
 * comment where it would go and returned as a warning.
 */
import path from "node:path";
import type { ResolvedSite } from "../config/types.js";
import { exportLaunch } from "./launch-argv.js";
import { splitSecrets } from "./secrets.js";
import { envAssignment, execLine, literal, note, setting, timespan, type UnitFile, type UnitLine } from "./unit-file.js";
import type { ExportWarning } from "./warnings.js";

/** The first systemd with `RestartSteps=` / `RestartMaxDelaySec=`. */
export const RESTART_STEPS_SINCE = 254;

export type FindProgram = (
  file: string,
  cwd: string,
  envPath: string | undefined,
) => { readonly ok: true; readonly path: string } | { readonly ok: false; readonly message: string };

export interface ServiceOptions {
  readonly systemdVersion: number;
  readonly node: string;
  readonly workerMain: string;
  readonly secretsDir: string;
  readonly findProgram: FindProgram;
}

export interface ServiceUnitInput {
  readonly site: ResolvedSite;
  readonly name: string;
  /** Unit name without suffix (`tsgi-alpha`), which also names the secrets file. */
  readonly base: string;
  readonly template: boolean;
  readonly socket: string | undefined;
  readonly target: string;
  readonly configFile: string;
  /** The units of the sites this one `dependsOn`. */
  readonly dependsOn?: readonly string[];
}

export interface ServiceUnit {
  readonly unit: UnitFile;
  readonly warnings: readonly ExportWarning[];
  /** The `EnvironmentFile=` the user must create, and the names it must hold. */
  readonly secrets: { readonly path: string; readonly names: readonly string[] } | undefined;
}

export function serviceUnit(input: ServiceUnitInput, options: ServiceOptions): ServiceUnit {
  const { site } = input;
  const warnings: ExportWarning[] = [];
  const warn = (key: string, message: string): void => {
    warnings.push({ site: site.name, key, message });
  };

  const launch = exportLaunch(site, { node: options.node, workerMain: options.workerMain });
  const argv = [program(site, launch.argv[0] ?? "", options.findProgram, warn), ...launch.argv.slice(1)];

  // `%i` stays a specifier: the instance, i.e. the process number.
  const unit: UnitLine[] = [
    setting("Description", `${literal(`tsgi site ${site.name}`)}${input.template ? ` (process %i of ${site.processes})` : ""}`),
  ];
  unit.push(setting("PartOf", input.target));
  if (input.socket !== undefined) unit.push(setting("Requires", input.socket), setting("After", input.socket));
  unit.push(
    ...note(
      `maxRestarts: ${site.maxRestarts.count} within ${timespan(site.maxRestarts.withinMs)}. systemd counts starts, the first one\n` +
        `included, so the burst is ${site.maxRestarts.count} restarts + 1; past it the unit is failed (tsgi: fatal).`,
    ),
    setting("StartLimitIntervalSec", timespan(site.maxRestarts.withinMs)),
    setting("StartLimitBurst", String(site.maxRestarts.count + 1)),
  );

  for (const dep of input.dependsOn ?? []) unit.push(setting("Requires", dep), setting("After", dep));
  if ((input.dependsOn ?? []).length > 0 && site.kind.type === "command") {
    warn("dependsOn", "After= waits for the dependency's start as systemd sees it (Type=), not for tsgi's readiness check");
  }

  const service: UnitLine[] = [...readiness(site, warn)];
  for (const task of site.before) service.push(setting("ExecStartPre", execLine(task.argv)));
  if (site.before.length > 0) {
    const message =
      "ExecStartPre= runs before every start, a restart after a crash included (tsgi: only before a new generation); systemctl reload runs none, and TimeoutStartSec= covers the tasks and the start together";
    warn("before", message);
    service.push(...note(`before: ${message}.`));
  }
  service.push(setting("ExecStart", execLine(argv)));
  if (site.health !== undefined) {
    const message = `systemd has no HTTP liveness probe: \`health: {http: ${site.health.path}}\` is not exported (WatchdogSec= needs the program to send WATCHDOG=1)`;
    warn("health", message);
    service.push(...note(`health: ${message}.`));
  }
  if ((site.kind.type === "wsgi" || site.kind.type === "asgi") && site.kind.middleware.length > 0) {
    warn(
      "middleware",
      `the server's own command line does not wrap the application: wrap it at the bottom of its ${site.kind.type}.py instead`,
    );
  }
  if (site.kind.type === "command" && site.ready.type === "delay") {
    service.push(
      ...note(`ready: {delay: ${timespan(site.ready.ms)}} — active once the program has run that long`),
      setting("ExecStartPost", execLine(["/bin/sleep", seconds(site.ready.ms)])),
    );
  }
  if (site.kind.type === "wsgi" && site.kind.server === "uwsgi") {
    service.push(...note("no ExecReload: uWSGI's SIGHUP is its graceful stop here; use systemctl restart"));
  } else if (site.kind.type === "wsgi") {
    service.push(
      ...note("systemctl reload: gunicorn starts new workers, then retires the old ones"),
      setting("ExecReload", "/bin/kill -HUP $MAINPID"),
    );
  }
  service.push(setting("WorkingDirectory", literal(site.cwd)));
  if (site.user !== undefined) service.push(setting("User", literal(site.user)));
  if (site.group !== undefined) service.push(setting("Group", literal(site.group)));
  if (input.template && input.socket !== undefined) service.push(setting("Sockets", input.socket));

  const env = environment(site, launch.env, input, options);
  service.push(...env.lines);

  service.push(...restart(site, options.systemdVersion, warn));
  service.push(setting("TimeoutStartSec", timespan(site.startTimeoutMs)));
  service.push(
    ...note(`stopSignal, then SIGKILL to every process left after stopTimeout, like tsgi's process-group kill`),
    setting("KillMode", "control-group"),
    setting("KillSignal", site.stopSignal),
    setting("TimeoutStopSec", timespan(site.stopTimeoutMs)),
  );
  if (site.maxMemoryBytes !== undefined) {
    const message =
      "MemoryMax= caps the unit's whole control group and the kernel OOM-kills it past the cap (then Restart= applies); " +
      "tsgi instead replaces a process over the size gracefully";
    warn("maxMemory", message);
    service.push(
      ...note(`maxMemory: ${site.maxMemoryBytes} bytes — not faithful: ${message}.`),
      setting("MemoryMax", String(site.maxMemoryBytes)),
    );
  }
  if (site.watch !== undefined && site.watch !== false) {
    const message =
      "hot reload has no systemd equivalent: the unit never restarts on file changes (keep `tsgi-supervise --watch` for development)";
    warn("watch", message);
    service.push(...note(`watch: not exported — ${message}.`));
  }

  const header = [
    `tsgi site \`${site.name}\` from ${input.configFile}: what tsgi would run for it.`,
    "Generated by `tsgi-supervise export systemd`; regenerate rather than edit.",
  ];
  if (input.template) {
    header.push(
      `processes: ${site.processes} — start ${input.base}@1 … ${input.base}@${site.processes} (the target does);`,
      `each restarts on its own, where tsgi would stop the whole site once one of them is fatal.`,
    );
  }
  return {
    unit: {
      name: input.name,
      header,
      sections: [
        { name: "Unit", lines: unit },
        { name: "Service", lines: service },
      ],
    },
    warnings,
    secrets: env.secrets,
  };
}

/** Where tsgi would find the program: systemd itself only searches a fixed PATH. */
function program(site: ResolvedSite, file: string, find: FindProgram, warn: (key: string, message: string) => void): string {
  const found = find(file, site.cwd, site.env["PATH"]);
  if (found.ok) return found.path;
  warn(site.kind.type, `${found.message}; the unit names it as written`);
  return file.includes("/") ? path.resolve(site.cwd, file) : file;
}

function readiness(site: ResolvedSite, warn: (key: string, message: string) => void): UnitLine[] {
  const kind = site.kind.type;
  if (kind === "wsgi") {
    const booted =
      site.kind.server === "uwsgi"
        ? "uWSGI reports READY=1 to systemd once its master has loaded the application"
        : "gunicorn reports READY=1 to systemd once its arbiter has booted";
    return [...note(booted), setting("Type", "notify")];
  }
  if (kind === "app") {
    return [
      ...note(
        "tsgi's worker reports readiness on tsgi's notify pipe, which systemd does not read:\nthe unit is active once the worker runs.",
      ),
      setting("Type", "exec"),
    ];
  }
  const rule = site.ready;
  if (rule.type === "http" || rule.type === "log") {
    const what = rule.type === "http" ? `{http: ${rule.path}}` : `{log: ${rule.pattern}}`;
    const message = `systemd cannot check \`ready: ${what}\`; the unit is active as soon as the program runs (Type=exec)`;
    warn("ready", message);
    return [...note(`ready: ${what} — not exported: ${message}.`), setting("Type", "exec")];
  }
  return [setting("Type", "exec")];
}

function environment(
  site: ResolvedSite,
  launchEnv: Readonly<Record<string, string>>,
  input: ServiceUnitInput,
  options: ServiceOptions,
): { lines: UnitLine[]; secrets: ServiceUnit["secrets"] } {
  const { plain, secret } = splitSecrets(site.env, [site.settingsVar]);
  const lines: UnitLine[] = [...note("The environment tsgi builds for the site (its settings variable last)")];
  for (const [name, value] of plain) {
    if (name !== site.settingsVar) lines.push(setting("Environment", envAssignment(name, value)));
  }
  const settings = site.env[site.settingsVar];
  if (settings !== undefined) lines.push(setting("Environment", envAssignment(site.settingsVar, settings)));
  lines.push(...note("What tsgi adds per process; systemd sets LISTEN_FDS and LISTEN_PID itself"));
  for (const [name, value] of Object.entries(launchEnv)) lines.push(setting("Environment", envAssignment(name, value)));
  lines.push(setting("Environment", envAssignment("TSGI_SITE", site.name)));
  // `%i` is the instance: the process number tsgi would give.
  lines.push(setting("Environment", input.template ? '"TSGI_PROCESS=%i"' : envAssignment("TSGI_PROCESS", "1")));
  if (site.listen !== undefined) lines.push(setting("Environment", envAssignment("TSGI_FD", "3")));
  if (secret.length === 0) return { lines, secrets: undefined };
  const file = path.posix.join(options.secretsDir, `${input.base}.env`);
  lines.push(
    ...note(`Secret-looking, so never written here: ${secret.join(", ")}.\nPut them in ${file} (NAME=value lines, root-owned, mode 0600).`),
    setting("EnvironmentFile", literal(file)),
  );
  return { lines, secrets: { path: file, names: secret } };
}

function restart(site: ResolvedSite, version: number, warn: (key: string, message: string) => void): UnitLine[] {
  const lines: UnitLine[] = [setting("Restart", site.restart === "never" ? "no" : site.restart)];
  // Never restarted, so there is no delay to speak of.
  if (site.restart === "never") return lines;
  const { initialMs, maxMs } = site.backoff;
  lines.push(
    ...note(`backoff: ${timespan(initialMs)} doubling to ${timespan(maxMs)}; systemd has no jitter and no reset after a stable run`),
    setting("RestartSec", timespan(initialMs)),
  );
  if (maxMs <= initialMs) return lines;
  // systemd spreads RestartSec → RestartMaxDelaySec exponentially over N steps: log2(max/initial)
  // steps make each one a doubling, as tsgi's backoff does.
  const steps = Math.max(1, Math.round(Math.log2(maxMs / initialMs)));
  const capped = [setting("RestartSteps", String(steps)), setting("RestartMaxDelaySec", timespan(maxMs))];
  if (version >= RESTART_STEPS_SINCE) {
    return [
      ...lines,
      ...note(`RestartSteps=/RestartMaxDelaySec= need systemd >= ${RESTART_STEPS_SINCE}; older ones ignore them with a warning`),
      ...capped,
    ];
  }
  warn(
    "backoff",
    `systemd ${version} restarts at a fixed RestartSec=${timespan(initialMs)}: doubling up to ${timespan(maxMs)} needs systemd >= ${RESTART_STEPS_SINCE} (RestartSteps=, RestartMaxDelaySec=, written as comments)`,
  );
  return [
    ...lines,
    ...note(`systemd ${version} has no RestartSteps=/RestartMaxDelaySec= (since ${RESTART_STEPS_SINCE}); with a newer one, uncomment:`),
    ...capped.map((line) => ("key" in line ? { comment: `${line.key}=${line.value}` } : line)),
  ];
}

/** `sleep` takes fractional seconds. */
function seconds(ms: number): string {
  return String(ms / 1000);
}
