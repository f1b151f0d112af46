/** Medians with min–max over trials, and ratios to the bare floor. */

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { n: sorted.length, median, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}

/** `value / floor`, undefined when either is missing or the floor is 0. */
export function ratio(value: Summary | undefined, floor: Summary | undefined): number | undefined {
  if (value === undefined || floor === undefined || floor.median === 0) return undefined;
  return value.median / floor.median;
}
