/**
 * Everything the harness starts is registered here and stopped on the way out: after each
 * scenario, on an exception, and on SIGINT/SIGTERM/SIGHUP. A second signal skips the graceful
 * stops and SIGKILLs every pid registered, one by one.
 */
import { alive, descendants, signal } from "./proc.js";

type Stopper = () => Promise<void>;

const stoppers = new Map<number, { what: string; stop: Stopper; pids: () => number[] }>();
let nextId = 1;

/** Registers a running thing; returns its unregister function. */
export function track(what: string, stop: Stopper, pids: () => number[]): () => void {
  const id = nextId++;
  stoppers.set(id, { what, stop, pids });
  return () => stoppers.delete(id);
}

/** The pids of a tracked root and everything under it, taken now (for a later SIGKILL). */
export function treeOf(root: number | undefined): number[] {
  return root === undefined || !alive(root) ? [] : [root, ...descendants(root)];
}

export async function stopEverything(log: (line: string) => void): Promise<void> {
  for (const [id, entry] of [...stoppers.entries()].reverse()) {
    const pids = safePids(entry.pids);
    try {
      await withTimeout(entry.stop(), 20_000);
    } catch (error) {
      log(`cleanup: stopping ${entry.what} failed (${error instanceof Error ? error.message : String(error)}); killing its pids`);
    }
    for (const pid of pids) if (alive(pid)) signal(pid, "SIGKILL");
    stoppers.delete(id);
  }
}

function killEverythingNow(): void {
  for (const entry of stoppers.values()) for (const pid of safePids(entry.pids)) signal(pid, "SIGKILL");
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
