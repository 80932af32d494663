/** Float64 summaries of per-image numbers. */

/** Mean and standard error of the mean (sample sd with divisor n - 1, over sqrt(n); NaN for one value). */
export function meanAndStdErr(values: ArrayLike<number>): { mean: number; stdErr: number } {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return { mean, stdErr: n > 1 ? Math.sqrt(ss / (n - 1) / n) : NaN };
}
