/**
 * The supervisor itself is SIGKILLed (an OOM kill, a `kill -9`) → every process it ran is gone.
 *
 * Each trial starts three sites on a fresh peer, takes the whole process tree under the peer's
 * daemon, SIGKILLs the daemon's own pids, and times until no process of that tree is left. A
 * peer whose sites live on is "never" (checked for 5 s); the run's final sweep stops them.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { alive, descendants, signal } from "../lib/proc.js";
import type { Cell } from "../lib/report.js";
import { valuesCell } from "../lib/report.js";
import type { PeerName } from "../peers/types.js";
import { errorMessage, metric, nodeSites, ports, withPeer, type Scenario } from "./context.js";

const NEVER_MS = 5000;

export const orphans: Scenario = {
  id: "orphans",
  title: "Supervisor death: SIGKILL of the supervisor → every site process gone",
  async run(ctx) {
    const trials = ctx.quick ? 1 : 3;
    const cells: Partial<Record<PeerName, Cell>> = {};
    const dir = ctx.fixtureCopy("orphans");
    for (const peer of ctx.peers) {
      const times: number[] = [];
      let misses = 0;
      try {
        for (let trial = 0; trial < trials; trial++) {
          const sites = nodeSites(3, await ports(ctx, 3), dir, "o");
          await withPeer(
            ctx,
            peer,
            sites,
            async (running) => {
              const daemons = running.daemonPids();
              const tree = [...new Set(daemons.flatMap((pid) => descendants(pid)))].filter((pid) => !daemons.includes(pid));
              const since = performance.now();
              for (const pid of daemons) signal(pid, "SIGKILL");
              while (tree.some(alive) && performance.now() - since < NEVER_MS) await sleep(5);
              const ms = performance.now() - since;
              if (tree.some(alive)) misses += 1;
              else times.push(ms);
              ctx.log(
                `  orphans ${peer.name}: ${tree.some(alive) ? `${tree.filter(alive).length} of ${tree.length} left after 5 s` : `${Math.round(ms)} ms`}`,
              );
            },
            { workName: `orphans-${trial}` },
          );
        }
        cells[peer.name] = valuesCell(times, misses, `site processes still running ${NEVER_MS / 1000} s after the supervisor's SIGKILL`);
      } catch (error) {
        ctx.log(`  orphans ${peer.name}: ${errorMessage(error)}`);
        cells[peer.name] = { kind: "never", why: `${peer.label}: ${errorMessage(error).slice(0, 200)}` };
      }
    }
    return {
      metrics: [
        metric(
          {
            id: "orphans-ms",
            scenario: "orphans",
            title: "supervisor SIGKILL → its last site process gone",
            unit: "ms",
            goal: "≤ 1000 ms",
            command: ctx.command("orphans"),
          },
          cells,
        ),
      ],
      notes: [
        `${trials} trial(s) per peer, each on a fresh start of 3 sites; the tree under the daemon is taken just before the SIGKILL and polled every 5 ms until none of it is alive (at most ${NEVER_MS / 1000} s).`,
      ],
    };
  },
};
