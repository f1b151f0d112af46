/**
 * A file watcher: the only module that imports chokidar. When the system's inotify limit is
 * reached it says how to raise it and falls back to polling, so watching goes on.
 */
import { watch, type FSWatcher } from "chokidar";

export interface FileWatcherOptions {
  readonly roots: readonly string[];
  readonly ignored: (file: string) => boolean;
  readonly onChange: (file: string) => void;
  readonly onWarning: (message: string) => void;
}

export interface FileWatcher {
  add(file: string): void;
  close(): Promise<void>;
}

export function createFileWatcher(options: FileWatcherOptions): FileWatcher {
  let polling = false;
  let watcher = open(false);

  function open(usePolling: boolean): FSWatcher {
    const instance = watch([...options.roots], {
      ignoreInitial: true,
      ignored: (file) => options.ignored(file),
      // Editors save by writing a temp file and renaming it over the original; `atomic` folds
      // the unlink+add pair into one change event.
      atomic: true,
      usePolling,
      interval: 300,
      ignorePermissionErrors: true,
    });
    for (const event of ["add", "change", "unlink"] as const) instance.on(event, (file: string) => options.onChange(file));
    instance.on("error", (error: unknown) => {
      const code = (error as { code?: string }).code;
      if ((code === "ENOSPC" || code === "EMFILE") && !polling) {
        polling = true;
        options.onWarning(
          `the system's file-watch limit is reached (${code}); watching ${options.roots.join(", ")} by polling instead. ` +
            "Raise it with: sudo sysctl fs.inotify.max_user_watches=524288 (and add it to /etc/sysctl.conf to keep it)",
        );
        const old = watcher;
        watcher = open(true);
        void old.close();
        return;
      }
      options.onWarning(`file watcher: ${error instanceof Error ? error.message : String(error)}`);
    });
    return instance;
  }

  return {
    add(file) {
      watcher.add(file);
    },
    close() {
      return watcher.close();
    },
  };
}

/** The no-op watcher for sites (and runs) that watch nothing: callers need no `if (watch)`. */
export const NO_WATCHER: FileWatcher = { add() {}, close: () => Promise.resolve() };
