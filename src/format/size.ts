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

/**
 * A measured size (`status`'s memory, always a whole number of KB) for reading, not for the file:
 * the largest unit, one decimal, none when it is `.0` (`42MB`, `41.9MB` rather than `42904KB`).
 */
export function formatSizeCoarse(bytes: number): string {
  for (const [unit, size] of UNITS) {
    if (bytes >= size) return `${String(Math.round((bytes / size) * 10) / 10)}${unit}`;
  }
  return `${Math.round(bytes)}B`;
}
