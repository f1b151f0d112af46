/**
 * Hot reload: save `version.mjs` (a plain write, and an atomic write-temp-then-rename) → first
 * answer carrying the new version; failed requests meanwhile under 200 req/s.
 *
 * The floor is a bare start-up: spawn the fixture, first 200 — nothing can serve new code
 * faster than a new process can start. tsgi's goal is that plus 150 ms.
 */
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { track } from "../lib/cleanup.js";
import { setTimeout as sleep } from "node:timers/promises";
import { fixtureBody, pollUntil } from "../../../kit/http.js";
import { loadLoop, type LoadReport } from "../../../kit/load.js";
import { reap, signal } from "../lib/proc.js";
import { valuesCell, type Cell } from "../lib/report.js";
import { baseEnv } from "../peers/program.js";
import type { PeerName } from "../peers/types.js";
import { withKinds } from "./crash.js";
import { errorMessage, metric, nodeSites, ports, quietTrial, withPeer, type Context, type Scenario } from "./context.js";

const RATE = 200;
const NEVER_MS = 10_000;
const MODES = ["plain", "atomic"] as const;
type Mode = (typeof MODES)[number];

/** Writes the new version the way a plain `fs.writeFile` does, or the way atomic savers do. */
function save(dir: string, version: string, mode: Mode): void {
  const file = path.join(dir, "version.mjs");
  const text = `export const VERSION = ${JSON.stringify(version)};\n`;
  if (mode === "plain") {
    fs.writeFileSync(file, text);
    return;
  }
  // write-file-atomic's naming: FILE.<hash> in the same folder, then rename over FILE.
  const temp = `${file}.${crypto.randomBytes(4).toString("hex")}`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

/** Spawn → first 200 of the fixture alone, the floor of any hot reload. */
async function bareStartup(ctx: Context, trials: number): Promise<number[]> {
  const dir = ctx.fixtureCopy("startup-floor");
  const out: number[] = [];
  for (let i = 0; i < trials; i++) {
    const port = await ctx.port();
    const since = performance.now();
    const child = spawn(process.execPath, [path.join(dir, "server.mjs")], {
      cwd: dir,
      env: { ...baseEnv(), PORT: String(port) },
      stdio: "ignore",
    });
    const pid = child.pid ?? 0;
    const untrack = track(
      "bare start-up",
      () => signal(pid, "SIGKILL"),
      () => [pid],
    );
    try {
      const ms = await pollUntil(port, (a) => a.ok, { timeoutMs: 10_000, since, gapMs: 1 });
      if (ms !== undefined) out.push(ms);
    } finally {
      signal(pid, "SIGTERM");
      await reap([pid], 3000);
      untrack();
    }
  }
  return out;
}

export const watch: Scenario = {
  id: "watch",
  title: "Hot reload: save → new code served",
  async run(ctx) {
    const trials = ctx.quick ? 1 : 4;
    const latency: Record<Mode, Partial<Record<PeerName, Cell>>> = { plain: {}, atomic: {} };
    const failed: Record<Mode, Partial<Record<PeerName, Cell>>> = { plain: {}, atomic: {} };
    let version = 0;
    for (const peer of ctx.peers) {
      if (peer.name === "bare") {
        const floor = await bareStartup(ctx, ctx.quick ? 3 : 8);
        for (const mode of MODES) {
          latency[mode].bare = {
            kind: "values",
            values: floor,
            footnote: "bare column: spawn → first 200 of the fixture alone (no watcher), the floor of a hot reload",
          };
          failed[mode].bare = { kind: "lacks", why: "the bare spawner watches nothing" };
        }
        ctx.log(`  watch bare start-up: ${floor.map(Math.round).join(", ")} ms`);
        continue;
      }
      const lacking = peer.lacks("watch");
      if (lacking !== undefined) {
        for (const mode of MODES) latency[mode][peer.name] = failed[mode][peer.name] = { kind: "lacks", why: lacking };
        continue;
      }
      const dir = ctx.fixtureCopy(`watch-${peer.name}`);
      const sites = nodeSites(1, await ports(ctx, 1), dir, "w", 0, true);
      const site = sites[0];
      if (site === undefined) continue;
      try {
        await withPeer(
          ctx,
          peer,
          sites,
          async () => {
            // Watchers (chokidar in tsgi, PM2 and nodemon) scan the folder before they report changes.
            await sleep(2000);
            for (const mode of MODES) {
              const times: number[] = [];
              const counts: number[] = [];
              const kinds: Record<string, number> = {};
              let misses = 0;
              let hungTrials = 0;
              for (let i = 0; i < trials; i++) {
                const saveOnce = async (): Promise<{ ms: number | undefined; report: LoadReport; hung: number }> => {
                  version += 1;
                  const wanted = `v${version}`;
                  const load = loadLoop(site.port, { rate: RATE, maxMs: NEVER_MS + 5000 });
                  await sleep(300);
                  const since = performance.now();
                  save(dir, wanted, mode);
                  const hung = { count: 0 };
                  const ms = await pollUntil(site.port, (a) => fixtureBody(a)?.version === wanted, { timeoutMs: NEVER_MS, since, hung });
                  await sleep(700);
                  const report = await load.stop();
                  // Let debouncers and "already restarting" flags settle before the next save.
                  await sleep(ctx.quick ? 800 : 1500);
                  return { ms, report, hung: hung.count };
                };
                const { ms, report, hung } = await quietTrial(ctx, `watch ${mode} ${peer.name}`, saveOnce);
                if (hung > 0) hungTrials += 1;
                if (ms === undefined) misses += 1;
                else times.push(ms);
                counts.push(report.failed);
                for (const [kind, n] of Object.entries(report.byKind)) kinds[kind] = (kinds[kind] ?? 0) + n;
                ctx.log(`  watch ${mode} ${peer.name}: ${ms === undefined ? "never" : `${Math.round(ms)} ms`}, failed ${report.failed}`);
              }
              const cell = valuesCell(times, misses, `the new version was not served within ${NEVER_MS / 1000} s of the save`);
              latency[mode][peer.name] =
                hungTrials > 0 && cell.kind === "values"
                  ? {
                      ...cell,
                      footnote: `${peer.label}: in ${hungTrials} of ${times.length} saves a probe connection was accepted and never answered; the time includes its 3 s timeout`,
                    }
                  : cell;
              failed[mode][peer.name] = withKinds(counts, kinds, `${peer.label}, ${mode} save`);
            }
          },
          { workName: "watch" },
        );
      } catch (error) {
        ctx.log(`  watch ${peer.name}: ${errorMessage(error)}`);
        for (const mode of MODES)
          latency[mode][peer.name] ??= failed[mode][peer.name] ??= {
            kind: "never",
            why: `${peer.label}: ${errorMessage(error).slice(0, 200)}`,
          };
      }
    }
    const command = ctx.command("watch");
    return {
      metrics: MODES.flatMap((mode) => [
        metric(
          {
            id: `watch-ms-${mode}`,
            scenario: "watch",
            title: `hot reload, ${mode} save → new code served`,
            unit: "ms",
            goal: "≤ bare start-up + 150 ms",
            command,
          },
          latency[mode],
        ),
        metric(
          {
            id: `watch-${mode}-failed`,
            scenario: "watch",
            title: `failed requests during a hot reload (${mode} save)`,
            unit: "requests",
            goal: "0",
            command,
          },
          failed[mode],
        ),
      ]),
      notes: [
        `${trials} saves per mode and peer, each of \`version.mjs\` in the site's folder: plain = \`fs.writeFileSync\`; atomic = write \`version.mjs.<8 hex>\` in the same folder, then rename it over \`version.mjs\` (write-file-atomic's way).`,
        "Time from the save to the first answer carrying the new version, polled back to back; 200 req/s of fresh connections from 0.3 s before the save to 0.7 s after.",
        "tsgi: `watch: true` on the site (its folder); PM2: `watch: true` in the ecosystem file (fork and cluster); nodemon: `--watch <folder>`.",
      ],
    };
  },
};
