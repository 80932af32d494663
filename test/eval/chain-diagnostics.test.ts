/**
 * Split-R-hat and the multi-chain effective sample size against what they must give: a hand-computed float64
 * case, iid normal chains (R-hat ~ 1, ESS ~ the number of draws), AR(1) chains (ESS ~ n (1 - rho) / (1 + rho)),
 * chains around different means (R-hat far above 1.1), and the argument checks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { effectiveSampleSize, splitRhat } from '../../lib/eval/chain-diagnostics.js';
import { Rng } from '../../lib/native/rng.js';
import { expectLpcError } from '../support/expect-error.js';

const rng = new Rng({ seed: 20261207 });
afterAll(() => rng.dispose());

/** [chains, draws, dims] of AR(1) chains x_t = rho x_{t-1} + sqrt(1 - rho^2) e_t, started at stationarity (unit variance). */
function ar1Chains(chains: number, draws: number, dims: number, rho: number): Float64Array {
  const noise = rng.normal(chains * draws * dims);
  const out = new Float64Array(chains * draws * dims);
  const scale = Math.sqrt(1 - rho * rho);
  for (let c = 0; c < chains; c++) {
    for (let j = 0; j < dims; j++) {
      let x = noise[c * draws * dims + j];
      out[c * draws * dims + j] = x;
      for (let i = 1; i < draws; i++) {
        const k = (c * draws + i) * dims + j;
        x = rho * x + scale * noise[k];
        out[k] = x;
      }
    }
  }
  return out;
}

describe('splitRhat and effectiveSampleSize on a hand-computed case', () => {
  // Chains [1, 2, 3, 4] and [2, 1, 4, 3] split into [1, 2], [3, 4], [2, 1], [4, 3]: n = 2, m = 4 half-chains.
  // Means 1.5, 3.5, 1.5, 3.5 (grand mean 2.5); each variance 0.5, so W = 0.5; B / n = 4 * 1^2 / 3 = 4/3;
  // var+ = (1/2) 0.5 + 4/3 = 19/12, R-hat = sqrt(var+ / W) = sqrt(19/6).
  // Lag-1 autocovariance of every half-chain (divisor 2): (-0.5)(0.5) / 2 = -1/8; rho_1 = 1 - (1/2 + 1/8) / (19/12) = 23/38;
  // the only pair is 1 + 23/38 = 61/38 > 0, tau = -1 + 2 * 61/38 = 42/19, ESS = 8 / tau = 76/21.
  const dim0 = [
    [1, 2, 3, 4],
    [2, 1, 4, 3],
  ];
  // Dimension 1 is an affine map of dimension 0 (10 x - 7): both statistics are invariant under it.
  const draws = Float64Array.from(dim0.flatMap((chain) => chain.flatMap((x) => [x, 10 * x - 7])));

  it('gives sqrt(19/6) and 76/21 in every dimension, to float64 rounding', () => {
    const rhat = splitRhat(draws, 2, 4, 2);
    const ess = effectiveSampleSize(draws, 2, 4, 2);
    for (let j = 0; j < 2; j++) {
      // A few operations on numbers of order 10: 1e-14 relative is a few dozen ulps.
      expect(Math.abs(rhat[j] - Math.sqrt(19 / 6))).toBeLessThan(1e-14);
      expect(Math.abs(ess[j] - 76 / 21)).toBeLessThan(1e-13);
    }
  });

  it('reads Float32 draws the same (these values are exact in float32)', () => {
    expect(Array.from(splitRhat(Float32Array.from(draws), 2, 4, 2))).toEqual(Array.from(splitRhat(draws, 2, 4, 2)));
    expect(Array.from(effectiveSampleSize(Float32Array.from(draws), 2, 4, 2))).toEqual(Array.from(effectiveSampleSize(draws, 2, 4, 2)));
  });

  it('drops the middle draw of an odd chain', () => {
    // [1, 2, 99, 3, 4] and [2, 1, -50, 4, 3] split like the chains above once the middle draw is dropped.
    const odd = Float64Array.of(1, 2, 99, 3, 4, 2, 1, -50, 4, 3);
    expect(Math.abs(splitRhat(odd, 2, 5, 1)[0] - Math.sqrt(19 / 6))).toBeLessThan(1e-14);
    expect(Math.abs(effectiveSampleSize(odd, 2, 5, 1)[0] - 76 / 21)).toBeLessThan(1e-13);
  });

  it('gives Infinity when each half-chain is constant but they differ', () => {
    // Halves [1, 1], [2, 2], [1, 1], [2, 2]: W = 0 and B > 0.
    expect(splitRhat(Float64Array.of(1, 1, 2, 2, 1, 1, 2, 2), 2, 4, 1)[0]).toBe(Infinity);
  });

  it('gives NaN for a dimension whose draws are all equal, and leaves the other dimensions alone', () => {
    const withConstant = Float64Array.from(dim0.flatMap((chain) => chain.flatMap((x) => [x, 5])));
    expect(Number.isNaN(splitRhat(withConstant, 2, 4, 2)[1])).toBe(true);
    expect(Number.isNaN(effectiveSampleSize(withConstant, 2, 4, 2)[1])).toBe(true);
    expect(Math.abs(splitRhat(withConstant, 2, 4, 2)[0] - Math.sqrt(19 / 6))).toBeLessThan(1e-14);
  });
});

describe('splitRhat and effectiveSampleSize on simulated chains (seed 20261207)', () => {
  it('iid normal draws: R-hat within 0.01 of 1 and ESS within 10% of the number of draws', () => {
    const chains = 4;
    const n = 1000;
    const dims = 8;
    const draws = Float64Array.from(rng.normal(chains * n * dims));
    const rhat = splitRhat(draws, chains, n, dims);
    const ess = effectiveSampleSize(draws, chains, n, dims);
    for (let j = 0; j < dims; j++) {
      // R-hat^2 - 1 ~ (chi^2_{m-1} / (m - 1) - 1) / n for m = 8 half-chains of n = 500: R-hat - 1 has sd ~5e-4; 0.01 is ~20 sd.
      expect(Math.abs(rhat[j] - 1)).toBeLessThan(0.01);
      // Geyer's truncation sums a few noisy lags: the estimate's sd is ~4% of 4000; 10% is two and a half sd.
      expect(Math.abs(ess[j] / (chains * n) - 1)).toBeLessThan(0.1);
    }
  });

  it.each([0.5, 0.9])('AR(1) with rho = %s: ESS within 20%% of n (1 - rho) / (1 + rho), R-hat within 0.02 of 1', (rho) => {
    const chains = 4;
    const n = 5000;
    const dims = 6;
    const draws = ar1Chains(chains, n, dims, rho);
    const expected = (chains * n * (1 - rho)) / (1 + rho);
    const ess = effectiveSampleSize(draws, chains, n, dims);
    const rhat = splitRhat(draws, chains, n, dims);
    for (let j = 0; j < dims; j++) {
      // The ESS estimate's relative sd grows with tau (about 5% at rho = 0.5, 10% at rho = 0.9 for 20000 draws).
      expect(Math.abs(ess[j] / expected - 1)).toBeLessThan(0.2);
      expect(Math.abs(rhat[j] - 1)).toBeLessThan(0.02);
    }
  });

  it('chains around different means: R-hat far above 1.1 and an ESS far below the draws', () => {
    const chains = 4;
    const n = 500;
    const dims = 3;
    const draws = Float64Array.from(rng.normal(chains * n * dims));
    // Chain c is centred at c * shift[j]: shifts of 0.5, 1 and 3 sd.
    const shift = [0.5, 1, 3];
    for (let c = 0; c < chains; c++) for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) draws[(c * n + i) * dims + j] += c * shift[j];
    const rhat = splitRhat(draws, chains, n, dims);
    const ess = effectiveSampleSize(draws, chains, n, dims);
    // Means 0, s, 2s, 3s, each in two of the 8 half-chains: their variance (divisor 7) is 10/7 s^2, so
    // var+ / W ~ 1 + 1.43 s^2 and R-hat ~ 1.16, 1.56, 3.7; the bounds leave room for the sampling noise of W and B.
    expect(rhat[0]).toBeGreaterThan(1.1);
    expect(rhat[1]).toBeGreaterThan(1.4);
    expect(rhat[2]).toBeGreaterThan(3);
    for (let j = 0; j < dims; j++) expect(ess[j]).toBeLessThan(0.5 * chains * n);
    // A drift within each chain (first half against second, by 2 sd) is caught by the split: R-hat ~ sqrt(1 + 8/7) ~ 1.46.
    const drifting = Float64Array.from(rng.normal(chains * n));
    for (let c = 0; c < chains; c++) for (let i = n / 2; i < n; i++) drifting[c * n + i] += 2;
    expect(splitRhat(drifting, chains, n, 1)[0]).toBeGreaterThan(1.3);
  });
});

describe('chain diagnostics argument checks', () => {
  const ok = new Float64Array(2 * 4 * 3);

  it.each([
    ['splitRhat', splitRhat],
    ['effectiveSampleSize', effectiveSampleSize],
  ] as const)('%s refuses bad sizes, arrays and values with coded errors', (_name, fn) => {
    expectLpcError(() => fn(new Float64Array(4 * 3), 1, 4, 3), 'LPC_INVALID_ARGUMENT', 'chains must be an integer in [2,');
    expectLpcError(() => fn(new Float64Array(2 * 3 * 3), 2, 3, 3), 'LPC_INVALID_ARGUMENT', 'draws must be an integer in [4,');
    expectLpcError(() => fn(ok, 2.5, 4, 3), 'LPC_INVALID_ARGUMENT', 'chains must be');
    expectLpcError(() => fn(new Float64Array(0), 2, 4, 0), 'LPC_INVALID_ARGUMENT', 'dims must be a positive integer');
    expectLpcError(() => fn(ok, 2, 4, 2), 'LPC_SHAPE_MISMATCH', 'samples must be an array of length chains * draws * dims = 2 * 4 * 2 = 16; received Float64Array(24)');
    expectLpcError(() => fn(Array.from(ok) as unknown as Float64Array, 2, 4, 3), 'LPC_INVALID_ARGUMENT', 'samples must be a Float32Array or Float64Array');
    const bad = Float32Array.from(ok);
    bad[(1 * 4 + 2) * 3 + 1] = NaN;
    expectLpcError(() => fn(bad, 2, 4, 3), 'LPC_INVALID_ARGUMENT', 'samples[1, 2, 1] (chain, draw, dim of [2, 4, 3]) must be a finite number; received NaN');
    const infinite = new Float64Array(ok);
    infinite[0] = -Infinity;
    expectLpcError(() => fn(infinite, 2, 4, 3), 'LPC_INVALID_ARGUMENT', 'samples[0, 0, 0]');
  });
});
