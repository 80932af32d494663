/**
 * Moments of kept Langevin states in the eigenbasis of a Gaussian target, with two kinds of standard error:
 * - analytic, for the unadjusted chain on a Gaussian: in the eigenbasis of the precision A every coordinate
 *   u_m is an independent AR(1) with rho_m = 1 - eta lambda_m, so products u_p u_q have lag-l autocorrelation
 *   (rho_p rho_q)^l and N draws carry N (1 - rho_p rho_q) / (1 + rho_p rho_q) draws' worth of information
 *   (docs/ARCHITECTURE.md §2.3: N (1 - rho^2) / (1 + rho^2) for a variance);
 * - chain means (batch means with one batch per chain): the chains are independent, so the spread of the
 *   per-chain averages gives the standard error of their mean without any model of the autocorrelation
 *   (used for MALA, whose rejections make it not AR(1)).
 */

/** Per-chain time averages of u = Q'(z - m_b) and of u_p u_q, from kept states [B, S, K, d]. */
export interface ChainAverages {
  /** [n, d]: mean of u per chain. */
  mean: Float64Array;
  /** [n, d*d]: mean of u_p u_q per chain. */
  second: Float64Array;
  n: number;
  d: number;
}

export function chainAverages(kept: Float32Array, perChain: number, chainsPerDatapoint: number, d: number, means: Float64Array, vectors: Float64Array): ChainAverages {
  const n = kept.length / (perChain * d);
  const mean = new Float64Array(n * d);
  const second = new Float64Array(n * d * d);
  const dev = new Float64Array(d);
  const u = new Float64Array(d);
  for (let c = 0; c < n; c++) {
    const b = Math.floor(c / chainsPerDatapoint);
    for (let s = 0; s < perChain; s++) {
      const row = keptRow(c, s, perChain, chainsPerDatapoint) * d;
      for (let j = 0; j < d; j++) dev[j] = kept[row + j] - means[b * d + j];
      for (let m = 0; m < d; m++) {
        let v = 0;
        for (let j = 0; j < d; j++) v += vectors[j * d + m] * dev[j];
        u[m] = v;
      }
      for (let p = 0; p < d; p++) {
        mean[c * d + p] += u[p] / perChain;
        for (let q = 0; q < d; q++) second[(c * d + p) * d + q] += (u[p] * u[q]) / perChain;
      }
    }
  }
  return { mean, second, n, d };
}

/** The row of chain c = b*K + k at kept time s in the [B, S, K, d] layout of LangevinResult.kept. */
export function keptRow(c: number, s: number, perChain: number, chainsPerDatapoint: number): number {
  const b = Math.floor(c / chainsPerDatapoint);
  return (b * perChain + s) * chainsPerDatapoint + (c - b * chainsPerDatapoint);
}

/** Mean over chains of column `col` of a [n, width] table, and its standard error from the chains' spread. */
export function acrossChains(table: Float64Array, n: number, width: number, col: number): { value: number; se: number } {
  let s = 0;
  for (let c = 0; c < n; c++) s += table[c * width + col];
  const value = s / n;
  let q = 0;
  for (let c = 0; c < n; c++) q += (table[c * width + col] - value) ** 2;
  return { value, se: Math.sqrt(q / (n - 1) / n) };
}

/** Pooled mean over chains of column `col` (all chains have equally many draws). */
export function pooled(table: Float64Array, n: number, width: number, col: number): number {
  let s = 0;
  for (let c = 0; c < n; c++) s += table[c * width + col];
  return s / n;
}

/**
 * Analytic standard error of the mean of u_p u_q over `count` draws of an unadjusted chain on a Gaussian,
 * with u_m ~ AR(1)(rho_m) of stationary variance s_m (see the file comment; p = q: Var(u^2) = 2 s^2).
 */
export function ulaProductSe(s: Float64Array, rho: Float64Array, p: number, q: number, count: number): number {
  const r = rho[p] * rho[q];
  const variance = p === q ? 2 * s[p] * s[p] : s[p] * s[q];
  return Math.sqrt((variance * (1 + r)) / (count * (1 - r)));
}

/** Analytic standard error of the mean of u_p over `count` draws (ESS N (1 - rho) / (1 + rho)). */
export function ulaMeanSe(s: Float64Array, rho: Float64Array, p: number, count: number): number {
  return Math.sqrt((s[p] * (1 + rho[p])) / (count * (1 - rho[p])));
}
