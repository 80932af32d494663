/**
 * Feature statistics and the Fréchet distance of Gaussians against closed forms: identical inputs,
 * symmetry, diagonal and 2 x 2 covariances, singular covariances, and sample estimates within their
 * standard errors.
 */
import { describe, expect, it } from 'vitest';
import { featureStatistics } from '../../lib/eval/feature-statistics.js';
import { frechetDistanceOfMoments, type GaussianMoments } from '../../lib/eval/frechet-distance.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { expectLpcError } from '../support/expect-error.js';
import { gram, matmul, randomOrthogonal, reconstruct, transpose } from './support/matrices.js';

const moments = (mean: number[], covariance: Float64Array): GaussianMoments => ({ mean: Float64Array.from(mean), covariance });
const diag = (values: number[]) => reconstruct(Float64Array.from(values), identity(values.length), values.length);
function identity(n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = 1;
  return a;
}

/** FD of 2 x 2 Gaussians in closed form: Tr sqrt(M) = sqrt(Tr M + 2 sqrt(det M)) for a 2 x 2 PSD M, with M = S1^{1/2} S2 S1^{1/2}. */
function closedForm2x2(m1: number[], s1: Float64Array, m2: number[], s2: Float64Array): number {
  const prod = matmul(s1, s2, 2);
  const det = (s: Float64Array) => s[0] * s[3] - s[1] * s[2];
  const traceRoot = Math.sqrt(prod[0] + prod[3] + 2 * Math.sqrt(det(s1) * det(s2)));
  return (m1[0] - m2[0]) ** 2 + (m1[1] - m2[1]) ** 2 + s1[0] + s1[3] + s2[0] + s2[3] - 2 * traceRoot;
}

describe('featureStatistics', () => {
  it('matches a plain float64 reference for the mean and the unbiased covariance', () => {
    const rng = new Mulberry32(2);
    const n = 300;
    const d = 5;
    const x = rng.normals(n * d, 3);
    const stats = featureStatistics(x, d);
    expect(stats.count).toBe(n);
    for (let a = 0; a < d; a++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += x[i * d + a];
      m /= n;
      // Summation order differs from the reference: a few ulps of the values' scale.
      expect(Math.abs(stats.mean[a] - m)).toBeLessThan(1e-13);
      for (let b = 0; b < d; b++) {
        let mb = 0;
        for (let i = 0; i < n; i++) mb += x[i * d + b];
        mb /= n;
        let c = 0;
        for (let i = 0; i < n; i++) c += (x[i * d + a] - m) * (x[i * d + b] - mb);
        expect(Math.abs(stats.covariance[a * d + b] - c / (n - 1))).toBeLessThan(1e-12);
      }
    }
  });

  it('keeps the covariance of features with a large common offset (two passes, no cancellation)', () => {
    const rng = new Mulberry32(4);
    const n = 1000;
    const u = Array.from({ length: n }, () => rng.normal());
    const offset = 1e8;
    const stats = featureStatistics(
      Float64Array.from(u, (v) => offset + v),
      1,
    );
    const mean = u.reduce((s, v) => s + v, 0) / n;
    const variance = u.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
    // Storing 1e8 + v rounds v to 1.5e-8 absolute, which moves the variance by ~3e-8 relative; the one-pass
    // formula would lose all digits here (1e16 * eps = 2 against a variance of 1).
    expect(Math.abs(stats.covariance[0] - variance) / variance).toBeLessThan(1e-7);
  });

  it('rejects ragged features, a single vector and non-finite values', () => {
    expectLpcError(() => featureStatistics(new Float32Array(7), 2), 'LPC_SHAPE_MISMATCH', 'not a whole number of vectors of length 2');
    expectLpcError(() => featureStatistics(new Float32Array(2), 2), 'LPC_INVALID_ARGUMENT', 'at least 2 feature vectors');
    expectLpcError(() => featureStatistics(Float32Array.of(0, 1, Infinity, 2), 2), 'LPC_INVALID_ARGUMENT', 'vector 1, coordinate 0');
  });
});

describe('frechetDistanceOfMoments', () => {
  it('is ~0 for identical Gaussians, including a singular covariance of dimension 128', () => {
    const rng = new Mulberry32(1);
    const mean = Array.from({ length: 128 }, () => rng.normal());
    const g = moments(mean, gram(128, 90, 3));
    const parts = frechetDistanceOfMoments(g, g);
    expect(parts.meanTerm).toBe(0);
    // Tr S1 + Tr S2 ~ 256 here; the trace of the root carries ~n eps relative error: 1e-10 absolute is ample.
    expect(parts.distance).toBeLessThan(1e-10);
  });

  it('is symmetric in its arguments for full, non-commuting covariances', () => {
    const a = moments(
      Array.from({ length: 30 }, (_, i) => i / 10),
      gram(30, 50, 5),
    );
    const b = moments(
      Array.from({ length: 30 }, (_, i) => Math.sin(i)),
      gram(30, 40, 6),
    );
    const ab = frechetDistanceOfMoments(a, b).distance;
    const ba = frechetDistanceOfMoments(b, a).distance;
    expect(ab).toBeGreaterThan(1);
    // Two different float64 computations of the same trace: agreement to ~1e-12 relative is rounding.
    expect(Math.abs(ab - ba) / ab).toBeLessThan(1e-10);
  });

  it('matches sum (mu1 - mu2)^2 + sum (sqrt(a) - sqrt(b))^2 for diagonal covariances', () => {
    const a = [0.5, 2, 1e-4, 9, 0];
    const b = [3, 2, 1, 0.25, 4];
    const m1 = [0, 1, -2, 0.5, 3];
    const m2 = [1, 1, 2, -0.5, 3];
    const expected = m1.reduce((s, m, i) => s + (m - m2[i]) ** 2, 0) + a.reduce((s, v, i) => s + (Math.sqrt(v) - Math.sqrt(b[i])) ** 2, 0);
    const parts = frechetDistanceOfMoments(moments(m1, diag(a)), moments(m2, diag(b)));
    // Diagonal inputs need no rotation: only a few roundings separate the two evaluations.
    expect(Math.abs(parts.distance - expected)).toBeLessThan(1e-12 * expected);
    expect(parts.meanTerm).toBeCloseTo(18, 12);
  });

  it('is unchanged when both Gaussians are rotated by the same orthogonal matrix (commuting covariances)', () => {
    const n = 16;
    const q = randomOrthogonal(n, 9);
    const a = Array.from({ length: n }, (_, i) => (i + 1) / 4);
    const b = Array.from({ length: n }, (_, i) => 4 / (i + 1));
    const expected = a.reduce((s, v, i) => s + (Math.sqrt(v) - Math.sqrt(b[i])) ** 2, 0);
    const parts = frechetDistanceOfMoments(moments(new Array(n).fill(0), reconstruct(Float64Array.from(a), q, n)), moments(new Array(n).fill(0), reconstruct(Float64Array.from(b), q, n)));
    // Rotated inputs carry ~n eps ||S|| = 1e-14 * 16 of rounding into each trace; 1e-10 relative is generous.
    expect(Math.abs(parts.distance - expected) / expected).toBeLessThan(1e-10);
  });

  it('matches the 2 x 2 closed form for non-commuting covariances', () => {
    const rot = (t: number) => Float64Array.of(Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t));
    const cov = (t: number, l1: number, l2: number) => matmul(matmul(rot(t), Float64Array.of(l1, 0, 0, l2), 2), transpose(rot(t), 2), 2);
    for (const [t1, t2] of [
      [0.3, 1.2],
      [0, Math.PI / 2 - 0.1],
      [1, 1.0001],
    ]) {
      const s1 = cov(t1, 4, 0.25);
      const s2 = cov(t2, 1, 0.01);
      const expected = closedForm2x2([0.5, -1], s1, [0, 0], s2);
      const got = frechetDistanceOfMoments(moments([0.5, -1], s1), moments([0, 0], s2)).distance;
      // sqrt(det M) loses relative accuracy ~eps / (smallest eigenvalue ratio) = 2e-16 / 2.5e-3: 1e-12 absolute.
      expect(Math.abs(got - expected)).toBeLessThan(1e-12);
    }
  });

  it('equals ||mu1 - mu2||^2 + Tr(S2) when the first covariance is zero', () => {
    const s2 = gram(6, 3, 2);
    let trace = 0;
    for (let i = 0; i < 6; i++) trace += s2[i * 6 + i];
    const parts = frechetDistanceOfMoments(moments([1, 0, 0, 0, 0, 0], new Float64Array(36)), moments([0, 0, 0, 0, 0, 0], s2));
    // S1^{1/2} = 0 exactly, so the inner matrix is exactly zero.
    expect(parts.distance).toBeCloseTo(1 + trace, 14);
  });

  it('estimated from samples, agrees with the closed form within 4 standard errors of 16 replicates', () => {
    // N(m1, S1) against N(m2, S2) in 2-D with non-commuting covariances, sampled as m + R diag(sqrt(l)) xi.
    const rng = new Mulberry32(12);
    const n = 4000;
    const replicates = 16;
    const rotations = [0.4, 1.3];
    const scales = [
      [2, 0.5],
      [1, 0.1],
    ];
    const means = [
      [0, 0],
      [0.7, -0.3],
    ];
    const covs = rotations.map((t, k) => {
      const r = Float64Array.of(Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t));
      return matmul(matmul(r, Float64Array.of(scales[k][0] ** 2, 0, 0, scales[k][1] ** 2), 2), transpose(r, 2), 2);
    });
    const expected = closedForm2x2(means[0], covs[0], means[1], covs[1]);
    const draws = (k: number) => {
      const x = new Float64Array(2 * n);
      const t = rotations[k];
      for (let i = 0; i < n; i++) {
        const u = scales[k][0] * rng.normal();
        const v = scales[k][1] * rng.normal();
        x[2 * i] = means[k][0] + Math.cos(t) * u - Math.sin(t) * v;
        x[2 * i + 1] = means[k][1] + Math.sin(t) * u + Math.cos(t) * v;
      }
      return featureStatistics(x, 2);
    };
    const estimates = Array.from({ length: replicates }, () => frechetDistanceOfMoments(draws(0), draws(1)).distance);
    const mean = estimates.reduce((s, v) => s + v, 0) / replicates;
    const sd = Math.sqrt(estimates.reduce((s, v) => s + (v - mean) ** 2, 0) / (replicates - 1));
    const se = sd / Math.sqrt(replicates);
    // The plug-in estimator is biased upwards by O(1/n): (Tr S1 + Tr S2) / n from the mean term alone.
    const bias = (covs[0][0] + covs[0][3] + covs[1][0] + covs[1][3]) / n;
    expect(Math.abs(mean - expected)).toBeLessThan(4 * se + bias);
    expect(se).toBeLessThan(0.02 * expected);
  });

  it('rejects mismatched dimensions, asymmetric and non-PSD covariances', () => {
    const a = moments([0, 0], diag([1, 1]));
    expectLpcError(() => frechetDistanceOfMoments(a, moments([0, 0, 0], diag([1, 1, 1]))), 'LPC_SHAPE_MISMATCH', 'dimensions 2 and 3');
    expectLpcError(() => frechetDistanceOfMoments(a, moments([0, 0], Float64Array.of(1, 0.5, 0, 1))), 'LPC_INVALID_ARGUMENT', 'second.covariance is not symmetric');
    expectLpcError(() => frechetDistanceOfMoments(moments([0, 0], diag([1, -0.5])), a), 'LPC_INVALID_ARGUMENT', 'the first covariance is not positive semidefinite');
    expectLpcError(() => frechetDistanceOfMoments(a, moments([0, 0], new Float64Array(3))), 'LPC_SHAPE_MISMATCH', 'second.covariance must be a Float64Array of 2 x 2');
  });
});
