/**
 * Hot reload: one watcher per site that watches anything, and `sites.yaml` itself under
 * `--watch`. A burst of saves becomes one graceful reload (new generation first, so a broken
 * save keeps the old code serving); a change during a reload queues exactly one more, because
 * `Site.reload` is single-flight.
 */
import path from "node:path";
import type { ReloadConfigOutcome } from "../control/server.js";
import type { Log } from "../logging/logger.js";
import type { Site } from "../supervisor/site.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import { Debouncer } from "./debounce.js";
import { createFileWatcher, NO_WATCHER, type FileWatcher } from "./file-watcher.js";
import { watchPlan, type SiteWatchPlan } from "./watch-plan.js";

export interface HotReloadOptions {
  readonly supervisor: Supervisor;
  readonly log: Log;
  readonly watchAll: boolean;
  readonly configFile: string;
  readonly reloadConfig: () => Promise<ReloadConfigOutcome>;
}

export interface HotReload {
  close(): Promise<void>;
}

interface SiteWatch {
  readonly watcher: FileWatcher;
  readonly debouncer: Debouncer;
  readonly plan: SiteWatchPlan;
  /** Files reported loaded by the site's processes that lie outside its watched roots. */
  readonly extra: Set<string>;
}

export function startHotReload(options: HotReloadOptions): HotReload {
  const { supervisor, log } = options;
  const watches = new Map<Site, SiteWatch>();

  const ownFolders = (): string[] => {
    const config = supervisor.config;
    return [path.dirname(config.control), ...(config.logs === false ? [] : [config.logs.dir])];
  };

  const attach = (site: Site): void => {
    detach(site);
    const plan = watchPlan({ site: site.config, watchAll: options.watchAll, ownFolders: ownFolders() });
    if (plan === undefined) return;
    const extra = new Set<string>();
    const debouncer = new Debouncer(supervisor.config.watchDebounceMs, (paths) => void reload(site, paths));
    const watcher = createFileWatcher({
      roots: plan.roots,
      ignored: (file) => plan.ignored(file),
      onChange: (file) => {
        if (plan.matches(file) || extra.has(file)) debouncer.push(file);
      },
      onWarning: (message) => log.event("warn", message, site.name),
    });
    watches.set(site, { watcher, debouncer, plan, extra });
    // The worker reports the modules it really loaded; files outside the roots count too.
    site.onProcessReady = (proc) => {
      for (const file of proc.loadedFiles) {
        if (!plan.matches(file) && !plan.ignored(file) && !extra.has(file)) {
          extra.add(file);
          watcher.add(file);
        }
      }
    };
  };

  const detach = (site: Site): void => {
    const existing = watches.get(site);
    if (existing === undefined) return;
    existing.debouncer.cancel();
    void existing.watcher.close();
    watches.delete(site);
    site.onProcessReady = undefined;
  };

  const reload = async (site: Site, paths: string[]): Promise<void> => {
    const changed = paths.map((file) => path.relative(site.config.cwd, file) || file);
    const what = changed.length <= 3 ? changed.join(", ") : `${changed.slice(0, 3).join(", ")} and ${changed.length - 3} more`;
    const started = Date.now();
    const result = await site.reload(`changed ${what}`);
    if (result.ok) log.event("info", `${site.name} reloaded in ${Date.now() - started} ms — changed ${what}`, site.name);
    else log.event("error", `${result.message} — after a change to ${what}; the next good save recovers`, site.name);
  };

  supervisor.onSiteAdded = attach;
  supervisor.onSiteRemoved = detach;
  for (const site of supervisor.sites()) attach(site);

  let configWatcher: FileWatcher = NO_WATCHER;
  if (options.watchAll) {
    const file = path.resolve(options.configFile);
    const debouncer = new Debouncer(supervisor.config.watchDebounceMs, () => {
      log.event("info", `${path.basename(file)} changed: applying it`);
      void options.reloadConfig();
    });
    configWatcher = createFileWatcher({
      roots: [file],
      ignored: () => false,
      onChange: () => debouncer.push(file),
      onWarning: (message) => log.event("warn", message),
    });
  }

  return {
    async close() {
      supervisor.onSiteAdded = undefined;
      supervisor.onSiteRemoved = undefined;
      await configWatcher.close();
      await Promise.all([...watches.keys()].map(async (site) => detach(site)));
    },
  };
}
