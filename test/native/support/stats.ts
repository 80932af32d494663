/**
 * Statistics for sampler tests. Standard errors rest on effective sample sizes: for an AR(1) chain with
 * lag-1 autocorrelation rho, N draws carry N (1 - rho) / (1 + rho) independent draws' worth of
 * information about the mean and N (1 - rho^2) / (1 + rho^2) about the variance (z^2 has
 * autocorrelation rho^2), docs/ARCHITECTURE.md §2.3.
 */

export function essMean(n: number, rho: number): number {
  return (n * (1 - rho)) / (1 + rho);
}

export function essVariance(n: number, rho: number): number {
  return (n * (1 - rho * rho)) / (1 + rho * rho);
}

/** Mean and (population) variance of values, in float64. */
export function moments(values: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  const mean = s / values.length;
  let q = 0;
  for (let i = 0; i < values.length; i++) q += (values[i] - mean) ** 2;
  return { mean, variance: q / values.length };
}

/** Lag-1 autocorrelation of series[t][c] pooled over columns c (one chain per column). */
export function lag1Autocorrelation(series: Float64Array[], transform: (x: number) => number = (x) => x): number {
  const cols = series[0].length;
  let num = 0;
  let den = 0;
  const mean = series.reduce((s, row) => s + row.reduce((a, x) => a + transform(x), 0), 0) / (series.length * cols);
  for (let t = 0; t < series.length; t++) {
    for (let c = 0; c < cols; c++) {
      const x = transform(series[t][c]) - mean;
      den += x * x;
      if (t + 1 < series.length) num += x * (transform(series[t + 1][c]) - mean);
    }
  }
  return num / den;
}

/** Inverse of a 2x2 matrix [a, b; c, d] as [a', b', c', d']. */
export function inverse2(m: readonly number[]): number[] {
  const det = m[0] * m[3] - m[1] * m[2];
  return [m[3] / det, -m[1] / det, -m[2] / det, m[0] / det];
}

export function matmul2(a: readonly number[], b: readonly number[]): number[] {
  return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]];
}

/** True when two typed arrays hold the same bytes (fast, unlike a deep equality on millions of elements). */
export function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
