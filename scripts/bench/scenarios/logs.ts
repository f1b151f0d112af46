/**
 * Log throughput: a site writes N numbered lines to stdout as fast as its supervisor reads
 * them; lines/s = N / (first line written → end marker in the site's log file), and every
 * numbered line must be in the log file (rotated files included).
 */
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { rssBytes } from "../lib/proc.js";
import type { Cell } from "../lib/report.js";
import { timesFile } from "../peers/program.js";
import type { PeerName, Running, SiteSpec } from "../peers/types.js";
import { errorMessage, metric, quietTrial, withPeer, type Scenario } from "./context.js";
import { formatSize } from "../../../src/format/size.js";

const END = "end-of-log-writer";

function tailHas(file: string, needle: string): boolean {
  try {
    const fd = fs.openSync(file, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, 4096);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      return buffer.toString("utf8").includes(needle);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** Distinct numbered lines across the files. */
function countLines(files: readonly string[]): number {
  const seen = new Set<number>();
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    for (const match of text.matchAll(/line (\d{7}) /g)) seen.add(Number(match[1]));
  }
  return seen.size;
}

export const logs: Scenario = {
  id: "logs",
  title: "Log throughput: every line in the site's log file",
  async run(ctx) {
    const lines = ctx.quick ? 200_000 : 500_000;
    const trials = ctx.quick ? 1 : 3;
    const timeoutMs = ctx.quick ? 30_000 : 60_000;
    const rate: Partial<Record<PeerName, Cell>> = {};
    const lost: Partial<Record<PeerName, Cell>> = {};
    const peak: Partial<Record<PeerName, Cell>> = {};
    const growth: Partial<Record<PeerName, Cell>> = {};
    for (const peer of ctx.peers) {
      const lacking = peer.lacks("log-files");
      if (lacking !== undefined) {
        rate[peer.name] = lost[peer.name] = peak[peer.name] = growth[peer.name] = { kind: "lacks", why: lacking };
        continue;
      }
      const rates: number[] = [];
      const losses: number[] = [];
      const peaks: number[] = [];
      const growths: number[] = [];
      let misses = 0;
      let attempt = 0;
      /** One fresh start of the writer on this peer: lines/s (undefined: end never seen), lines lost, peak RSS. */
      const once = async (): Promise<{ rate: number | undefined; lost: number; peakMiB: number; growth: number | undefined }> => {
        attempt += 1;
        const dir = ctx.fixtureCopy(`logs-${peer.name}-${attempt}`);
        const site: SiteSpec = { name: "lw", port: 0, settings: "lw.settings", app: { kind: "log-writer", dir, lines }, watch: false };
        const measure = async (
          running: Running,
        ): Promise<{ rate: number | undefined; lost: number; peakMiB: number; growth: number | undefined }> => {
          const deadline = Date.now() + timeoutMs;
          let maxRss = 0;
          // The supervisor's memory before the flood: the writer waits WRITE_DELAY_MS (500 ms)
          // before its first line and then records its begin time.
          let beforeRss = 0;
          let endSeen: number | undefined;
          while (Date.now() < deadline) {
            const now = running.daemonPids().reduce((sum, pid) => sum + rssBytes(pid), 0);
            maxRss = Math.max(maxRss, now);
            if (!fs.existsSync(timesFile(site.name, dir))) beforeRss = Math.max(beforeRss, now);
            if (running.logFiles(site).some((file) => tailHas(file, END))) {
              endSeen = Date.now();
              break;
            }
            await sleep(20);
          }
          const begin = (JSON.parse(fs.readFileSync(timesFile(site.name, dir), "utf8")) as { begin: number }).begin;
          // Counted after a moment, so lines still in a writer's buffer are not called lost.
          await sleep(endSeen === undefined ? 0 : 500);
          const found = countLines(running.logFiles(site));
          return {
            rate: endSeen === undefined ? undefined : (lines * 1000) / Math.max(1, endSeen - begin),
            lost: lines - found,
            peakMiB: maxRss / 2 ** 20,
            growth: beforeRss > 0 ? maxRss / beforeRss : undefined,
          };
        };
        return withPeer(ctx, peer, [site], measure, { workName: `logs-${attempt}`, waitServing: false });
      };
      try {
        for (let t = 0; t < trials; t++) {
          const result = await quietTrial(ctx, `logs ${peer.name}`, once);
          if (result.rate === undefined) misses += 1;
          else rates.push(result.rate);
          losses.push(result.lost);
          peaks.push(result.peakMiB);
          if (result.growth !== undefined) growths.push(result.growth);
          const rateText =
            result.rate === undefined ? `end marker not seen in ${timeoutMs / 1000} s` : `${Math.round(result.rate)} lines/s`;
          ctx.log(`  logs ${peer.name}: ${rateText}, ${result.lost} lost, peak RSS ${formatSize(result.peakMiB * 2 ** 20)}`);
        }
        rate[peer.name] =
          misses > 0
            ? {
                kind: "never",
                why: `${peer.label}: the last line did not reach the log file within ${timeoutMs / 1000} s (${misses} of ${trials} trials)`,
                values: rates,
              }
            : { kind: "values", values: rates };
        lost[peer.name] = { kind: "values", values: losses };
        peak[peer.name] = { kind: "values", values: peaks };
        growth[peer.name] = { kind: "values", values: growths };
      } catch (error) {
        ctx.log(`  logs ${peer.name}: ${errorMessage(error)}`);
        rate[peer.name] =
          lost[peer.name] =
          peak[peer.name] =
          growth[peer.name] =
            { kind: "never", why: `${peer.label}: ${errorMessage(error).slice(0, 200)}` };
      }
    }
    const command = ctx.command("logs");
    return {
      metrics: [
        metric(
          {
            id: "logs-rate",
            scenario: "logs",
            title: "log throughput: lines/s into the site's log file",
            unit: "lines/s",
            ratioToBare: true,
            goal: "≥ 1 000 000 lines/s",
            command,
          },
          rate,
        ),
        metric({ id: "logs-lost", scenario: "logs", title: "log lines lost", unit: "lines", goal: "0", command }, lost),
        metric({ id: "logs-rss", scenario: "logs", title: "supervisor peak memory while logging", unit: "MiB", command }, peak),
        metric(
          {
            id: "logs-rss-growth",
            scenario: "logs",
            title: "supervisor peak memory during the flood / before it",
            unit: "×",
            goal: "≤ 1.3",
            command,
          },
          growth,
        ),
      ],
      notes: [
        `${lines.toLocaleString("en-US")} lines of 38 bytes written in 1 000-line chunks to stdout (a pipe, blocking when full), ${trials} run(s) per peer, each on a fresh start; bounded at ${timeoutMs / 1000} s.`,
        "Rate: from the writer's first write to the harness seeing the end marker in the log file (polled every 20 ms). Lost: numbered lines missing from the log files (rotated ones included), counted 0.5 s after the end marker.",
        "Where the lines go: tsgi `supervisor.logs` (per-site file; tsgi also echoes every line to its own stdout, a file here); PM2 `$PM2_HOME/logs/NAME-out.log` (a private PM2_HOME); supervisord `stdout_logfile`; bare: the child's stdout opened on the file itself (the kernel floor).",
      ],
    };
  },
};
