/**
 * "Did you mean": the closest known word to a typo.
 *
 * Optimal-string-alignment distance (Levenshtein plus adjacent swaps, so `proecsses` is one
 * edit from `processes`), after folding case and `_`/`-` so `stop_signal` finds `stopSignal`.
 */

export function editDistance(a: string, b: string): number {
  // Three rows of the table are enough: the current one, the one above, and two above (a swap).
  // Every cell read was written before (the `?? Infinity` only satisfies the index type).
  let twoAbove: readonly number[] = [];
  let above: readonly number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((above[j] ?? Infinity) + 1, (row[j - 1] ?? Infinity) + 1, (above[j - 1] ?? Infinity) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (twoAbove[j - 2] ?? Infinity) + 1);
      row.push(best);
    }
    twoAbove = above;
    above = row;
  }
  return above[b.length] ?? 0;
}

function fold(word: string): string {
  return word.toLowerCase().replace(/[-_]/g, "");
}

/** The candidate closest to `word`, or undefined when none is close enough to be a typo. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const folded = fold(word);
  // Short words get one edit, longer ones up to three: `ready` must not suggest `restart`.
  const limit = Math.min(3, Math.max(1, Math.floor(folded.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(folded, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** "did you mean `command`?", or undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const match = suggest(word, candidates);
  return match === undefined ? undefined : `did you mean \`${match}\`?`;
}
