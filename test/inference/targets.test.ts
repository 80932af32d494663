/**
 * The analytic test target itself: its gradient passes central differences and equals A (z - m), the form
 * the closed-form posterior rests on.
 */
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../lib/eval/symmetric-eigen.js';
import { randomPpca } from './support/targets.js';

const d = 3;
const batch = 2;
const { energy, x } = randomPpca({ D: 6, d, sigma: 0.5, scale: 0.4, batch, seed: 1 });

describe('PPCA test target', () => {
  it('has a gradient that matches central differences of its energy', async () => {
    const z = Float32Array.from([0.3, -1.2, 0.8, 1.5, 0.1, -0.4]);
    const { gradZ } = await energy.evaluate(x, batch, z);
    const h = 1 / 64; // exact in float32; E is quadratic, so central differences have no truncation error
    for (let i = 0; i < z.length; i++) {
      const plus = Float32Array.from(z);
      const minus = Float32Array.from(z);
      plus[i] += h;
      minus[i] -= h;
      const c = Math.floor(i / d);
      const fd = ((await energy.evaluate(x, batch, plus)).energy[c] - (await energy.evaluate(x, batch, minus)).energy[c]) / (2 * h);
      // The energies are float32 values near 20, so each carries 1e-6 rounding; divided by 2h = 1/32: 1e-4.
      expect(Math.abs(fd - gradZ[i])).toBeLessThan(1e-3);
    }
  });

  it('has the gradient A (z - m_b) of a Gaussian with precision A and the closed-form mean m_b', async () => {
    const a = energy.precision();
    const m = energy.posteriorMeans(x);
    const z = Float32Array.from([0.3, -1.2, 0.8, 1.5, 0.1, -0.4]);
    const { gradZ } = await energy.evaluate(x, batch, z);
    for (let b = 0; b < batch; b++) {
      for (let p = 0; p < d; p++) {
        let g = 0;
        for (let q = 0; q < d; q++) g += a[p * d + q] * (z[b * d + q] - m[b * d + q]);
        expect(Math.abs(gradZ[b * d + p] - g)).toBeLessThan(1e-5); // float32 rounding of values of order 10
      }
    }
    const { values, vectors } = symmetricEigen(a, d);
    for (let p = 0; p < d; p++) {
      for (let q = 0; q < d; q++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += vectors[p * d + k] * values[k] * vectors[q * d + k];
        expect(Math.abs(s - a[p * d + q])).toBeLessThan(1e-12); // Jacobi converges to float64 precision
      }
    }
  });
});
