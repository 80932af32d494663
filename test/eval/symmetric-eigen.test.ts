/**
 * The Jacobi eigen-decomposition and the PSD square root against float64 references: reconstruction,
 * orthogonality, analytic spectra, and (S^{1/2})^2 = S.
 */
import { describe, expect, it } from 'vitest';
import { multiply, PSD_TOLERANCE, sqrtPsd, symmetricEigen } from '../../lib/eval/symmetric-eigen.js';
import { expectLpcError } from '../support/expect-error.js';
import { frobenius, gram, maxAbsDiff, randomOrthogonal, randomSymmetric, reconstruct, transpose } from './support/matrices.js';

describe('symmetricEigen', () => {
  it('gives the analytic eigenvalues of 2 x 2 matrices, ascending', () => {
    for (const [a, b, c] of [
      [2, 1, 2],
      [1, 0, 3],
      [-4, 2.5, 7],
      [1e-6, 3, -1e6],
    ]) {
      const { values } = symmetricEigen(Float64Array.of(a, b, b, c), 2);
      const mid = (a + c) / 2;
      const radius = Math.hypot((a - c) / 2, b);
      // Jacobi's backward error is a few ulps of ||A||; 1e-14 relative to it leaves room for two rounding steps.
      const tol = 1e-14 * Math.max(Math.abs(a), Math.abs(b), Math.abs(c));
      expect(Math.abs(values[0] - (mid - radius))).toBeLessThanOrEqual(tol);
      expect(Math.abs(values[1] - (mid + radius))).toBeLessThanOrEqual(tol);
    }
  });

  it('reconstructs a random symmetric 40 x 40 matrix from orthonormal eigenvectors', () => {
    const n = 40;
    const a = randomSymmetric(n, 7);
    const { values, vectors, sweeps } = symmetricEigen(a, n);
    expect(sweeps).toBeLessThan(15);
    for (let i = 1; i < n; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
    // Backward error of Jacobi is O(n eps ||A||) = 40 * 2.2e-16 ~ 1e-14 relative; 1e-12 leaves two orders.
    expect(maxAbsDiff(reconstruct(values, vectors, n), a)).toBeLessThan(1e-12 * frobenius(a));
    const vtv = multiply(transpose(vectors, n), vectors, n);
    for (let i = 0; i < n; i++) vtv[i * n + i] -= 1;
    expect(frobenius(vtv)).toBeLessThan(1e-12);
  });

  it('recovers a prescribed spectrum from 1e-9 to 1e3 (including a zero eigenvalue) to absolute 1e-12 ||A||', () => {
    const n = 24;
    const lambda = Array.from({ length: n }, (_, i) => (i === 0 ? 0 : 10 ** (-9 + (12 * i) / (n - 1))));
    const q = randomOrthogonal(n, 3);
    const a = reconstruct(Float64Array.from(lambda), q, n);
    const { values } = symmetricEigen(a, n);
    // Eigenvalue perturbation is bounded by the backward error, ~n eps ||A|| (Weyl).
    for (let i = 0; i < n; i++) expect(Math.abs(values[i] - lambda[i])).toBeLessThan(1e-12 * 1e3);
  });

  it('handles a diagonal matrix and a 1 x 1 matrix without rotating', () => {
    expect(Array.from(symmetricEigen(Float64Array.of(3, 0, 0, 0, -1, 0, 0, 0, 2), 3).values)).toEqual([-1, 2, 3]);
    expect(Array.from(symmetricEigen(Float64Array.of(5), 1).values)).toEqual([5]);
  });

  it('rejects non-finite entries and wrong lengths with coded errors', () => {
    expectLpcError(() => symmetricEigen(Float64Array.of(1, NaN, NaN, 1), 2, 'S'), 'LPC_INVALID_ARGUMENT', 'S has a non-finite value NaN at row 0, column 1');
    expectLpcError(() => symmetricEigen(new Float64Array(5), 2), 'LPC_INVALID_ARGUMENT', 'a must be a Float64Array of 2 x 2 = 4 values');
    expectLpcError(() => symmetricEigen(new Float64Array(4), 0), 'LPC_INVALID_ARGUMENT', 'n must be a positive integer');
  });
});

describe('sqrtPsd', () => {
  it('squares back to a random SPD 50 x 50 matrix and is symmetric with non-negative eigenvalues', () => {
    const n = 50;
    const s = gram(n, 80, 11);
    const { sqrt, clamped } = sqrtPsd(s, n);
    expect(clamped).toBe(0);
    // The product of two ~n eps-accurate factors: ~2 n eps ||S|| = 2e-14 relative; 1e-12 leaves room.
    expect(maxAbsDiff(multiply(sqrt, sqrt, n), s)).toBeLessThan(1e-12 * frobenius(s));
    expect(maxAbsDiff(sqrt, transpose(sqrt, n))).toBe(0);
    expect(symmetricEigen(sqrt, n).values[0]).toBeGreaterThan(0);
  });

  it('squares back to a singular 128 x 128 covariance of rank 60, clamping rounding-level negative eigenvalues', () => {
    const n = 128;
    const s = gram(n, 60, 5);
    const { sqrt, eigenvalues, clamped } = sqrtPsd(s, n);
    // 68 eigenvalues are exactly zero in exact arithmetic; rounding makes some of them slightly negative.
    const largest = eigenvalues[n - 1];
    expect(eigenvalues.filter((x) => Math.abs(x) < 1e-12 * largest).length).toBe(n - 60);
    expect(clamped).toBe(eigenvalues.filter((x) => x < 0).length);
    expect(eigenvalues[0]).toBeGreaterThanOrEqual(-PSD_TOLERANCE * largest);
    // The zero eigenvalues' roots are up to sqrt(1e-13 ||S||) wrong; squared, that stays ~1e-13 ||S||.
    expect(maxAbsDiff(multiply(sqrt, sqrt, n), s)).toBeLessThan(1e-11 * frobenius(s));
  });

  it('gives the exact root of a diagonal matrix', () => {
    expect(Array.from(sqrtPsd(Float64Array.of(4, 0, 0, 9), 2).sqrt)).toEqual([2, 0, 0, 3]);
  });

  it('rejects a matrix with a clearly negative eigenvalue, naming it', () => {
    expectLpcError(() => sqrtPsd(Float64Array.of(1, 0, 0, -1e-3), 2, 'S1'), 'LPC_INVALID_ARGUMENT', 'S1 is not positive semidefinite');
  });
});
