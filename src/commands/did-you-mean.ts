// "did you mean --port?" for a misspelled flag, command, experiment or transport: the candidates a
// typo is closest to, by edit distance (a swap of two letters counts as one edit, as typing makes
// them), or the ones the word begins.

/** The candidates nearest `word`, nearest first; none when nothing is near enough to be a typo of it. */
export function closest(word: string, candidates: readonly string[]): string[] {
  const typed = word.toLowerCase();
  // One edit in a short word, one in four in a long one (message-boundary for message-boundaries).
  const near = Math.max(1, Math.floor(typed.length / 4));
  const scored = candidates.map((candidate) => ({
    candidate,
    distance:
      candidate.startsWith(typed) && typed.length >= 3 ? 0 : editDistance(typed, candidate.toLowerCase()),
  }));
  const best = Math.min(...scored.map((s) => s.distance));
  if (!(best <= near)) return [];
  return scored.filter((s) => s.distance === best).map((s) => s.candidate);
}

/** " — did you mean X?" (or "X or Y"), to end an error line with; "" when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[], show = (c: string) => c): string {
  const found = closest(word, candidates).slice(0, 3).map(show);
  return found.length === 0 ? "" : ` — did you mean ${found.join(" or ")}?`;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = value;
    }
  }
  return at(a.length, b.length);
}
