/**
 * The supervisor's log before its modules are loaded: winston and what it brings (logform,
 * readable-stream, colours…) took ~5.5 ms of the run path's top level, before the first site
 * could be spawned (measured, one site). `run` starts its sites first and loads the log once the
 * first process is spawned (`load`), while that process boots on another core — or after 100 ms
 * at the latest, when preflights or `before:` tasks come first.
 *
 * Until then every call is kept, in order, and handed to the log once it is there: events and
 * site output come out as they would have, only later. Output loads the log at once (a process
 * is running by then) and answers a promise meanwhile, so the site's pipe waits (as when its log
 * file lags). `recent` is the log's own from the start (made here and given to it), so
 * `logs NAME` and the dashboard see the same lines. `close` loads the log if nothing did, so
 * whatever was kept is written before the supervisor exits.
 */
import type { Log } from "./logger.js";
import type { RecentLines } from "./recent-lines.js";

export interface DeferredLog {
  readonly log: Log;
  /** Loads the log now, once; the same promise on every call. */
  readonly load: () => Promise<Log>;
}

/** `open` makes the real log (with `recent` as its recent lines), called on `load()` or a site's first output. */
export function deferLog(open: () => Promise<Log>, recent: RecentLines): DeferredLog {
  let real: Log | undefined;
  let loading: Promise<Log> | undefined;
  const kept: ((log: Log) => void)[] = [];
  const load = (): Promise<Log> =>
    (loading ??= open().then((log) => {
      // Taken one at a time, and the log handed on directly only after: a call made while these
      // are written waits its turn behind them.
      for (let call = kept.shift(); call !== undefined; call = kept.shift()) call(log);
      real = log;
      return log;
    }));
  const log: Log = {
    event(level, message, site, fields) {
      if (real !== undefined) real.event(level, message, site, fields);
      else kept.push((to) => to.event(level, message, site, fields));
    },
    output(site, proc, stream, lines) {
      if (real !== undefined) return real.output(site, proc, stream, lines);
      // A process is running by now: nothing to wait for any longer.
      void load();
      // Settles as the real log's answer does (at once when it has none).
      return new Promise<void>((resolve) => kept.push((to) => resolve(to.output(site, proc, stream, lines))));
    },
    setFiles(plan) {
      if (real !== undefined) real.setFiles(plan);
      else kept.push((to) => to.setFiles(plan));
    },
    recent,
    async close() {
      await (await load()).close();
    },
  };
  return { log, load };
}
