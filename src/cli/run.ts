/**
 * `tsgi-supervise [run] sites.yaml`: supervise in the foreground until SIGINT/SIGTERM.
 *
 * Wiring only — each behaviour lives in its own module: the plan (`config/`), the sites
 * (`supervisor/`), the control socket (`control/`), hot reload (`watch/`), logs (`logging/`).
 */
import { formatIssues, loadConfig } from "../config/load.js";
import { checkOnly } from "../config/only.js";
import type { ReloadConfigAnswer } from "../control/protocol.js";
import { ControlSocketBusy, controlHandler, startControlServer, type ControlDeps } from "../control/server.js";
import type { InProcessDashboard } from "../dashboard/in-process.js";
import type { HttpListener } from "../http/listener.js";
import { describeTracking, startHost, SubreaperUnavailable, uninstallHost } from "../host/host.js";
import { startSystemdSession, summarize } from "../host/systemd-session.js";
import { colorWanted } from "../logging/color.js";
import { deferLog } from "../logging/deferred-log.js";
import { RecentLines } from "../logging/recent-lines.js";
import { tapLog } from "../logging/tap.js";
import { StateFile, stateFilePath, stopLeftovers } from "../supervisor/state-file.js";
import { Supervisor } from "../supervisor/supervisor.js";
import { jitIsOn } from "../runtime/v8-controls.js";
import { realClock } from "../time/clock.js";
import { startHotReload } from "../watch/hot-reload.js";
import type { ResolvedConfig } from "../config/types.js";
import { DEFAULT_ROUTER_LISTEN } from "../config/listen.js";
import type { Router } from "../router/router.js";
import type { Command } from "./args.js";

type RunCommand = Extract<Command, { name: "run" }>;

/** The log is loaded once the first process is spawned, or after this long (`deferred-log.ts`). */
const LOG_LOAD_AT_LATEST_MS = 100;

export interface RunHooks {
  /**
   * Every site has started, V8's flags still as they were when the run path loaded (the code
   * cache's moment to take in all that start-up compiled: `code-cache.ts`).
   */
  readonly startedUp?: () => void;
}

export async function runCommand(command: RunCommand, err: NodeJS.WritableStream, hooks: RunHooks = {}): Promise<number> {
  const loaded = await loadConfig(command.file, { watchAll: command.watch });
  if (!loaded.ok) {
    err.write(`${formatIssues(loaded.errors)}\n`);
    return 2;
  }
  const config = withRouterFlag(loaded.config, command.router);
  const only = checkOnly(config, command.only);
  if (!only.ok) {
    err.write(`${only.message}\n`);
    return 2;
  }

  // Tapped: /metrics counts each site's output lines (nothing listens without it). Loaded once the
  // first process is spawned or writes, 100 ms after this at the latest, or when the supervisor
  // ends first: what is logged before is kept and written then, in order (`logging/deferred-log.ts`).
  const recent = new RecentLines();
  const deferred = deferLog(
    () =>
      import("../logging/logger.js").then(({ createLog }) =>
        createLog({ format: command.logFormat, color: colorWanted(process.stdout), stream: process.stdout, recent }),
      ),
    recent,
  );
  const tapped = tapLog(deferred.log);
  const log = tapped.log;
  // Real time enters here, and only here: everything below takes this clock.
  const clock = realClock;
  const supervisor = new Supervisor(config, { log, clock, only: command.only === undefined ? undefined : new Set(command.only) });
  // Before anything is spawned: the subreaper bit, the reaper and the tracking (`host/`), and the
  // first processes' cgroups.
  let host;
  try {
    host = startHost({
      firstStart: supervisor.firstStartMarks(),
      warn: (message) => log.event("warn", message),
      env: process.env,
      requireSubreaper: command.subreaper === true,
      adopted: (pid, site) => log.event("info", `adopted pid ${pid}, which left its site's process group`, site, { event: "adopted", pid }),
    });
  } catch (error) {
    if (!(error instanceof SubreaperUnavailable)) throw error;
    err.write(`tsgi: ${error.message}\n`);
    await log.close();
    return 1;
  }
  const systemd = startSystemdSession(process.env, (message) => log.event("warn", message));
  const unlistenFirstSpawn = supervisor.events.on("process-started", () => {
    unlistenFirstSpawn();
    void deferred.load();
  });
  // Not later than this when no process is spawned soon (preflights, `before:` tasks, idle sites).
  clock.setTimeout(() => void deferred.load(), LOG_LOAD_AT_LATEST_MS).unref();
  const summary = (): string => summarize(supervisor.sites().map((site) => site.state.kind));
  // systemctl status shows the latest STATUS= line: keep it current as sites change state — under
  // systemd only, and once per burst of changes (the summary goes over every site).
  let statusDue = false;
  if (systemd.active) {
    supervisor.events.on("state", () => {
      if (statusDue) return;
      statusDue = true;
      setImmediate(() => {
        statusDue = false;
        systemd.status(summary());
      });
    });
  }

  // The dashboard's feed: made for the first viewer, or now with supervisor.http (its history and
  // counters then cover the whole run). Its modules are loaded only then.
  let dashboard: Promise<InProcessDashboard> | undefined;
  const dashboardOnce = (): Promise<InProcessDashboard> =>
    (dashboard ??= import("../dashboard/in-process.js").then((m) =>
      m.inProcessDashboard(supervisor, { always: config.http !== undefined }),
    ));

  let reloading: Promise<ReloadConfigAnswer> | undefined;
  const reloadConfig = (): Promise<ReloadConfigAnswer> => {
    // Single-flight: a SIGHUP during a reload-config joins it instead of stacking.
    reloading ??= (async (): Promise<ReloadConfigAnswer> => {
      systemd.reloading(`reloading ${config.file}`);
      const outcome = await applyConfig();
      systemd.ready(summary());
      return outcome;
    })().finally(() => (reloading = undefined));
    return reloading;
  };
  const applyConfig = async (): Promise<ReloadConfigAnswer> => {
    const next = await loadConfig(config.file, { watchAll: command.watch });
    if (!next.ok) {
      const errors = formatIssues(next.errors);
      log.event("error", `${config.file} has errors; nothing changed:\n${errors}`, undefined, { event: "reload-config", ok: false });
      void dashboard?.then((d) => d.emit({ type: "config", time: Date.now(), ok: false, errors }));
      return { ok: false, errors };
    }
    if (JSON.stringify(next.config.http) !== JSON.stringify(config.http)) {
      log.event("warn", "supervisor.http changed: the listener keeps its address and token until the supervisor restarts");
    }
    const report = await supervisor.apply(next.config);
    void dashboard?.then((d) =>
      d.emit({ type: "config", time: Date.now(), ok: true, added: report.added, removed: report.removed, changed: report.changed }),
    );
    log.event(
      "info",
      `configuration applied: added ${report.added.join(",") || "-"}, removed ${report.removed.join(",") || "-"}, changed ${report.changed.join(",") || "-"}, unchanged ${report.unchanged.length}`,
    );
    return { ok: true, report };
  };

  let router: Router | undefined;
  const controlDeps: ControlDeps = {
    supervisor,
    log,
    reloadConfig,
    feed: () => dashboardOnce().then((d) => d.feed),
    routerUrl: (name) => router?.urlOf(name),
    connected: () => host.warm(),
  };
  let control;
  try {
    control = await startControlServer(config.control, controlDeps);
  } catch (error) {
    if (error instanceof ControlSocketBusy) {
      err.write(`tsgi: ${error.message}\n`);
      await host.close();
      uninstallHost();
      systemd.close();
      await log.close();
      return 1;
    }
    throw error;
  }

  // The control socket is ours, so no live supervisor runs this config: whatever a dead one left
  // running (it was SIGKILLed, or OOM-killed) is stopped before any socket is bound.
  const stateFile = stateFilePath(config.control);
  const leftovers = await stopLeftovers(stateFile, 5000, clock);
  if (leftovers !== undefined && leftovers.stopped.length > 0) {
    log.event(
      "warn",
      `stopped ${leftovers.stopped.length} process(es) left running by supervisor pid ${leftovers.supervisorPid}, which died without stopping them: ` +
        leftovers.stopped.map((e) => `${e.site} pid ${e.pid}`).join(", ") +
        (leftovers.killed.length > 0 ? ` (${leftovers.killed.length} needed SIGKILL)` : ""),
      undefined,
      {
        event: "leftovers-stopped",
        supervisorPid: leftovers.supervisorPid,
        pids: leftovers.stopped.map((e) => e.pid),
        killed: leftovers.killed.map((e) => e.pid),
      },
    );
  }
  const state = new StateFile(
    stateFile,
    () => supervisor.sites().flatMap((site) => site.allProcesses().map((proc) => ({ site: site.name, pid: proc.pid }))),
    clock,
  );
  supervisor.events.on("processes-changed", () => state.touch());

  let http: HttpListener | undefined;
  if (config.http !== undefined) {
    const plan = config.http;
    try {
      const { startSupervisorHttp } = await import("../http/supervisor-http.js");
      http = await startSupervisorHttp({ plan, dashboard: await dashboardOnce(), control: controlHandler(controlDeps), log, tapped });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      err.write(
        `tsgi: supervisor.http cannot listen on ${plan.listen.host}:${plan.listen.port}: ${code === "EADDRINUSE" ? "the address is in use — pick another port" : error instanceof Error ? error.message : String(error)}\n`,
      );
      await control.close();
      await host.close();
      uninstallHost();
      systemd.close();
      await log.close();
      return 1;
    }
  }
  if (config.router !== undefined) {
    // Loaded only when on: a supervisor without the router never loads http-proxy-3.
    const { startRouter } = await import("../router/router.js");
    const started = await startRouter(config.router, { supervisor, log, clock });
    if (!started.ok) {
      err.write(`tsgi: ${started.message}\n`);
      await http?.close();
      await control.close();
      await host.close();
      uninstallHost();
      systemd.close();
      await log.close();
      return 1;
    }
    router = started.router;
  }

  const hotReload = startHotReload({ supervisor, log, clock, watchAll: command.watch, configFile: config.file, reloadConfig });

  const done = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        if (signal === "SIGINT") {
          log.event("warn", "second SIGINT: killing every site now");
          for (const site of supervisor.sites()) for (const proc of site.allProcesses()) proc.killGroup();
          state.remove();
          void host.close().then(() => resolve(1));
        }
        return;
      }
      stopping = true;
      systemd.stopping(`${signal}: stopping ${supervisor.sites().length} sites`);
      log.event("info", `${signal}: stopping ${supervisor.sites().length} sites`, undefined, { event: "supervisor-stopping", signal });
      void (async () => {
        await hotReload.close();
        await http?.close();
        (await dashboard)?.close();
        await router?.close();
        const { names: stopped, ms } = await supervisor.stopAll();
        await control.close();
        state.remove();
        await host.close();
        log.event(
          "info",
          `stopped ${stopped.length} site${stopped.length === 1 ? "" : "s"} (${stopped.join(", ") || "none"}) in ${ms} ms; bye`,
          undefined,
          { event: "supervisor-stopped", sites: stopped, ms },
        );
        resolve(0);
      })();
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGHUP", () => void reloadConfig());
  });

  log.event(
    "info",
    `supervising ${supervisor.config.sites.length} sites from ${config.file} (control: ${config.control})${command.watch ? ", watching files" : ""}; tracking: ${describeTracking(host)}`,
  );
  if (router !== undefined) {
    const live = router;
    const urls = supervisor.config.sites.flatMap((site) => {
      const url = live.urlOf(site.name);
      return url === undefined ? [] : [`${site.name} ${url}`];
    });
    log.event("info", `router on ${live.indexUrl}: ${urls.join(", ")}`, undefined, { event: "router-listening", url: live.indexUrl });
  }
  await supervisor.startAll();
  unlistenFirstSpawn();
  await deferred.load();
  systemd.ready(summary());
  // Before the heap budget changes V8's flags; and not if a log flood during start-up has
  // already turned the JIT on (`logging/young-gc.ts`).
  if (!jitIsOn()) hooks.startedUp?.();
  // Start-up's garbage given back now, and the heap kept near its live size from here on.
  // Loaded now, not with the run path: perf_hooks is eleven of Node's modules.
  const heap = (await import("../supervisor/heap-budget.js")).startHeapBudget();
  const code = await done;
  heap.close();
  systemd.close();
  uninstallHost();
  await log.close();
  return code;
}

/** `--router PORT` turns the router on at 127.0.0.1:PORT, over `supervisor.router.listen` if set. */
function withRouterFlag(config: ResolvedConfig, port: number | undefined): ResolvedConfig {
  if (port === undefined) return config;
  const domain = config.router?.domain ?? "localhost";
  return { ...config, router: { listen: { ...DEFAULT_ROUTER_LISTEN, port }, domain, allowRemote: false } };
}
