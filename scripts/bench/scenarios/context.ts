/**
 * What every scenario gets: the peers chosen, a work folder, fresh ports, copies of the fixture,
 * the Django project, and `withPeer` — start, run, always stop.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { FIXTURE } from "../lib/paths.js";
import { trackedPids } from "../lib/cleanup.js";
import { waitAllServing } from "../../../kit/http.js";
import { ourPids, withOthersMeasured } from "../lib/quiet.js";
import type { Cell, Metric, Unit } from "../lib/report.js";
import type { Peer, PeerName, Running, SiteSpec } from "../peers/types.js";

export interface DjangoProject {
  readonly dir: string;
  readonly python: string;
  readonly wsgi: string;
  readonly settings: string;
  readonly path: string;
}

export interface Context {
  readonly quick: boolean;
  readonly peers: readonly Peer[];
  readonly workRoot: string;
  readonly log: (line: string) => void;
  /** A port on 127.0.0.1 free now and never handed out before in this run. */
  port(): Promise<number>;
  /** A fresh copy of the fixture folder (hot reload edits its `version.mjs`). */
  fixtureCopy(name: string): string;
  django(): Promise<DjangoProject | undefined>;
  /** Reproduce command for a scenario, quick or full as this run. */
  command(scenario: string): string;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  run(ctx: Context): Promise<{ metrics: Metric[]; notes: string[] }>;
}

/**
 * How often each port is probed while a start-up is timed: every 2 ms for one site, whose
 * start-up (~70–130 ms) a 20 ms poll would round up by up to a sixth (the bare floor read 85–87 ms
 * at 20 ms and 66–70 at 2 ms, on one host on one day); 20 ms up to 20 sites, 50 ms above, where a
 * finer poll would be load of its own.
 */
export function servingPollMs(sites: number): number {
  return sites === 1 ? 2 : sites > 20 ? 50 : 20;
}

/** Starts the sites on a peer, waits until all serve, runs `body`, and stops the peer whatever happens. */
export async function withPeer<T>(
  ctx: Context,
  peer: Peer,
  sites: readonly SiteSpec[],
  body: (running: Running, startMs: number | undefined) => Promise<T>,
  options: { workName: string; waitServing?: boolean; timeoutMs?: number },
): Promise<T> {
  const workDir = path.join(ctx.workRoot, options.workName, peer.name);
  fs.mkdirSync(workDir, { recursive: true });
  const since = performance.now();
  const running = await peer.start(sites, workDir);
  try {
    let startMs: number | undefined;
    if (options.waitServing !== false) {
      const ports = sites.map((s) => s.port);
      const waited = await waitAllServing(ports, {
        since,
        timeoutMs: options.timeoutMs ?? 60_000,
        intervalMs: servingPollMs(sites.length),
        path: probePath(sites[0]),
      });
      if (waited.ms === undefined) {
        throw new Error(
          `${peer.name}: only ${waited.serving} of ${sites.length} sites serving after ${options.timeoutMs ?? 60_000} ms (work dir ${workDir})`,
        );
      }
      startMs = waited.ms;
    }
    return await body(running, startMs);
  } finally {
    await running.stop();
  }
}

/** The path that answers 200 on a site: the fixture answers anywhere, Django on its view. */
export function probePath(site: SiteSpec | undefined): string {
  return site?.app.kind === "django" ? site.app.path : "/";
}

export function nodeSites(
  count: number,
  ports: readonly number[],
  dir: string,
  prefix: string,
  startDelayMs = 0,
  watch = false,
): SiteSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `${prefix}${String(i + 1).padStart(3, "0")}`;
    return { name, port: ports[i] ?? 0, settings: `${name}.settings`, app: { kind: "node", dir, startDelayMs }, watch } satisfies SiteSpec;
  });
}

export async function ports(ctx: Context, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await ctx.port());
  return out;
}

/** Hands out ports from 20000–32000 (below Linux's ephemeral range), checked free, never twice. */
export function portAllocator(): () => Promise<number> {
  let next = 20_000 + Math.floor(Math.random() * 6000);
  return async () => {
    for (let tries = 0; tries < 2000; tries++) {
      const port = next++;
      if (next > 32_000) next = 20_000;
      if (await isFree(port)) return port;
    }
    throw new Error("no free port between 20000 and 32000 on 127.0.0.1");
  };
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export function copyFixture(workRoot: string, name: string): string {
  const dir = path.join(workRoot, "apps", name);
  fs.mkdirSync(dir, { recursive: true });
  for (const file of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, file), path.join(dir, file));
  return dir;
}

/** Builds a metric with one cell per peer filled by `cellFor`. */
export function metric(
  base: { id: string; scenario: string; title: string; unit: Unit; ratioToBare?: boolean; goal?: string; command: string },
  cells: Partial<Record<PeerName, Cell>>,
): Metric {
  return { ratioToBare: false, goal: undefined, ...base, cells };
}

/** Share of all CPUs (%) other work on the machine may take during a trial before it is redone. */
export const NOISY = 15;

/**
 * Runs one trial while measuring what other work on this (shared) machine took of the CPUs; a
 * trial disturbed by more than NOISY % is redone, at most `retries` times, and the last kept.
 */
export async function quietTrial<T>(ctx: Context, what: string, fn: () => Promise<T>, retries = 2): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const { result, others } = await withOthersMeasured(() => ourPids(trackedPids), fn);
    if (others <= NOISY || attempt >= retries) return result;
    ctx.log(`  ${what}: other work took ${others.toFixed(0)} % of the CPUs meanwhile; again`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * An error's message as the results keep it: without the run's work folder, a path of this
 * machine that would end up in BENCHMARKS.md (the run's log names the folder as it starts, and
 * `--keep` keeps it).
 */
export function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/ \(work dir [^)]*\)/g, "");
}
