/**
 * Listeners on a `Log`'s output lines: `/metrics` counts each site's lines without another module
 * replacing the log. With no listener a line costs one check of an empty set.
 */
import type { Log } from "./logger.js";

export interface LogListener {
  output(site: string, proc: number, stream: "out" | "err"): void;
}

export interface TappedLog {
  readonly log: Log;
  listen(listener: LogListener): () => void;
}

export function tapLog(inner: Log): TappedLog {
  const listeners = new Set<LogListener>();
  const log: Log = {
    event: (level, message, site, fields) => inner.event(level, message, site, fields),
    output(site, proc, stream, line) {
      inner.output(site, proc, stream, line);
      for (const listener of listeners) listener.output(site, proc, stream);
    },
    setFiles: (plan) => inner.setFiles(plan),
    recent: inner.recent,
    close: () => inner.close(),
  };
  return {
    log,
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
