/**
 * Listeners on a `Log`'s output lines: `/metrics` counts each site's lines without another module
 * replacing the log. With no listener a line costs one check of an empty set.
 */
import type { Log } from "./logger.js";
import { OutputLines } from "../process/line-reader.js";

export interface LogListener {
  /** `count` lines of one pipe read. */
  output(site: string, proc: number, stream: "out" | "err", count: number): void;
}

export interface TappedLog {
  readonly log: Log;
  listen(listener: LogListener): () => void;
}

export function tapLog(inner: Log): TappedLog {
  const listeners = new Set<LogListener>();
  const log: Log = {
    event: (level, message, site, fields) => inner.event(level, message, site, fields),
    output(site, proc, stream, lines) {
      // The inner log's answer is passed back as it is: a promise is its backpressure (the
      // caller pauses the site's pipe until the log file catches up).
      const answer = inner.output(site, proc, stream, lines);
      if (listeners.size > 0) {
        const count = typeof lines === "string" ? 1 : lines instanceof OutputLines ? lines.count : lines.length;
        for (const listener of listeners) listener.output(site, proc, stream, count);
      }
      return answer;
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
