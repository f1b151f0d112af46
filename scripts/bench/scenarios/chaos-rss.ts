/**
 * Does the supervisor give its memory back after a storm? The chaos run of the test suite
 * (`kit/chaos.ts`: three sites under a bounded loopback load while their processes are
 * SIGKILLed, SIGSTOPped and reloaded, restarted and re-configured at random), then quiet; the
 * supervisor's resident memory before, at its peak, and after the quiet. tsgi alone: the peers
 * have no control commands to fire at the same rate, and the row compares tsgi with itself.
 */
import { runChaos } from "../../../kit/chaos.js";
import type { Cell } from "../lib/report.js";
import type { PeerName } from "../peers/types.js";
import { metric, quietTrial, type Scenario } from "./context.js";
import { formatSize } from "../../../src/format/size.js";

export const chaosRss: Scenario = {
  id: "chaos-rss",
  title: "Supervisor memory through a chaos run and after it",
  async run(ctx) {
    // The goal names a 60 s run; `--quick` shortens it (same actions, fewer of them).
    const seconds = ctx.quick ? 20 : 60;
    // The heap budget trims after two quiet 3 s samples; 15 s leaves room for a retry.
    const idleMs = 15_000;
    const trials = ctx.quick ? 1 : 3;
    const before: number[] = [];
    const peak: number[] = [];
    const after: number[] = [];
    const growth: number[] = [];
    const anonGrowth: number[] = [];
    const fileGrowth: number[] = [];
    let actions = 0;
    for (let t = 0; t < trials; t++) {
      const report = await quietTrial(
        ctx,
        `chaos-rss trial ${t + 1}`,
        () => runChaos({ seconds, idleMs, say: (line) => ctx.log(`  ${line}`) }),
        0,
      );
      const idle = report.afterIdle ?? report.after;
      before.push(report.before.rssBytes / 2 ** 20);
      peak.push(report.peakRssBytes / 2 ** 20);
      after.push(idle.rssBytes / 2 ** 20);
      growth.push(idle.rssBytes / report.before.rssBytes);
      anonGrowth.push(idle.rssAnonBytes / report.before.rssAnonBytes);
      fileGrowth.push((idle.rssFileBytes - report.before.rssFileBytes) / 2 ** 20);
      actions = Object.values(report.actions).reduce((sum, n) => sum + n, 0);
      ctx.log(
        `  chaos-rss: ${formatSize(report.before.rssBytes)} before, ${formatSize(report.peakRssBytes)} peak, ${formatSize(report.after.rssBytes)} right after, ${formatSize(idle.rssBytes)} after ${idleMs / 1000} s quiet (anonymous ${formatSize(report.before.rssAnonBytes)} → ${formatSize(idle.rssAnonBytes)}, file-backed ${formatSize(report.before.rssFileBytes)} → ${formatSize(idle.rssFileBytes)}); every site running: ${report.allRunning}`,
      );
      if (!report.allRunning) throw new Error("chaos-rss: a site did not come back after the chaos run");
    }
    const cells = (values: number[]): Partial<Record<PeerName, Cell>> => {
      const out: Partial<Record<PeerName, Cell>> = { tsgi: { kind: "values", values } };
      for (const peer of ctx.peers) {
        if (peer.name !== "tsgi")
          out[peer.name] = { kind: "lacks", why: `tsgi's own chaos driver (its control commands); not run on ${peer.label}` };
      }
      return out;
    };
    const command = ctx.command("chaos-rss");
    const row = (id: string, title: string, values: number[], goal?: string) =>
      metric({ id, scenario: "chaos-rss", title, unit: "MiB", goal, command }, cells(values));
    return {
      metrics: [
        row("chaos-rss-before", `supervisor resident memory before a ${seconds} s chaos run`, before),
        row("chaos-rss-peak", `supervisor resident memory, highest during the run`, peak),
        row("chaos-rss-after", `supervisor resident memory after the run and ${idleMs / 1000} s quiet`, after),
        metric(
          {
            id: "chaos-rss-growth",
            scenario: "chaos-rss",
            title: `supervisor resident memory after / before a ${seconds} s chaos run`,
            unit: "×",
            goal: "≤ 1.1",
            command,
          },
          cells(growth),
        ),
        metric(
          {
            id: "chaos-rss-anon-growth",
            scenario: "chaos-rss",
            title: "of which anonymous memory (RssAnon: heap, malloc), after / before",
            unit: "×",
            command,
          },
          cells(anonGrowth),
        ),
        metric(
          {
            id: "chaos-rss-file-growth",
            scenario: "chaos-rss",
            title: "of which pages of the node binary first touched during the run (RssFile), after − before",
            unit: "MiB",
            command,
          },
          cells(fileGrowth),
        ),
      ],
      notes: [
        `The chaos run of the test suite (\`kit/chaos.ts\`, \`npm run chaos\`): sites web (2 processes), api and worker under 50 requests/s each on 127.0.0.1, and every 150–350 ms one of SIGKILL, SIGSTOP+SIGCONT, reload, restart, reload-config; ${seconds} s, ${actions} actions in the last trial.`,
        `Memory: the supervisor's VmRSS once all sites run (before), the highest read from /proc between actions (peak), and after the run settled and ${idleMs / 1000} s of quiet (after). RssFile grows once the optimising compiler has run, by its machine code in the node binary (clean pages shared with every node process); tsgi turns that compiler on only when the supervisor is CPU-bound (\`supervisor/heap-budget.ts\`), which a chaos run is not; a heap snapshot before and after a run differs by ~0.75 MiB of compiled code and feedback, ~30 KB of objects.`,
        ctx.quick ? "Trials: 1 (`--quick`, a 20 s run)." : `Trials: ${trials}.`,
      ],
    };
  },
};
