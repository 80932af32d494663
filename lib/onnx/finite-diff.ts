/**
 * The numerics of the gradient check: central-difference stencils for a directional derivative, and an
 * estimate of the rounding noise of the function from the same evaluations.
 *
 * Along a direction v the check evaluates f_j = f(x + j h v) for j = -3..3 (f_0 is the base point).
 * - Derivative: the 6th-order central difference sum_j w_j (f_j - f_-j) / h, w = (3/4, -3/20, 1/60),
 *   whose truncation error is O(h^6); the 4th-order one (w = 2/3, -1/12) errs by O(h^4), so their
 *   difference bounds the 6th-order truncation with a wide margin (it is about the 4th-order error).
 * - Noise: ECnoise (More and Wild, "Estimating computational noise", SIAM J. Sci. Comput. 33, 2011): on
 *   equispaced points, the k-th differences of a smooth function shrink like h^k while those of independent
 *   rounding errors of standard deviation sigma keep the variance C(2k, k) sigma^2. So
 *   sigma_k^2 = mean((Delta^k f)^2) / C(2k, k) estimates sigma^2 once h^k f^(k) is below the noise; the
 *   orders 5 and 6 are used (at the check's steps a smooth network's 5th differences are ~h^5 f^(5), far
 *   below float32 rounding). The 7 points of each direction give three such differences; the check pools
 *   them over its directions.
 */

/** Multiples of the step h at which f is evaluated on each side. */
export const STENCIL = [1, 2, 3] as const;

/** Weights of (f_j - f_-j) / h in the 6th-order central difference, j = 1, 2, 3 (sum_j 2 j w_j = 1). */
export const WEIGHTS_6 = [3 / 4, -3 / 20, 1 / 60] as const;
/** Weights of the 4th-order central difference, j = 1, 2. */
export const WEIGHTS_4 = [2 / 3, -1 / 12] as const;

/** sqrt(2 sum_j w_j^2): the standard deviation of the 6th-order difference quotient per unit of noise / h. */
export const NOISE_GAIN_6 = Math.sqrt(2 * WEIGHTS_6.reduce((s, w) => s + w * w, 0));

/** Difference orders whose mean square estimates the noise. */
const NOISE_ORDERS = [5, 6] as const;

/** sum_j w_j (plus_j - minus_j) / h for the given weights (plus_j = f_j, minus_j = f_-j). */
export function centralDifference(weights: readonly number[], plus: readonly number[], minus: readonly number[], h: number): number {
  let s = 0;
  weights.forEach((w, j) => (s += w * (plus[j] - minus[j])));
  return s / h;
}

/** The k-th forward differences of `values`, k = 1..values.length - 1 (row k - 1 holds Delta^k). */
export function differenceTable(values: readonly number[]): number[][] {
  const rows: number[][] = [];
  let d = [...values];
  while (d.length > 1) {
    d = d.slice(1).map((v, i) => v - d[i]);
    rows.push(d);
  }
  return rows;
}

/** C(2k, k), the variance of Delta^k of independent unit-variance values. */
export function differenceVariance(k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (k + i)) / i;
  return c;
}

/**
 * The standard deviation of the rounding noise of f, from one or more runs of equispaced values
 * (each run f(x + j h v), j = -3..3 for the check): pooled mean square of the 5th and 6th differences,
 * each scaled by 1 / C(2k, k). Returns 0 when no run is long enough.
 *
 * @example
 * noiseLevel([[1, 1 + 1e-7, 1 - 1e-7, 1, 1 + 2e-7, 1, 1 - 1e-7]]); // ~1e-7
 */
export function noiseLevel(runs: readonly (readonly number[])[]): number {
  let sum = 0;
  let count = 0;
  for (const run of runs) {
    const table = differenceTable(run);
    for (const k of NOISE_ORDERS) {
      const row = table[k - 1];
      if (row === undefined) continue;
      const scale = differenceVariance(k);
      for (const d of row) sum += (d * d) / scale;
      count += row.length;
    }
  }
  return count === 0 ? 0 : Math.sqrt(sum / count);
}
