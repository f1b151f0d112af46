/**
 * `before:` — one-shot tasks run to completion, in order, before a new generation of a site
 * starts (first start, restart, reload, hot reload; a crash restart keeps its generation and
 * runs none). Each runs in the site's cwd, environment and account, in its own process group
 * so a timeout kills whatever it spawned; its output goes to the site's log as `NAME:before`.
 *
 * The first task that fails ends the run, and the outcome names it, its exit and its last
 * lines: a failed migration then fails the start, and a reload keeps the old generation.
 */
import type { BeforeTask, ResolvedSite } from "../config/types.js";
import { BEFORE_PROC } from "../logging/before-proc.js";
import type { Log } from "../logging/logger.js";
import { resolveAccounts } from "../process/accounts.js";
import { stopGroup } from "../process/kill.js";
import type { OutputLines } from "../process/line-reader.js";
import { spawnProcess, type ExitReason, type SpawnedProcess, type SpawnRequest } from "../process/spawn.js";
import type { Clock } from "../time/clock.js";

/** Lines of a failed task's output kept for the answer and `status`. */
export const LAST_LINES = 10;

export type BeforeOutcome =
  | { readonly ok: true; readonly ms: number }
  | {
      readonly ok: false;
      /** The task as written, space-joined. */
      readonly task: string;
      /** `exit code 1`, `killed by SIGKILL after 10m (timeout)`, `could not start: …`. */
      readonly exit: string;
      readonly lastLines: readonly string[];
      /** One sentence, then the last lines. */
      readonly message: string;
    };

export interface BeforeDeps {
  readonly log: Log;
  readonly clock: Clock;
  /** Aborts the task under way (a stop of the site). */
  readonly signal?: AbortSignal;
  readonly spawn?: (request: SpawnRequest) => SpawnedProcess;
}

export async function runBeforeTasks(site: ResolvedSite, deps: BeforeDeps): Promise<BeforeOutcome> {
  const started = deps.clock.now();
  for (const [index, task] of site.before.entries()) {
    const outcome = await runTask(site, task, deps);
    if (outcome === undefined) continue;
    const name = task.argv.join(" ");
    const tail = outcome.lines.slice(-LAST_LINES);
    const message =
      `before[${index}] \`${name}\` failed (${outcome.exit})` + (tail.length === 0 ? "" : `; its last lines:\n${tail.join("\n")}`);
    deps.log.event("error", message, site.name, { event: "before-failed", task: name, exit: outcome.exit });
    return { ok: false, task: name, exit: outcome.exit, lastLines: tail, message };
  }
  return { ok: true, ms: deps.clock.now() - started };
}

/** undefined when the task succeeded; else how it ended and its output. */
async function runTask(
  site: ResolvedSite,
  task: BeforeTask,
  deps: BeforeDeps,
): Promise<{ exit: string; lines: readonly string[] } | undefined> {
  const accounts = resolveAccounts(site.user, site.group);
  if (!accounts.ok) return { exit: accounts.message, lines: [] };
  const [file = "", ...args] = task.argv;
  const proc = (deps.spawn ?? spawnProcess)({
    file,
    args,
    cwd: site.cwd,
    env: site.env,
    listenFd: undefined,
    uid: accounts.uid,
    gid: accounts.gid,
  });
  const lines: string[] = [];
  const keep = (stream: "out" | "err") => (batch: OutputLines) => {
    lines.push(...batch.lines());
    lines.splice(0, Math.max(0, lines.length - LAST_LINES));
    return deps.log.output(site.name, BEFORE_PROC, stream, batch);
  };
  const streams = Promise.all([
    proc.forEachLines("stdout", keep("out")),
    proc.forEachLines("stderr", keep("err")),
    proc.forEachLines("notify", () => undefined),
  ]);
  let why: string | undefined;
  const kill = (reason: string): void => {
    if (why !== undefined || proc.pid === 0) return;
    why = reason;
    void stopGroup(proc.pid, { signal: "SIGTERM", timeoutMs: 2000, leaderExited: proc.exited, clock: deps.clock });
  };
  const timer = deps.clock.setTimeout(() => kill(`timeout ${formatTimeout(task.timeoutMs)}`), task.timeoutMs);
  const onAbort = (): void => kill("cancelled by a stop");
  deps.signal?.addEventListener("abort", onAbort);
  const exit = await proc.exited;
  deps.clock.clearTimeout(timer);
  deps.signal?.removeEventListener("abort", onAbort);
  await streams;
  if (why === undefined && exit.reason === "exit-code" && exit.code === 0) return undefined;
  return { exit: describe(exit, why), lines };
}

function describe(exit: ExitReason, why: string | undefined): string {
  const how =
    exit.reason === "exit-code"
      ? `exit code ${exit.code}`
      : exit.reason === "signal"
        ? `killed by ${exit.signal}`
        : `could not start: ${exit.message}`;
  return why === undefined ? how : `${how} after ${why}`;
}

function formatTimeout(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
