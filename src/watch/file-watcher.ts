/**
 * A file watcher: the only module that imports chokidar. When the system's inotify limit is
 * reached it says how to raise it and falls back to polling, so watching goes on.
 *
 * ```
 *   native (inotify) ──ENOSPC / EMFILE──► polling (same roots and added files, every 300 ms)
 * ```
 *
 * The watch itself comes from an injected factory, so the fallback is tested without filling
 * the real inotify table (which needs root to shrink).
 */
import path from "node:path";
import type { FSWatcher } from "chokidar";

export type ChangeKind = "add" | "change" | "unlink";

export interface FileWatcherOptions {
  /** Folders or files to watch. */
  readonly roots: readonly string[];
  /** True for paths never watched (the watcher does not even descend into such folders). */
  readonly ignored: (file: string) => boolean;
  readonly onChange: (file: string, kind: ChangeKind) => void;
  readonly onWarning: (message: string) => void;
  /** The watch itself; chokidar unless a test injects another. */
  readonly factory?: WatchFactory;
  readonly pollIntervalMs?: number;
}

export interface FileWatcher {
  /** Settles once the initial scan is done: from then on every change is seen. */
  readonly ready: Promise<void>;
  /** True once the watcher fell back to polling. */
  readonly polling: boolean;
  /** Watches one more file (outside the roots); settles once it is watched. */
  add(file: string): Promise<void>;
  close(): Promise<void>;
}

/** What the watcher needs from a watch implementation (chokidar, or a test's fake). */
export interface RawWatcher {
  add(file: string): void;
  /** True once `file` is watched. */
  has(file: string): boolean;
  close(): Promise<void>;
}

export interface RawWatchEvents {
  change(file: string, kind: ChangeKind): void;
  error(error: unknown): void;
  ready(): void;
}

export interface RawWatchSettings {
  readonly usePolling: boolean;
  readonly intervalMs: number;
  readonly ignored: (file: string) => boolean;
}

export type WatchFactory = (roots: readonly string[], settings: RawWatchSettings, events: RawWatchEvents) => RawWatcher;

/**
 * chokidar is imported only when a first watcher opens: a supervisor that watches nothing (no
 * `--watch`, no `watch:` key) never loads it. Until it is loaded, added files wait in a list.
 */
export const chokidarFactory: WatchFactory = (roots, settings, events) => {
  let instance: FSWatcher | undefined;
  let closed = false;
  const pending = [...roots];
  const loaded = import("chokidar").then(
    ({ watch }) => {
      if (closed) return;
      instance = watch(pending, {
        ignoreInitial: true,
        ignored: (file: string) => settings.ignored(file),
        // Editors save by writing a temp file and renaming it over the original (or by deleting
        // and re-creating it); `atomic` folds such an unlink+add pair into one change event.
        atomic: true,
        usePolling: settings.usePolling,
        interval: settings.intervalMs,
        binaryInterval: settings.intervalMs,
        ignorePermissionErrors: true,
      });
      for (const kind of ["add", "change", "unlink"] as const) instance.on(kind, (file: string) => events.change(file, kind));
      instance.on("error", (error: unknown) => events.error(error));
      instance.on("ready", () => events.ready());
    },
    (error: unknown) => events.error(error),
  );
  return {
    add(file) {
      if (instance === undefined) pending.push(file);
      else instance.add(file);
    },
    has(file) {
      return instance?.getWatched()[path.dirname(file)]?.includes(path.basename(file)) ?? false;
    },
    async close() {
      closed = true;
      await loaded;
      await instance?.close();
    },
  };
};

export function createFileWatcher(options: FileWatcherOptions): FileWatcher {
  const factory = options.factory ?? chokidarFactory;
  const intervalMs = options.pollIntervalMs ?? 300;
  const added = new Set<string>();
  let polling = false;
  let closed = false;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  let generation = 0;
  const open = (usePolling: boolean): RawWatcher => {
    // Events of a watcher already replaced by the polling one are dropped.
    const mine = ++generation;
    const live = (): boolean => !closed && generation === mine;
    return factory(
      [...options.roots, ...added],
      { usePolling, intervalMs, ignored: options.ignored },
      {
        change: (file, kind) => live() && options.onChange(file, kind),
        ready: () => live() && markReady(),
        // Never re-entered from inside the factory call: the fallback replaces `current`.
        error: (error) => queueMicrotask(() => live() && failed(error)),
      },
    );
  };

  const failed = (error: unknown): void => {
    const code = (error as { code?: unknown } | null)?.code;
    if ((code === "ENOSPC" || code === "EMFILE") && !polling) {
      polling = true;
      options.onWarning(limitMessage(code, options.roots, intervalMs));
      const old = current;
      current = open(true);
      void old.close();
      return;
    }
    options.onWarning(`file watcher: ${error instanceof Error ? error.message : String(error)}`);
  };

  let current = open(false);

  return {
    ready,
    get polling() {
      return polling;
    },
    async add(file) {
      if (closed || added.has(file)) return;
      added.add(file);
      current.add(file);
      // chokidar's add is asynchronous and has no event of its own: wait until it shows.
      const deadline = Date.now() + 2000;
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() sets it meanwhile
      while (!closed && !current.has(file) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    close() {
      closed = true;
      markReady();
      return current.close();
    },
  };
}

/** Says which limit was hit and how to raise it; the watch goes on by polling meanwhile. */
export function limitMessage(code: "ENOSPC" | "EMFILE", roots: readonly string[], intervalMs: number): string {
  const what = roots.join(", ");
  if (code === "ENOSPC") {
    return (
      `the system's limit on file watches is reached (ENOSPC, fs.inotify.max_user_watches) while watching ${what}; ` +
      `watching it by polling every ${intervalMs} ms instead, which is slower and uses more CPU. ` +
      "Raise the limit with: sudo sysctl fs.inotify.max_user_watches=524288 " +
      "(to keep it after a reboot: echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/60-file-watches.conf)"
    );
  }
  return (
    `too many open files or inotify instances (EMFILE) while watching ${what}; ` +
    `watching it by polling every ${intervalMs} ms instead. ` +
    "Raise the limits with: ulimit -n 65536, and sudo sysctl fs.inotify.max_user_instances=1024"
  );
}

/** The no-op watcher for sites (and runs) that watch nothing: callers need no `if (watch)`. */
export const NO_WATCHER: FileWatcher = {
  ready: Promise.resolve(),
  polling: false,
  add: () => Promise.resolve(),
  close: () => Promise.resolve(),
};
