/**
 * The supervisor's state file: which processes it runs, by pid and start time, next to the
 * control socket. If the supervisor is SIGKILLed (or OOM-killed) its sites live on; the next
 * supervisor on the same config reads this file and stops exactly those leftovers — only where
 * pid and start time both still match, so a reused pid is never signalled — before it binds
 * any socket.
 */
import fs from "node:fs";
import path from "node:path";
import { processStartTime, sameProcess } from "../process/proc-stat.js";
import { signalGroup } from "../process/kill.js";
import { sleep, type Clock } from "../time/clock.js";

export interface StateEntry {
  readonly site: string;
  readonly pid: number;
  readonly startTime: string;
}

interface StateDocument {
  readonly supervisorPid: number;
  readonly processes: readonly StateEntry[];
}

export function stateFilePath(controlSocket: string): string {
  return path.join(path.dirname(controlSocket), "state.json");
}

/** Keeps the file in step with the running processes; writes are coalesced and atomic. */
export class StateFile {
  readonly #file: string;
  readonly #list: () => readonly { site: string; pid: number }[];
  #timer: unknown;
  readonly #starts = new Map<number, string>();
  readonly #clock: Clock;

  constructor(file: string, list: () => readonly { site: string; pid: number }[], clock: Clock) {
    this.#file = file;
    this.#list = list;
    this.#clock = clock;
  }

  /** Something changed: write soon (once for a burst of changes). */
  touch(): void {
    this.#timer ??= this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.writeNow();
    }, 50);
  }

  writeNow(): void {
    const processes: StateEntry[] = [];
    const live = new Set<number>();
    for (const { site, pid } of this.#list()) {
      let startTime = this.#starts.get(pid);
      if (startTime === undefined) {
        startTime = processStartTime(pid);
        if (startTime === undefined) continue;
        this.#starts.set(pid, startTime);
      }
      live.add(pid);
      processes.push({ site, pid, startTime });
    }
    for (const pid of this.#starts.keys()) if (!live.has(pid)) this.#starts.delete(pid);
    const document: StateDocument = { supervisorPid: process.pid, processes };
    const temp = `${this.#file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(temp, `${JSON.stringify(document)}\n`, { mode: 0o600 });
      fs.renameSync(temp, this.#file);
    } catch {
      // The state file is a safety net; failing to write it must not disturb supervision.
    }
  }

  /** At a clean exit nothing is left to clean up. */
  remove(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    fs.rmSync(this.#file, { force: true });
  }
}

export interface Leftovers {
  readonly supervisorPid: number;
  readonly stopped: readonly StateEntry[];
  readonly killed: readonly StateEntry[];
}

/**
 * Stops what a dead supervisor left running: SIGTERM (and SIGCONT) to each group, SIGKILL to
 * those still there after `graceMs`. Call only after the control socket was claimed — that is
 * the proof no live supervisor owns these processes.
 */
export async function stopLeftovers(file: string, graceMs: number, clock: Clock): Promise<Leftovers | undefined> {
  let document: StateDocument;
  try {
    document = JSON.parse(fs.readFileSync(file, "utf8")) as StateDocument;
  } catch {
    return undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a file a dead supervisor wrote may lack any part
  const alive = (document.processes ?? []).filter(
    (entry) =>
      Number.isInteger(entry.pid) && entry.pid > 1 && typeof entry.startTime === "string" && sameProcess(entry.pid, entry.startTime),
  );
  for (const entry of alive) {
    signalGroup(entry.pid, "SIGTERM");
    signalGroup(entry.pid, "SIGCONT");
  }
  const deadline = clock.now() + graceMs;
  // Only a leader that is provably the same process is signalled again: its group id cannot
  // have been reused while it lives.
  const stillThere = (): StateEntry[] => alive.filter((entry) => sameProcess(entry.pid, entry.startTime));
  while (stillThere().length > 0 && clock.now() < deadline) await sleep(clock, 50);
  const killed = stillThere();
  for (const entry of killed) signalGroup(entry.pid, "SIGKILL");
  fs.rmSync(file, { force: true });
  return { supervisorPid: document.supervisorPid, stopped: alive, killed };
}
