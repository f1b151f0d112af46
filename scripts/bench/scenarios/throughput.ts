/**
 * Throughput through a supervised site vs the same server bare: the Node fixture, and Django
 * under gunicorn (one sync worker). tsgi hands the socket over as fd 3, so there is no proxy
 * hop; PM2 cluster mode's master accepts and passes connections on, which is one.
 *
 * All peers of a row run side by side (each one site, idle while another is measured), and the
 * trials go round-robin in a rotating order, so drift on the machine spreads over all of them.
 */
import fs from "node:fs";
import path from "node:path";
import { trackedPids } from "../lib/cleanup.js";
import { setTimeout as sleep } from "node:timers/promises";
import { waitAllServing } from "../../../kit/http.js";
import { ourPids, withOthersMeasured } from "../lib/quiet.js";
import type { Cell } from "../lib/report.js";
import { summarize } from "../lib/stats.js";
import { haveWrk, measureThroughput } from "../lib/wrk.js";
import type { Peer, PeerName, Running, SiteSpec } from "../peers/types.js";
import { errorMessage, metric, probePath, type Context, type Scenario } from "./context.js";

/** Share of all CPUs (%) other work may take during a run before it is redone. */
const OTHERS_LIMIT = 5;
const othersByRow: Record<string, number> = {};

interface Target {
  readonly peer: Peer;
  readonly site: SiteSpec;
  readonly running: Running;
}

async function startAll(
  ctx: Context,
  peers: readonly Peer[],
  siteFor: (port: number) => SiteSpec,
  work: string,
): Promise<{ targets: Target[]; failures: Partial<Record<PeerName, Cell>> }> {
  const targets: Target[] = [];
  const failures: Partial<Record<PeerName, Cell>> = {};
  for (const peer of peers) {
    const site = siteFor(await ctx.port());
    const workDir = path.join(ctx.workRoot, work, peer.name);
    fs.mkdirSync(workDir, { recursive: true });
    const since = performance.now();
    try {
      const running = await peer.start([site], workDir);
      targets.push({ peer, site, running });
      const waited = await waitAllServing([site.port], { since, timeoutMs: 60_000, intervalMs: 20, path: probePath(site) });
      if (waited.ms === undefined) throw new Error(`not serving after 60 s (work dir ${workDir})`);
    } catch (error) {
      ctx.log(`  throughput ${work} ${peer.name}: ${errorMessage(error)}`);
      failures[peer.name] = { kind: "never", why: `${peer.label}: ${errorMessage(error).slice(0, 200)}` };
    }
  }
  return { targets, failures };
}

async function measureRow(
  ctx: Context,
  row: "node" | "django",
  peers: readonly Peer[],
  siteFor: (port: number) => SiteSpec,
  options: { seconds: number; trials: number; connections: number },
): Promise<Partial<Record<PeerName, Cell>>> {
  const { targets: started, failures } = await startAll(ctx, peers, siteFor, `throughput-${row}`);
  const targets = started.filter((t) => failures[t.peer.name] === undefined);
  const cells: Partial<Record<PeerName, Cell>> = { ...failures };
  try {
    await sleep(1000);
    const url = (t: Target): string => `http://127.0.0.1:${t.site.port}${probePath(t.site)}`;
    for (const t of targets) await measureThroughput(url(t), { seconds: 1, connections: options.connections });
    const values = new Map<PeerName, number[]>();
    /** Per round, each peer's rate over bare's in the same round: drift of the machine cancels out. */
    const ratios = new Map<PeerName, number[]>();
    const errors = new Map<PeerName, number>();
    let worstOthers = 0;
    for (let trial = 0; trial < options.trials; trial++) {
      const order = targets.map((_, i) => targets[(i + trial) % targets.length]).filter((t): t is Target => t !== undefined);
      const round = new Map<PeerName, number>();
      for (const t of order) {
        let measured = await withOthersMeasured(
          () => ourPids(trackedPids),
          () => measureThroughput(url(t), { seconds: options.seconds, connections: options.connections }),
        );
        // A run during which other work on the machine took its share of the CPUs is redone (twice at most).
        for (let retry = 0; retry < 2 && measured.others > OTHERS_LIMIT; retry++) {
          ctx.log(`  throughput ${row} ${t.peer.name}: other work took ${measured.others.toFixed(0)} % of the CPUs during the run; again`);
          await sleep(2000);
          measured = await withOthersMeasured(
            () => ourPids(trackedPids),
            () => measureThroughput(url(t), { seconds: options.seconds, connections: options.connections }),
          );
        }
        const result = measured.result;
        worstOthers = Math.max(worstOthers, measured.others);
        values.set(t.peer.name, [...(values.get(t.peer.name) ?? []), result.rps]);
        round.set(t.peer.name, result.rps);
        errors.set(t.peer.name, (errors.get(t.peer.name) ?? 0) + result.errors);
        ctx.log(
          `  throughput ${row} ${t.peer.name}: ${Math.round(result.rps)} req/s (${result.tool}), ${result.errors} errors, others ${measured.others.toFixed(1)} %`,
        );
      }
      const floor = round.get("bare");
      if (floor !== undefined && floor > 0) for (const [name, rps] of round) ratios.set(name, [...(ratios.get(name) ?? []), rps / floor]);
    }
    for (const t of targets) {
      const errs = errors.get(t.peer.name) ?? 0;
      const ratio = summarize(ratios.get(t.peer.name) ?? [])?.median;
      cells[t.peer.name] = {
        kind: "values",
        values: values.get(t.peer.name) ?? [],
        ...(ratio === undefined || t.peer.name === "bare" ? {} : { ratio }),
        ...(errs === 0 ? {} : { detail: `${t.peer.label}, ${row}: ${errs} errors or non-2xx answers during the runs` }),
      };
    }
    ctx.log(`  throughput ${row}: other work took at most ${worstOthers.toFixed(1)} % of the CPUs during a kept run`);
    othersByRow[row] = worstOthers;
  } finally {
    for (const t of started) await t.running.stop();
  }
  return cells;
}

export const throughput: Scenario = {
  id: "throughput",
  title: "Throughput through a supervised site vs the same server bare",
  async run(ctx) {
    // Many short rounds beat few long ones here: this VM's speed drifts by ±10 % from one run to
    // the next even when quiet, so the ratio is taken round by round.
    const seconds = ctx.quick ? 2 : 3;
    const trials = ctx.quick ? 2 : 8;
    const dir = ctx.fixtureCopy("throughput");
    const node = await measureRow(
      ctx,
      "node",
      ctx.peers,
      (port) => ({ name: "tp", port, settings: "tp.settings", app: { kind: "node", dir, startDelayMs: 0 }, watch: false }),
      {
        seconds,
        trials,
        connections: 16,
      },
    );
    const django = await ctx.django();
    let djangoCells: Partial<Record<PeerName, Cell>> = {};
    if (django !== undefined) {
      const peers = ctx.peers.filter((p) => p.lacks("django") === undefined);
      for (const p of ctx.peers) {
        const why = p.lacks("django");
        if (why !== undefined) djangoCells[p.name] = { kind: "lacks", why };
      }
      djangoCells = {
        ...djangoCells,
        ...(await measureRow(
          ctx,
          "django",
          peers,
          (port) => ({
            name: "dj",
            port,
            settings: django.settings,
            app: { kind: "django", dir: django.dir, python: django.python, wsgi: django.wsgi, path: django.path },
            watch: false,
          }),
          { seconds, trials, connections: 4 },
        )),
      };
    }
    const command = ctx.command("throughput");
    const tool = haveWrk() ? "wrk -t1" : "autocannon";
    return {
      metrics: [
        metric(
          {
            id: "throughput-node",
            scenario: "throughput",
            title: "throughput, Node fixture",
            unit: "req/s",
            ratioToBare: true,
            goal: "≥ 0.98 × bare",
            command,
          },
          node,
        ),
        metric(
          {
            id: "throughput-django",
            scenario: "throughput",
            title: "throughput, Django under gunicorn (1 sync worker)",
            unit: "req/s",
            ratioToBare: true,
            goal: "≥ 0.98 × bare",
            command,
          },
          djangoCells,
        ),
      ],
      notes: [
        `${tool}, keep-alive, ${seconds} s per run, ${trials} rounds of one run per peer in rotating order after a 1 s warm-up; 16 connections for the Node fixture, 4 for Django. The ratio is the median over rounds of each peer's rate over bare's in the same round (the machine's speed drifts by ±10 % between runs even when nothing else runs, so medians of separate series would mostly compare drift).`,
        "Bare: the fixture started with PORT (gunicorn with `--bind`) by the bare spawner, nothing in between. tsgi: the fixture as a `command:` site and Django as a `wsgi:` site, both on fd 3. PM2 runs gunicorn in fork mode with `interpreter: none`; supervisord as a `[program:x]`.",
        `A run during which other work on this shared machine used more than ${OTHERS_LIMIT} % of the CPUs (the CPU time, from /proc, of every process that is not the benchmark's) was redone, at most twice; the worst kept run saw ${(othersByRow["node"] ?? 0).toFixed(1)} % (Node) and ${(othersByRow["django"] ?? 0).toFixed(1)} % (Django).`,
        `Django: ${django === undefined ? "not available on this machine" : `\`${django.wsgi}\`, GET ${django.path}`}.`,
      ],
    };
  },
};
