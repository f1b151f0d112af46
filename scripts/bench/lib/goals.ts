/**
 * The goals tsgi must reach (issue 6), judged on a finished row. A benchmark, not a test: a
 * missed goal is reported in the table, never hidden.
 */
import { cellSummary, ratioToBare, type Metric, type Verdict } from "./report.js";

/** Idle CPU counts as "≈ 0" below this share of one core. */
const IDLE_CPU_LIMIT = 0.5;

export function judge(metric: Metric): Verdict | undefined {
  const tsgi = metric.cells.tsgi;
  if (tsgi === undefined || tsgi.kind === "lacks") return undefined;
  if (tsgi.kind === "never") return { met: false, text: "not reached" };
  const own = cellSummary(tsgi);
  if (own === undefined) return undefined;
  const bare = cellSummary(metric.cells.bare);
  const ratio = ratioToBare(metric, "tsgi");
  // A ratio against a limit, with a third decimal when two would print the limit itself for a
  // ratio on the wrong side of it (2552 / 2318 ms is 1.101: "1.10 × bare", missed, would read oddly).
  const against = (r: number, limit: number, atMost: boolean): Verdict => {
    const met = atMost ? r <= limit : r >= limit;
    const shown = !met && Number(r.toFixed(2)) === limit ? r.toFixed(3) : r.toFixed(2);
    return { met, text: `${shown} × bare` };
  };
  const id = metric.id;
  if (id === "crash-ms") return ratio === undefined ? undefined : against(ratio, 1.1, true);
  if (id === "startup1" || id.startsWith("startup-")) {
    const limit = id === "startup1" ? 1.5 : id === "startup-20" ? 1.2 : 1.1;
    return ratio === undefined ? undefined : against(ratio, limit, true);
  }
  if (id === "rss-per-site") return { met: own.median <= 100, text: `${Math.round(own.median)} KiB per site` };
  if (id === "chaos-rss-growth") return { met: own.max <= 1.1, text: `${own.max.toFixed(2)} × before the run (worst trial)` };
  if (id === "logs-rss-growth") return { met: own.max <= 1.3, text: `${own.max.toFixed(2)} × before the flood (worst trial)` };
  if (id === "status-100") {
    const pm2 = cellSummary(metric.cells["pm2-fork"]);
    if (pm2 === undefined) return undefined;
    const share = own.median / pm2.median;
    return { met: share <= 1.1, text: `${share.toFixed(2)} × PM2's jlist` };
  }
  if (id === "reload-0-ms") return ratio === undefined ? undefined : against(ratio, 1.5, true);
  if (id.startsWith("worker-rps-")) {
    const floor = id === "worker-rps-express-get" ? 0.95 : 0.9;
    return ratio === undefined ? undefined : against(ratio, floor, false);
  }
  if (id.startsWith("worker-rss-") || id === "worker-start-js" || id === "worker-start-express")
    return ratio === undefined ? undefined : against(ratio, 1.1, true);
  if (id === "router-rps-page") return ratio === undefined ? undefined : { met: ratio >= 0.8, text: `${ratio.toFixed(2)} × direct` };
  if (id.startsWith("throughput-")) return ratio === undefined ? undefined : against(ratio, 0.98, false);
  if (id.startsWith("watch-ms-")) {
    if (bare === undefined) return undefined;
    const over = own.median - bare.median;
    return { met: over <= 150, text: `bare start-up + ${Math.round(over)} ms` };
  }
  if (id === "rss-20") return ratio === undefined ? undefined : against(ratio, 1.2, true);
  if (id === "dashboard-cpu-open") return { met: own.max <= 2, text: `max ${own.max.toFixed(2)} % of a core (goal ≤ 2 %)` };
  if (id.startsWith("cpu-") || id === "dashboard-cpu-closed")
    return { met: own.max < IDLE_CPU_LIMIT, text: `max ${own.max.toFixed(2)} % (≈ 0 means < ${IDLE_CPU_LIMIT} %)` };
  if (id === "orphans-ms") return { met: own.max <= 1000, text: `${Math.round(own.max)} ms in the worst trial` };
  if (id.startsWith("ondemand-first-") && !id.endsWith("-failed")) return ratio === undefined ? undefined : against(ratio, 1.05, true);
  if (id === "ondemand-burst-rps") {
    const fixed = cellSummary(metric.others?.["tsgi processes: 4"]);
    if (fixed === undefined) return undefined;
    const share = own.median / fixed.median;
    return { met: share >= 0.9, text: `${share.toFixed(2)} × processes: 4` };
  }
  if (id === "logs-rate") return { met: own.median >= 1_000_000, text: `${Math.round(own.median).toLocaleString("en-US")} lines/s` };
  if (id.endsWith("-failed") || id.endsWith("-refused") || id === "logs-lost") {
    return { met: own.max === 0, text: own.max === 0 ? "0 in every trial" : `${own.max} in the worst trial` };
  }
  return undefined;
}
