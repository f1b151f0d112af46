/**
 * Durations for people, in the units `sites.yaml` takes (`250ms`, `30s`, `1m30s`, `1h`).
 *
 * `exact` (the default) gives a value back as it could be written in the file — `check`, config
 * errors and reasons that quote a setting use it, and it parses back to the same number.
 * `coarse` gives the two largest units of an elapsed time (`5m3s`, `2h5m`, `3d4h`), for uptimes.
 */
export type DurationPrecision = "exact" | "coarse";

export function formatDuration(ms: number, precision: DurationPrecision = "exact"): string {
  switch (precision) {
    case "exact":
      return exact(ms);
    case "coarse":
      return coarse(ms);
    default:
      throw new Error(`unknown precision ${JSON.stringify(precision satisfies never)}`);
  }
}

function exact(ms: number): string {
  if (ms === 0) return "0s";
  // Not a whole number of seconds: only milliseconds say it exactly.
  if (ms % 1000 !== 0) return `${ms}ms`;
  let seconds = ms / 1000;
  let out = "";
  for (const [unit, size] of [
    ["h", 3600],
    ["m", 60],
  ] as const) {
    if (seconds >= size) {
      out += `${Math.floor(seconds / size)}${unit}`;
      seconds %= size;
    }
  }
  return seconds > 0 ? `${out}${seconds}s` : out;
}

function coarse(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}
