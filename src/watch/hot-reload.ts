/**
 * Hot reload: one watcher per site that watches anything, and `sites.yaml` itself under
 * `--watch`. Wiring only — what to watch is `watch-plan.ts`, the watch `file-watcher.ts`, the
 * batching `debounce.ts`, the one-at-a-time reloads `reload-queue.ts`.
 *
 *   change ─► debounce (a burst of saves = one batch) ─► reload queue (one running, one more
 *   queued) ─► `Site.reload`: graceful, new generation first, so a broken save keeps the old
 *   code serving and the next good save recovers.
 *
 * For `app:` sites the worker reports the modules it really loaded; those outside the watched
 * folders are watched too, so a shared module imported from `../lib` counts.
 */
import fs from "node:fs";
import path from "node:path";
import type { ReloadConfigAnswer } from "../control/protocol.js";
import type { Log } from "../logging/logger.js";
import type { EventOf } from "../supervisor/events.js";
import type { ProcessHandle } from "../supervisor/process-handle.js";
import type { Site } from "../supervisor/site.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import type { Clock } from "../time/clock.js";
import { Debouncer } from "./debounce.js";
import { createFileWatcher, NO_WATCHER, type FileWatcher } from "./file-watcher.js";
import { ReloadQueue } from "./reload-queue.js";
import { TempFiles, type FileKind } from "./temp-files.js";
import { watchPlan, type SiteWatchPlan } from "./watch-plan.js";

/**
 * chokidar drops a second change of one path within 50 ms of the first; a debounce at least
 * that long makes sure the reload starts only after such a dropped save was written.
 */
const MIN_DEBOUNCE_MS = 50;

export interface HotReloadOptions {
  readonly supervisor: Supervisor;
  readonly log: Log;
  readonly clock: Clock;
  readonly watchAll: boolean;
  readonly configFile: string;
  readonly reloadConfig: () => Promise<ReloadConfigAnswer>;
}

export interface HotReload {
  close(): Promise<void>;
}

interface SiteWatch {
  readonly watcher: FileWatcher;
  readonly debouncer: Debouncer;
  readonly queue: ReloadQueue;
  /** Stops listening to the site's process events. */
  readonly unlisten: () => void;
}

export function startHotReload(options: HotReloadOptions): HotReload {
  const { supervisor, log, clock } = options;
  const events = supervisor.events;
  const debounceMs = (): number => Math.max(MIN_DEBOUNCE_MS, supervisor.config.watchDebounceMs);
  const watches = new Map<Site, SiteWatch>();

  const ownPaths = (): string[] => {
    const config = supervisor.config;
    return [config.control, ...(config.logs === false ? [] : [config.logs.dir]), path.resolve(options.configFile)];
  };

  const attach = (site: Site): void => {
    void detach(site);
    const plan = watchPlan({ site: site.config, watchAll: options.watchAll, ownPaths: ownPaths() });
    if (plan === undefined) return;
    const extra = new Set<string>();
    const temp = new TempFiles();
    const queue = new ReloadQueue((paths) => reload(site, paths));
    const debouncer = new Debouncer(
      debounceMs(),
      (paths) => {
        const { changed, held } = temp.settle(paths, fileKind);
        queue.push(changed);
        // Looked at again with the next batch: renamed over its real file by then, or still there.
        for (const file of held) debouncer.push(file);
      },
      clock,
    );
    const watcher = createFileWatcher({
      roots: plan.roots,
      ignored: (file) => plan.ignored(file),
      onChange: (file, kind) => {
        if ((plan.matches(file) || extra.has(file)) && temp.accept(file, kind)) debouncer.push(file);
      },
      onWarning: (message) => log.event("warn", message, site.name),
    });
    const seen = new WeakSet<ProcessHandle>();
    const ready = (proc: ProcessHandle): void => {
      if (seen.has(proc)) return;
      seen.add(proc);
      // The worker reports its modules just after `ready`; either may be read first.
      void watchLoaded(site, plan, extra, watcher, proc.loadedFiles);
    };
    const unlisten = [
      events.on("process-ready", (event) => event.site === site.name && ready(event.proc)),
      // Every process, even one that fails to start, reports the modules it loaded.
      events.on("process-started", (event) => {
        if (event.site !== site.name) return;
        event.proc.onNotify((message) => {
          if (message.type === "loaded") void watchLoaded(site, plan, extra, watcher, message.files);
        });
      }),
    ];
    watches.set(site, { watcher, debouncer, queue, unlisten: () => unlisten.forEach((off) => off()) });
    void watcher.ready.then(() => {
      if (watches.get(site)?.watcher !== watcher) return;
      const roots = plan.roots.map((root) => (root === site.config.cwd ? root : relative(site.config.cwd, root))).join(", ");
      log.event("info", `watching ${roots} for changes${watcher.polling ? " (polling)" : ""}`, site.name, {
        event: "watching",
        roots: plan.roots,
        polling: watcher.polling,
      });
    });
    // Re-attached after a config change: the processes already serving reported their modules
    // to the previous watcher.
    for (const proc of site.processes()) ready(proc);
  };

  const watchLoaded = async (
    site: Site,
    plan: SiteWatchPlan,
    extra: Set<string>,
    watcher: FileWatcher,
    files: readonly string[],
  ): Promise<void> => {
    const outside = files.filter((file) => !plan.matches(file) && !plan.ignored(file) && !extra.has(file));
    if (outside.length === 0) return;
    for (const file of outside) extra.add(file);
    await Promise.all(outside.map((file) => watcher.add(file)));
    if (watches.get(site)?.watcher !== watcher) return;
    log.event(
      "info",
      `also watching ${describeFiles(site.config.cwd, outside)}: loaded by the app from outside its watched folders`,
      site.name,
      {
        event: "watching",
        files: outside,
      },
    );
  };

  const detach = async (site: Site): Promise<void> => {
    const existing = watches.get(site);
    if (existing === undefined) return;
    watches.delete(site);
    existing.unlisten();
    existing.debouncer.cancel();
    existing.queue.close();
    await existing.watcher.close();
  };

  const reload = async (site: Site, paths: readonly string[]): Promise<void> => {
    // A site someone stopped stays stopped: a save is no reason to start it.
    const state = site.state.kind;
    if (state === "stopped" || state === "stopping") return;
    const changed = paths.map((file) => relative(site.config.cwd, file));
    const what = describeFiles(site.config.cwd, paths);
    const started = clock.now();
    // The reload's own account of when its new generation served (the drain not included).
    let finished: EventOf<"reload-finished"> | undefined;
    const off = events.on("reload-finished", (event) => event.site === site.name && (finished = event));
    try {
      // Answered as the new generation serves: a save during a long request need not wait for
      // the old generation to finish it (up to stopTimeout) before its own reload.
      const result = await site.reload(`changed ${what}`, { untilDrained: false });
      if (!result.ok) {
        log.event("error", `${result.message} — changed ${what}; the next good save recovers`, site.name, {
          event: "hot-reload",
          ok: false,
          changed,
        });
        return;
      }
      // A reload of a site that was down is a start: timed to its end.
      const ms = finished?.ok === true ? finished.ms : Math.max(0, clock.now() - started);
      log.event("info", `${site.name} reloaded in ${ms} ms — changed ${what}`, site.name, { event: "hot-reload", ok: true, ms, changed });
    } catch (error) {
      log.event("error", `hot reload: internal error: ${error instanceof Error ? error.message : String(error)}`, site.name);
    } finally {
      off();
    }
  };

  const byName = (name: string): Site | undefined => [...watches.keys()].find((site) => site.name === name) ?? supervisor.site(name);
  const unlistenSites = [
    events.on("site-added", (event) => {
      const site = supervisor.site(event.site);
      if (site !== undefined) attach(site);
    }),
    // A changed site: what to watch may have changed with it.
    events.on("site-updated", (event) => {
      const site = supervisor.site(event.site);
      if (site !== undefined) attach(site);
    }),
    events.on("site-removed", (event) => {
      const site = byName(event.site);
      if (site !== undefined) void detach(site);
    }),
  ];
  for (const site of supervisor.sites()) attach(site);

  let configWatcher: FileWatcher = NO_WATCHER;
  let configDebouncer: Debouncer | undefined;
  if (options.watchAll) {
    const file = path.resolve(options.configFile);
    const debouncer = (configDebouncer = new Debouncer(
      debounceMs(),
      () => {
        log.event("info", `${path.basename(file)} changed: applying the difference`);
        void options.reloadConfig();
      },
      clock,
    ));
    configWatcher = createFileWatcher({
      roots: [file],
      ignored: () => false,
      onChange: () => debouncer.push(file),
      onWarning: (message) => log.event("warn", message),
    });
    void configWatcher.ready.then(() =>
      log.event("info", `watching ${path.basename(file)}: an edit applies the difference`, undefined, { event: "watching" }),
    );
  }

  return {
    async close() {
      for (const off of unlistenSites) off();
      configDebouncer?.cancel();
      await configWatcher.close();
      await Promise.all([...watches.keys()].map((site) => detach(site)));
    },
  };
}

function relative(cwd: string, file: string): string {
  return path.relative(cwd, file) || ".";
}

/** `src/app.ts, src/db.ts and 2 more`, relative to the site's folder. */
function describeFiles(cwd: string, files: readonly string[]): string {
  const names = files.map((file) => relative(cwd, file));
  return names.length <= 3 ? names.join(", ") : `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`;
}

function fileKind(file: string): FileKind {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  return stat === undefined ? undefined : stat.isFile() ? "file" : "other";
}
