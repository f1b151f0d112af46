/**
 * The chaos run: three sites under a bounded load loop on loopback, while their processes are
 * SIGKILLed, SIGSTOPped and SIGCONTinued at random and control commands (reload, restart,
 * reload-config) are fired concurrently. At the end every site must be `running`, no process
 * the supervisor started may live outside it, and the supervisor's fd count and heap must be
 * back near where they were. The share of failed requests is reported.
 *
 * Used by `npm run chaos` (60 s by default) and, shortened, by the test suite.
 */
import fs from "node:fs";
import path from "node:path";
import { getSupervisor, isError } from "../src/control/client.js";
import { freePort } from "./free-port.js";
import { loadLoop, type LoadReport } from "./load.js";
import { alive, PROGRAMS, SupervisorUnderTest } from "./supervisor.js";
import { waitFor } from "./wait-for.js";

export interface ChaosOptions {
  readonly seconds: number;
  readonly seed?: number;
  readonly say?: (line: string) => void;
  /**
   * After the run has settled, this long of quiet (no load, no commands) before `afterIdle` is
   * taken: the supervisor gives memory back only once it is quiet (`supervisor/heap-budget.ts`).
   */
  readonly idleMs?: number;
}

export interface Footprint {
  readonly fds: number;
  readonly heapUsedBytes: number;
  readonly rssBytes: number;
  /** RssAnon and RssFile from /proc: memory of the process's own versus pages of files it maps (the node binary). */
  readonly rssAnonBytes: number;
  readonly rssFileBytes: number;
}

export interface ChaosReport {
  readonly seconds: number;
  readonly actions: Readonly<Record<string, number>>;
  readonly load: Readonly<Record<string, LoadReport>>;
  readonly failedShare: number;
  readonly allRunning: boolean;
  readonly stray: readonly number[];
  readonly before: Footprint;
  readonly after: Footprint;
  /** The supervisor's highest VmRSS seen during the run (read from /proc between actions), bytes. */
  readonly peakRssBytes: number;
  /** With `idleMs`: the footprint after that much quiet. */
  readonly afterIdle?: Footprint;
}

/** A small deterministic generator, so a failing run can be replayed with its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** A field of /proc/PID/status in bytes (no request to the supervisor, so reading adds no work there); 0 if gone. */
function statusBytes(pid: number | undefined, field: "VmRSS" | "RssAnon" | "RssFile"): number {
  try {
    const kib = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(fs.readFileSync(`/proc/${pid ?? 0}/status`, "utf8"))?.[1];
    return kib === undefined ? 0 : Number(kib) * 1024;
  } catch {
    return 0;
  }
}

async function footprint(socket: string, pid: number | undefined): Promise<Footprint> {
  const answer = await getSupervisor(socket);
  if (isError(answer)) throw new Error(`GET /v1/supervisor: ${answer.error}`);
  if (answer.fds === undefined) throw new Error("the supervisor cannot count its fds (no /proc/self/fd)");
  return {
    fds: answer.fds,
    heapUsedBytes: answer.heapUsedBytes,
    rssBytes: answer.rssBytes,
    rssAnonBytes: statusBytes(pid, "RssAnon"),
    rssFileBytes: statusBytes(pid, "RssFile"),
  };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const say = options.say ?? (() => {});
  const seed = options.seed ?? Date.now() % 100_000;
  const rand = random(seed);
  say(`chaos: ${options.seconds} s, seed ${seed}`);
  const node = JSON.stringify(process.execPath);
  const server = JSON.stringify(path.join(PROGRAMS, "http-server.mjs"));
  const ticker = JSON.stringify(path.join(PROGRAMS, "ticker.mjs"));
  const ports = { web: await freePort(), api: await freePort() };
  const yaml = (flavour: string) => `version: 1
defaults:
  backoff: { initial: 20ms, max: 200ms }
  maxRestarts: { count: 1000, within: 1m }
  stopTimeout: 2s
sites:
  web:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${ports.web}
    processes: 2
    ready: { http: / }
  api:
    command: [${node}, ${server}]
    listen: 127.0.0.1:${ports.api}
    ready: { http: / }
  worker:
    command: [${node}, ${ticker}]
    env: { FLAVOUR: "${flavour}", EVERY_MS: "200" }
    ready: { delay: 50ms }
`;
  const supervisor = SupervisorUnderTest.start(yaml("a"));
  const socket = supervisor.controlSocket;
  const actions: Record<string, number> = {};
  const count = (name: string) => (actions[name] = (actions[name] ?? 0) + 1);
  try {
    await supervisor.waitRunning(["web", "api", "worker"]);
    const before = await footprint(socket, supervisor.child.pid);
    const loads = {
      web: loadLoop(ports.web, { rate: 50, maxMs: options.seconds * 1000 + 60_000 }),
      api: loadLoop(ports.api, { rate: 50, maxMs: options.seconds * 1000 + 60_000 }),
    };
    const pending = new Set<Promise<unknown>>();
    const stopped = new Set<number>();
    const track = (promise: Promise<unknown>) => {
      const p = promise.catch(() => undefined).finally(() => pending.delete(p));
      pending.add(p);
    };
    const end = Date.now() + options.seconds * 1000;
    let flavour = "a";
    let peakRssBytes = before.rssBytes;
    while (Date.now() < end) {
      peakRssBytes = Math.max(peakRssBytes, statusBytes(supervisor.child.pid, "VmRSS"));
      const sites = await supervisor.status().catch(() => []);
      const pids = sites.flatMap((s) => s.pids);
      const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(rand() * items.length)];
      const roll = rand();
      if (roll < 0.3) {
        const pid = pick(pids);
        if (pid !== undefined) {
          count("SIGKILL");
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
      } else if (roll < 0.5) {
        const pid = pick(pids);
        if (pid !== undefined && !stopped.has(pid)) {
          count("SIGSTOP+SIGCONT");
          try {
            process.kill(pid, "SIGSTOP");
            stopped.add(pid);
            setTimeout(
              () => {
                stopped.delete(pid);
                try {
                  process.kill(pid, "SIGCONT");
                } catch {
                  // ended meanwhile
                }
              },
              100 + rand() * 300,
            );
          } catch {
            // already gone
          }
        }
      } else if (roll < 0.7) {
        const name = pick(["web", "api", "worker"]) ?? "web";
        count(`reload ${name}`);
        track(supervisor.cli(["reload", name]));
      } else if (roll < 0.85) {
        const name = pick(["web", "api", "worker"]) ?? "web";
        count(`restart ${name}`);
        track(supervisor.cli(["restart", name]));
      } else {
        flavour = flavour === "a" ? "b" : "a";
        fs.writeFileSync(supervisor.file, yaml(flavour));
        count("reload-config");
        track(supervisor.cli(["reload-config"]));
      }
      await new Promise((resolve) => setTimeout(resolve, 150 + rand() * 200));
    }
    say("chaos: settling");
    await waitFor("SIGSTOPped processes continued", () => stopped.size === 0, { timeoutMs: 5000 });
    await Promise.all([...pending]);
    let allRunning = true;
    try {
      await supervisor.waitRunning(["web", "api", "worker"], 30_000);
    } catch {
      allRunning = false;
    }
    const load = { web: await loads.web.stop(), api: await loads.api.stop() };
    const sent = load.web.sent + load.api.sent;
    const failed = load.web.failed + load.api.failed;
    const current = new Set((await supervisor.status()).flatMap((s) => s.pids));
    const stray = supervisor.startedPids().filter((pid) => alive(pid) && !current.has(pid));
    // Give the supervisor a moment to close what the last operations opened.
    let after = await footprint(socket, supervisor.child.pid);
    await waitFor(
      "fd count back to its level",
      async () => {
        after = await footprint(socket, supervisor.child.pid);
        return after.fds <= before.fds + 2;
      },
      { timeoutMs: 10_000 },
    ).catch(() => undefined);
    let afterIdle: Footprint | undefined;
    if (options.idleMs !== undefined) {
      say(`chaos: ${Math.round(options.idleMs / 1000)} s of quiet`);
      await new Promise((resolve) => setTimeout(resolve, options.idleMs));
      afterIdle = await footprint(socket, supervisor.child.pid);
    }
    return {
      seconds: options.seconds,
      actions,
      load,
      failedShare: sent === 0 ? 0 : failed / sent,
      allRunning,
      stray,
      before,
      after,
      peakRssBytes,
      ...(afterIdle === undefined ? {} : { afterIdle }),
    };
  } finally {
    await supervisor.cleanup();
  }
}
