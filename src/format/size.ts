/**
 * Sizes for people, in the units `sites.yaml` takes (powers of 1024, written `KB`, `MB`, `GB`):
 * a whole number of a unit when it is one (`512MB`, parsed back to the same bytes), else one
 * decimal (`1.5KB`, `118.3MB`).
 */
const UNITS = [
  ["GB", 1024 ** 3],
  ["MB", 1024 ** 2],
  ["KB", 1024],
] as const;

export function formatSize(bytes: number): string {
  for (const [unit, size] of UNITS) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  for (const [unit, size] of UNITS) {
    if (bytes >= size) return `${(bytes / size).toFixed(1)}${unit}`;
  }
  return `${Math.round(bytes)}B`;
}
