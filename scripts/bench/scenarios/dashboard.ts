/**
 * The dashboard's cost: one supervisor with 200 sites, its CPU and resident memory with the
 * dashboard closed, then open — `tsgi-supervise dashboard` running and a viewer reading its live
 * feed (what the page's EventSource reads). tsgi alone: none of the peers has a live dashboard.
 *
 * The sites are `sleep` processes: what the dashboard costs the supervisor depends on how many
 * sites and processes it samples, not on what they run, and 200 Node servers would take 8 GB.
 */
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { RUN_MARK, track, treeOf } from "../lib/cleanup.js";
import { startDaemon, within } from "../lib/exec.js";
import { cpuPercent, reap, rssBytes, signal } from "../lib/proc.js";
import type { Cell } from "../lib/report.js";
import { baseEnv } from "../peers/program.js";
import { tsgiCli } from "../peers/tsgi.js";
import type { PeerName } from "../peers/types.js";
import { metric, quietTrial, type Context, type Scenario } from "./context.js";

const SITES = 200;

export const dashboard: Scenario = {
  id: "dashboard",
  title: "The dashboard's cost: supervisor CPU and memory with 200 sites, dashboard closed and open",
  async run(ctx) {
    const measureMs = ctx.quick ? 5000 : 20_000;
    const settleMs = ctx.quick ? 2000 : 5000;
    const trials = ctx.quick ? 1 : 3;
    const cpu = { closed: [] as number[], open: [] as number[], viewer: [] as number[] };
    const rss = { closed: [] as number[], open: [] as number[] };
    let pushes = 0;
    for (let t = 0; t < trials; t++) {
      // A trial redone because the machine was busy replaces the disturbed one.
      const one = await quietTrial(ctx, `dashboard trial ${t + 1}`, () => trial(ctx, `dashboard-${t}-${Date.now()}`, measureMs, settleMs));
      cpu.closed.push(one.cpuClosed);
      cpu.open.push(one.cpuOpen);
      cpu.viewer.push(one.cpuViewer);
      rss.closed.push(one.rssClosed / 2 ** 20);
      rss.open.push(one.rssOpen / 2 ** 20);
      pushes = one.messages;
    }
    const command = ctx.command("dashboard");
    const cells = (values: number[]): Partial<Record<PeerName, Cell>> => {
      const out: Partial<Record<PeerName, Cell>> = { tsgi: { kind: "values", values } };
      for (const peer of ctx.peers) {
        if (peer.name !== "tsgi") out[peer.name] = { kind: "lacks", why: `${peer.label} has no live dashboard to open` };
      }
      return out;
    };
    return {
      metrics: [
        metric(
          {
            id: "dashboard-cpu-closed",
            scenario: "dashboard",
            title: "supervisor CPU, 200 sites, dashboard closed",
            unit: "% of a core",
            goal: "≈ 0",
            command,
          },
          cells(cpu.closed),
        ),
        metric(
          {
            id: "dashboard-cpu-open",
            scenario: "dashboard",
            title: "supervisor CPU, 200 sites, dashboard open",
            unit: "% of a core",
            goal: "≤ 2 %",
            command,
          },
          cells(cpu.open),
        ),
        metric(
          {
            id: "dashboard-rss-closed",
            scenario: "dashboard",
            title: "supervisor resident memory, 200 sites, dashboard closed",
            unit: "MiB",
            command,
          },
          cells(rss.closed),
        ),
        metric(
          {
            id: "dashboard-rss-open",
            scenario: "dashboard",
            title: "supervisor resident memory, 200 sites, dashboard open",
            unit: "MiB",
            command,
          },
          cells(rss.open),
        ),
      ],
      notes: [
        `${SITES} \`command: [sleep, …]\` sites under one supervisor (no \`supervisor.http\`). Closed: nobody watches, ${measureMs / 1000} s of the supervisor's user+system CPU after ${settleMs / 1000} s of quiet. Open: \`tsgi-supervise dashboard\` started and one viewer reading its /events stream (the page's live feed: every site's status pushed on each 5 s sample), measured the same way once the first sample arrived; ${pushes} feed messages (each with all ${SITES} sites' status) reached the viewer during the last trial's measurement.`,
        `The dashboard process itself (it only relays the feed) used ${median(cpu.viewer).toFixed(2)} % of a core (median); it is not counted in the supervisor's row.`,
        `Memory: VmRSS of the supervisor at the end of each phase; open includes 15 minutes' worth of ring buffers allocated for ${SITES} sites.`,
        ctx.quick ? "Trials: 1 (`--quick`)." : `Trials: ${trials}.`,
      ],
    };
  },
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

interface Trial {
  readonly cpuClosed: number;
  readonly cpuOpen: number;
  readonly cpuViewer: number;
  readonly rssClosed: number;
  readonly rssOpen: number;
  readonly messages: number;
}

async function trial(ctx: Context, name: string, measureMs: number, settleMs: number): Promise<Trial> {
  const dir = path.join(ctx.workRoot, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "sites.yaml");
  const lines = [
    "version: 1",
    "supervisor:",
    "  control: ./control.sock",
    "  logs: false",
    "defaults:",
    `  env: { ${RUN_MARK.name}: "\${${RUN_MARK.name}}" }`,
    "  ready: { delay: 100ms }",
    "sites:",
  ];
  for (let i = 1; i <= SITES; i++) lines.push(`  s${String(i).padStart(3, "0")}: { command: [sleep, "86400"] }`);
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  const env = { ...baseEnv(), NO_COLOR: "1" };
  const cli = tsgiCli();
  const supervisor = startDaemon(process.execPath, [cli, "run", file], {
    env,
    cwd: dir,
    logFile: path.join(dir, "tsgi.out"),
    detached: true,
  });
  const stopDaemon = async (daemon: { pid: number; exited: Promise<void> }): Promise<void> => {
    const tree = treeOf(daemon.pid);
    signal(daemon.pid, "SIGTERM");
    await within(daemon.exited, 20_000);
    await reap(tree, 5000);
  };
  const untrack = track(
    "tsgi (dashboard)",
    () => stopDaemon(supervisor),
    () => treeOf(supervisor.pid),
  );
  try {
    await waitUntil(`${SITES} sites running`, 120_000, () => {
      const out = fs.existsSync(path.join(dir, "tsgi.out")) ? fs.readFileSync(path.join(dir, "tsgi.out"), "utf8") : "";
      return (out.match(/starting → running/g) ?? []).length >= SITES;
    });
    await sleep(settleMs);
    const cpuClosed = await cpuPercent(() => [supervisor.pid], measureMs);
    const rssClosed = rssBytes(supervisor.pid);

    const viewerLog = path.join(dir, "dashboard.out");
    const viewer = startDaemon(process.execPath, [cli, "dashboard", "-c", file], { env, cwd: dir, logFile: viewerLog });
    const untrackViewer = track(
      "tsgi dashboard",
      () => stopDaemon(viewer),
      () => treeOf(viewer.pid),
    );
    const abort = new AbortController();
    let messages = 0;
    try {
      const printed = await waitUntil(
        "the dashboard's URL",
        30_000,
        () => /(http:\/\/127\.0\.0\.1:\d+\/)\?token=(\S+)/.exec(fs.readFileSync(viewerLog, "utf8")) ?? undefined,
      );
      const response = await fetch(`${printed[1]}events`, { headers: { authorization: `Bearer ${printed[2]}` }, signal: abort.signal });
      const reader = response.body?.getReader();
      if (reader === undefined) throw new Error("the dashboard's /events has no body");
      const reading = (async () => {
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) return;
          messages += new TextDecoder().decode(chunk.value).split("\n\n").length - 1;
        }
      })().catch(() => undefined);
      await waitUntil("the first sample", 30_000, () => messages >= 2);
      const before = messages;
      const cpuViewerBefore = cpuPercent(() => [viewer.pid], measureMs);
      const cpuOpen = await cpuPercent(() => [supervisor.pid], measureMs);
      const cpuViewer = await cpuViewerBefore;
      const rssOpen = rssBytes(supervisor.pid);
      const during = messages - before;
      abort.abort();
      await reading;
      ctx.log(
        `  dashboard: CPU closed ${cpuClosed.toFixed(2)} %, open ${cpuOpen.toFixed(2)} % (viewer process ${cpuViewer.toFixed(2)} %, ${during} feed messages meanwhile); RSS ${(rssClosed / 2 ** 20).toFixed(1)} → ${(rssOpen / 2 ** 20).toFixed(1)} MiB`,
      );
      return { cpuClosed, cpuOpen, cpuViewer, rssClosed, rssOpen, messages: during };
    } finally {
      abort.abort();
      await stopDaemon(viewer);
      untrackViewer();
    }
  } finally {
    await stopDaemon(supervisor);
    untrack();
  }
}

async function waitUntil<T>(what: string, timeoutMs: number, probe: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`dashboard: no ${what} within ${timeoutMs} ms`);
    await sleep(100);
  }
}
