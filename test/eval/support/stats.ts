/** Float64 summaries for the statistical assertions of the evaluation tests. */

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** The standard error of the mean: sample sd (divisor n - 1) over sqrt(n). */
export function standardError(values: ArrayLike<number>): number {
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] - m) ** 2;
  return Math.sqrt(s / (values.length - 1) / values.length);
}
