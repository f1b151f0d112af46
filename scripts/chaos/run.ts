/**
 * `npm run chaos [-- --seconds 60 --seed N --idle 15]`: the chaos run, bounded, with a report.
 */
import { parseArgs } from "node:util";
import { runChaos } from "../../kit/chaos.js";
import { formatSize } from "../../src/format/size.js";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "60" }, seed: { type: "string" }, idle: { type: "string", default: "15" } },
});
const report = await runChaos({
  seconds: Number(values.seconds),
  idleMs: Number(values.idle) * 1000,
  ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
  say: (line) => console.log(line),
});
const { load } = report;
console.log(
  `actions: ${Object.entries(report.actions)
    .map(([k, v]) => `${k} ×${v}`)
    .join(", ")}`,
);
for (const [site, r] of Object.entries(load))
  console.log(
    `${site}: ${r.sent} requests, ${r.failed} failed${r.failed > 0 ? ` (${[...new Set(r.errors)].slice(0, 3).join("; ")})` : ""}`,
  );
console.log(`failed share: ${(report.failedShare * 100).toFixed(3)} % (goal 0 for listen sites)`);
console.log(`every site running at the end: ${report.allRunning}`);
console.log(`processes outside the supervisor: ${report.stray.length === 0 ? "none" : report.stray.join(", ")}`);
console.log(
  `supervisor fds ${report.before.fds} → ${report.after.fds}, heap ${formatSize(report.before.heapUsedBytes)} → ${formatSize(report.after.heapUsedBytes)}, rss ${formatSize(report.before.rssBytes)} → ${formatSize(report.after.rssBytes)}`,
);
if (report.afterIdle !== undefined)
  console.log(
    `after ${values.idle} s quiet: heap ${formatSize(report.afterIdle.heapUsedBytes)}, rss ${formatSize(report.afterIdle.rssBytes)} (${(report.afterIdle.rssBytes / report.before.rssBytes).toFixed(2)} × before; peak ${formatSize(report.peakRssBytes)})`,
  );
process.exitCode = report.allRunning && report.stray.length === 0 ? 0 : 1;
