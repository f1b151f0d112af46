/**
 * Everything the harness starts is registered here and stopped on the way out: after each
 * scenario, on an exception, and on SIGINT/SIGTERM/SIGHUP. A second signal skips the graceful
 * stops and SIGKILLs every pid registered, one by one.
 */
import { alive, descendants, pidsWithEnv, reap, signal } from "./proc.js";

/**
 * Every process the benchmark starts carries this variable (peers get it in their environment
 * and pass it on), so a last sweep finds anything a peer's own stop missed — by pid, and only
 * processes of this run.
 */
export const RUN_MARK = { name: "TSGI_BENCH_RUN", value: `${process.pid}-${Date.now()}` } as const;

/** SIGTERM, then SIGKILL after 2 s, to every live process of this run. Returns how many there were. */
export async function sweep(): Promise<number> {
  const left = pidsWithEnv(RUN_MARK.name, RUN_MARK.value);
  for (const pid of left) signal(pid, "SIGTERM");
  await reap(left, 2000);
  return left.length;
}

type Stopper = () => Promise<void> | void;

const stoppers = new Map<number, { what: string; stop: Stopper; pids: () => number[] }>();
let nextId = 1;

/** Registers a running thing; returns its unregister function. */
export function track(what: string, stop: Stopper, pids: () => number[]): () => void {
  const id = nextId++;
  stoppers.set(id, { what, stop, pids });
  return () => stoppers.delete(id);
}

/** Every pid of everything tracked now. */
export function trackedPids(): number[] {
  return [...stoppers.values()].flatMap((entry) => safePids(entry.pids));
}

/** The pids of a tracked root and everything under it, taken now (for a later SIGKILL). */
export function treeOf(root: number | undefined): number[] {
  return root === undefined || !alive(root) ? [] : [root, ...descendants(root)];
}

export async function stopEverything(log: (line: string) => void, keep?: (what: string) => boolean): Promise<void> {
  for (const [id, entry] of [...stoppers.entries()].reverse()) {
    if (keep?.(entry.what) === true) continue;
    const pids = safePids(entry.pids);
    try {
      await withTimeout(Promise.resolve(entry.stop()), 20_000);
    } catch (error) {
      log(`cleanup: stopping ${entry.what} failed (${error instanceof Error ? error.message : String(error)}); killing its pids`);
    }
    for (const pid of pids) if (alive(pid)) signal(pid, "SIGKILL");
    stoppers.delete(id);
  }
  const left = await sweep();
  if (left > 0) log(`cleanup: ${left} process(es) of this run outlived their supervisor's stop; stopped them by pid`);
}

function killEverythingNow(): void {
  for (const entry of stoppers.values()) for (const pid of safePids(entry.pids)) signal(pid, "SIGKILL");
  for (const pid of pidsWithEnv(RUN_MARK.name, RUN_MARK.value)) signal(pid, "SIGKILL");
}

function safePids(pids: () => number[]): number[] {
  try {
    return pids();
  } catch {
    return [];
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

export function installSignalHandlers(log: (line: string) => void): void {
  let signalled = false;
  for (const name of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(name, () => {
      if (signalled) {
        killEverythingNow();
        process.exit(130);
      }
      signalled = true;
      log(`${name}: stopping everything the benchmark started (again to kill at once)`);
      void stopEverything(log).finally(() => process.exit(130));
    });
  }
}
