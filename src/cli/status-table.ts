/**
 * The `status` table: one row per site, its processes' pids, and why a site is down.
 */
import type { SiteStatus } from "../control/protocol.js";
import { formatDuration } from "../format/duration.js";
import { formatSizeCoarse } from "../format/size.js";

export function renderStatusTable(sites: readonly SiteStatus[]): string {
  const routed = sites.some((site) => site.url !== undefined);
  const header = ["SITE", "STATE", "PIDS", "UPTIME", "RESTARTS", "MEMORY", "CPU", "ADDRESS", "SCALE", ...(routed ? ["URL"] : [])];
  const rows = sites.map((site) => [
    site.name,
    site.state,
    site.pids.join(",") || "-",
    site.uptimeMs === undefined ? "-" : formatDuration(site.uptimeMs, "coarse"),
    String(site.restarts),
    site.memoryBytes === undefined ? "-" : formatSizeCoarse(site.memoryBytes),
    site.cpuPercent === undefined ? "-" : `${site.cpuPercent}%`,
    site.address ?? "-",
    // `processes: {min, max, idle}`: how many now, and the bounds.
    site.scaling === undefined ? "-" : `${site.scaling.current} (${site.scaling.min}–${site.scaling.max})`,
    ...(routed ? [site.url ?? "-"] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const notes = sites.flatMap((site) => [
    ...(site.reason === undefined ? [] : [`${site.name}: ${site.reason}`]),
    ...(site.state === "idle" ? [`${site.name}: idle, ${idleNote(site.scaling?.sinceLastConnectionMs)}`] : []),
  ]);
  return `${[line(header), ...rows.map(line)].join("\n")}\n${notes.length > 0 ? `\n${notes.join("\n")}\n` : ""}`;
}

function idleNote(sinceLastConnectionMs: number | undefined): string {
  if (sinceLastConnectionMs === undefined) return "no connection yet; the first one starts it";
  return `last connection ${formatDuration(Math.max(0, sinceLastConnectionMs))} ago; the next one starts it`;
}
