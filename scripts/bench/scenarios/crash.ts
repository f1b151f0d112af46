/**
 * SIGKILL of a site's process → first 200 from the new process, under 200 req/s of fresh
 * connections counting what is refused or dropped meanwhile.
 *
 * Each trial kills a different site (all started together and up for 1.5 s), so every kill is
 * a first crash after a stable run: no peer's crash-loop backoff is measured, only its restart.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { fixtureBody, pidServing, pollUntil } from "../../../kit/http.js";
import { loadLoop } from "../../../kit/load.js";
import { signal } from "../lib/proc.js";
import type { Cell } from "../lib/report.js";
import { valuesCell } from "../lib/report.js";
import type { LoadReport } from "../../../kit/load.js";
import type { PeerName, SiteSpec } from "../peers/types.js";
import { errorMessage, metric, nodeSites, ports, quietTrial, withPeer, type Scenario } from "./context.js";

const RATE = 200;
const NEVER_MS = 5000;

export const crash: Scenario = {
  id: "crash",
  title: "Crash: SIGKILL of a site → first 200 from the new process",
  async run(ctx) {
    const trials = ctx.quick ? 2 : 8;
    const latency: Partial<Record<PeerName, Cell>> = {};
    const refused: Partial<Record<PeerName, Cell>> = {};
    const failed: Partial<Record<PeerName, Cell>> = {};
    const dir = ctx.fixtureCopy("crash");
    for (const peer of ctx.peers) {
      const lacking = peer.lacks("crash-restart");
      if (lacking !== undefined) {
        for (const cells of [latency, refused, failed]) cells[peer.name] = { kind: "lacks", why: lacking };
        continue;
      }
      // Spare sites, so a trial disturbed by other work on the machine can be redone on a fresh one.
      const spare = 3;
      const sites = nodeSites(trials + spare, await ports(ctx, trials + spare), dir, "k");
      try {
        await withPeer(
          ctx,
          peer,
          sites,
          async () => {
            // PM2 counts a run under min_uptime (1 s) and supervisord under startsecs (1 s) as a failed start.
            await sleep(1500);
            const times: number[] = [];
            const refusedCounts: number[] = [];
            const failedCounts: number[] = [];
            const kinds: Record<string, number> = {};
            let misses = 0;
            let hungTrials = 0;
            let next = 0;
            const killOne = async (): Promise<{ ms: number | undefined; report: LoadReport; hung: number; site: SiteSpec }> => {
              const site = sites[next++];
              if (site === undefined) throw new Error("no site left to kill");
              const load = loadLoop(site.port, { rate: RATE, maxMs: NEVER_MS + 5000 });
              await sleep(300);
              const old = await pidServing(site.port);
              if (old === undefined) throw new Error(`${site.name} did not answer before the kill`);
              const since = performance.now();
              signal(old, "SIGKILL");
              const hung = { count: 0 };
              const ms = await pollUntil(site.port, (a) => (fixtureBody(a)?.pid ?? old) !== old, { timeoutMs: NEVER_MS, since, hung });
              await sleep(300);
              return { ms, report: await load.stop(), hung: hung.count, site };
            };
            for (let trial = 0; trial < trials; trial++) {
              const retries = Math.min(2, sites.length - next - (trials - trial));
              const { ms, report, hung, site } = await quietTrial(ctx, `crash ${peer.name}`, killOne, Math.max(0, retries));
              if (hung > 0) hungTrials += 1;
              if (ms === undefined) misses += 1;
              else times.push(ms);
              refusedCounts.push(report.byKind.refused);
              failedCounts.push(report.failed);
              for (const [kind, n] of Object.entries(report.byKind)) kinds[kind] = (kinds[kind] ?? 0) + n;
              ctx.log(
                `  crash ${peer.name} ${site.name}: ${ms === undefined ? "never" : `${Math.round(ms)} ms`}, failed ${report.failed} of ${report.sent}`,
              );
              if (ms === undefined && misses >= 2) break;
            }
            const cell = valuesCell(times, misses, `no 200 from a new process within ${NEVER_MS / 1000} s of the SIGKILL`);
            latency[peer.name] =
              hungTrials > 0 && cell.kind === "values"
                ? {
                    ...cell,
                    footnote: `${peer.label}: in ${hungTrials} of ${times.length} trials a probe connection was accepted and never answered; the time includes its 3 s timeout before a new probe reached the new process`,
                  }
                : cell;
            refused[peer.name] = { kind: "values", values: refusedCounts };
            failed[peer.name] = withKinds(failedCounts, kinds, `${peer.label}, crash`);
          },
          { workName: "crash" },
        );
      } catch (error) {
        ctx.log(`  crash ${peer.name}: ${errorMessage(error)}`);
        for (const cells of [latency, refused, failed])
          cells[peer.name] ??= { kind: "never", why: `${peer.label}: ${errorMessage(error).slice(0, 200)}` };
      }
    }
    const command = ctx.command("crash");
    const m1 = metric(
      {
        id: "crash-ms",
        scenario: "crash",
        title: "SIGKILL → first 200 from the new process",
        unit: "ms",
        ratioToBare: true,
        goal: "≤ 1.1 × bare",
        command,
      },
      latency,
    );
    const m2 = metric(
      {
        id: "crash-refused",
        scenario: "crash",
        title: "requests refused during a crash (200 req/s)",
        unit: "requests",
        goal: "0",
        command,
      },
      refused,
    );
    const m3 = metric(
      {
        id: "crash-failed",
        scenario: "crash",
        title: "requests failed during a crash (refused, reset, hung)",
        unit: "requests",
        goal: "0 for `listen` sites",
        command,
      },
      failed,
    );
    return {
      metrics: [m1, m2, m3],
      notes: [
        `${trials} sites per peer (and up to 3 spares for trials redone because other work disturbed them), each killed once (SIGKILL to the pid the fixture answers) after 1.5 s of uptime, so each is a first crash after a stable run.`,
        `Time from the kill to the first 200 whose pid differs, polled back to back (2 ms after a failure); ${RATE} req/s of fresh connections run from 0.3 s before the kill to 0.3 s after that 200 and count what fails.`,
        "A request in flight in the killed process is lost with it (a reset) whatever the supervisor; refused connections are what a supervisor-owned socket removes.",
      ],
    };
  },
};

/** A count cell whose footnote says how the failures failed, summed over the trials. */
export function withKinds(values: readonly number[], kinds: Readonly<Record<string, number>>, what: string): Cell {
  const text = describeKinds(kinds);
  return text === ""
    ? { kind: "values", values }
    : { kind: "values", values, detail: `${what}: ${text} (${values.length === 1 ? "1 trial" : `sum of ${values.length} trials`})` };
}

export function describeKinds(byKind: Readonly<Record<string, number>>): string {
  return Object.entries(byKind)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ");
}
