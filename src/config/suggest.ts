/**
 * "Did you mean": the closest known word to a typo.
 *
 * Optimal-string-alignment distance (Levenshtein plus adjacent swaps, so `proecsses` is one
 * edit from `processes`), after folding case and `_`/`-` so `stop_signal` finds `stopSignal`.
 */

export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      const above = d[i - 1]!;
      let best = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      row[j] = best;
    }
  }
  return d[rows - 1]![cols - 1]!;
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
