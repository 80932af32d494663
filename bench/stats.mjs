// Summaries of repeated measurements shared by the benchmarks: the median (the upper one for an even count,
// an actual sample) and the range.

/** The median of `values` (for an even count, the upper of the two middle values). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** `{ median, min, max }` of `values`. */
export function spread(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
}
