/**
 * The unadjusted sampler on analytic targets, against the exact stationary moments of the discretised
 * chain (docs/ARCHITECTURE.md §2.3): for E = lambda z^2 / 2 and G = 1 the chain is AR(1) with rho = 1 - eta lambda and
 * variance 2 / (lambda (2 - eta lambda)); for E = z'Az / 2 the covariance is 2 [A (2I - eta A)]^-1.
 * Gradients are computed here in JavaScript, as the inference layer will get them from ONNX graphs.
 */
import { describe, expect, it } from 'vitest';
import { Chains } from '../../lib/index.js';
import { essMean, essVariance, inverse2, matmul2 } from './support/stats.js';

/** Runs n chains on a diagonal Gaussian; returns per-dim mean and variance over kept steps. */
function runDiagonal(lambdas: number[], eta: number, n: number, burn: number, keep: number, seed: number) {
  const d = lambdas.length;
  const chains = new Chains({ n, d, stepSize: eta, seed });
  chains.initPrior();
  const grad = new Float32Array(n * d);
  const sum = new Float64Array(d);
  const sumSq = new Float64Array(d);
  for (let t = 0; t < burn + keep; t++) {
    const z = chains.z;
    for (let i = 0; i < n * d; i++) grad[i] = lambdas[i % d] * z[i];
    chains.step(grad);
    if (t >= burn) {
      const z2 = chains.z;
      for (let i = 0; i < n * d; i++) {
        sum[i % d] += z2[i];
        sumSq[i % d] += z2[i] * z2[i];
      }
    }
  }
  chains.dispose();
  const count = n * keep;
  return lambdas.map((_, j) => ({ mean: sum[j] / count, variance: sumSq[j] / count - (sum[j] / count) ** 2, count }));
}

describe('unadjusted Langevin on Gaussians', () => {
  it('matches the exact unadjusted mean and variance of a 1-D Gaussian within 4 standard errors', () => {
    const lambda = 2;
    const eta = 0.3; // eta lambda = 0.6: the unadjusted variance 0.714 is far from 1/lambda = 0.5
    const [r] = runDiagonal([lambda], eta, 1024, 60, 400, 1);
    const rho = 1 - eta * lambda;
    const exactVar = 2 / (lambda * (2 - eta * lambda));
    const seMean = Math.sqrt(exactVar / essMean(r.count, rho));
    const seVar = exactVar * Math.sqrt(2 / essVariance(r.count, rho));
    expect(Math.abs(r.mean)).toBeLessThan(4 * seMean);
    expect(Math.abs(r.variance - exactVar)).toBeLessThan(4 * seVar);
    // The same data rule out the target's own variance: the test sees the discretisation.
    expect(Math.abs(r.variance - 1 / lambda)).toBeGreaterThan(20 * seVar);
  });

  it('matches each dimension of a diagonal Gaussian within 4 standard errors', () => {
    const lambdas = [0.5, 1, 2, 4, 8, 16];
    const eta = 0.1; // eta lambda from 0.05 to 1.6, rho from 0.95 to -0.6
    const results = runDiagonal(lambdas, eta, 1024, 300, 600, 2);
    results.forEach((r, j) => {
      const rho = 1 - eta * lambdas[j];
      const exactVar = 2 / (lambdas[j] * (2 - eta * lambdas[j]));
      expect(Math.abs(r.mean)).toBeLessThan(4 * Math.sqrt(exactVar / essMean(r.count, rho)));
      expect(Math.abs(r.variance - exactVar)).toBeLessThan(4 * exactVar * Math.sqrt(2 / essVariance(r.count, rho)));
    });
  });

  it('matches the covariance 2[A(2I - eta A)]^-1 of a correlated 2-D Gaussian within 4 standard errors', () => {
    const A = [2, 0.8, 0.8, 1];
    const eta = 0.2;
    const n = 2048;
    const chains = new Chains({ n, d: 2, stepSize: eta, seed: 3 });
    chains.initPrior();
    const grad = new Float32Array(2 * n);
    const acc = [0, 0, 0, 0, 0]; // sum z1, z2, z1^2, z2^2, z1 z2
    const burn = 200;
    const keep = 600;
    for (let t = 0; t < burn + keep; t++) {
      const z = chains.z;
      for (let c = 0; c < n; c++) {
        grad[2 * c] = A[0] * z[2 * c] + A[1] * z[2 * c + 1];
        grad[2 * c + 1] = A[2] * z[2 * c] + A[3] * z[2 * c + 1];
      }
      chains.step(grad);
      if (t >= burn) {
        const z2 = chains.z;
        for (let c = 0; c < n; c++) {
          const a = z2[2 * c];
          const b = z2[2 * c + 1];
          acc[0] += a;
          acc[1] += b;
          acc[2] += a * a;
          acc[3] += b * b;
          acc[4] += a * b;
        }
      }
    }
    const count = n * keep;
    const m1 = acc[0] / count;
    const m2 = acc[1] / count;
    const cov = [acc[2] / count - m1 * m1, acc[4] / count - m1 * m2, acc[3] / count - m2 * m2];
    const twoIminusEtaA = [2 - eta * A[0], -eta * A[1], -eta * A[2], 2 - eta * A[3]];
    const exact = inverse2(matmul2(A, twoIminusEtaA)).map((v) => 2 * v);
    // The slowest mode of the VAR(1) chain (rho = 1 - eta lambda_min) bounds every component's
    // autocorrelation, so its effective sample size gives conservative standard errors.
    const tr = A[0] + A[3];
    const lambdaMin = tr / 2 - Math.sqrt((tr / 2) ** 2 - (A[0] * A[3] - A[1] * A[2]));
    const rho = 1 - eta * lambdaMin;
    const ess = essVariance(count, rho);
    const se11 = exact[0] * Math.sqrt(2 / ess);
    const se22 = exact[3] * Math.sqrt(2 / ess);
    const se12 = Math.sqrt((exact[0] * exact[3] + exact[1] ** 2) / ess);
    expect(Math.abs(cov[0] - exact[0])).toBeLessThan(4 * se11);
    expect(Math.abs(cov[2] - exact[3])).toBeLessThan(4 * se22);
    expect(Math.abs(cov[1] - exact[1])).toBeLessThan(4 * se12);
    expect(Math.abs(m1)).toBeLessThan(4 * Math.sqrt(exact[0] / essMean(count, rho)));
    expect(Math.abs(m2)).toBeLessThan(4 * Math.sqrt(exact[3] / essMean(count, rho)));
    chains.dispose();
  });

  it('spends the time of each mode weight in a two-mode mixture (one long chain)', () => {
    // p(z) = w N(-m, s^2) + (1 - w) N(m, s^2): the barrier is m^2 / (2 s^2) = 3.1 nats, so the chain
    // switches modes about every few hundred steps and one chain of 300k steps sees many switches.
    const w = 0.3;
    const m = 1.5;
    const s = 0.6;
    const eta = 0.05;
    const chains = new Chains({ n: 1, d: 1, stepSize: eta, seed: 4 });
    chains.initPrior();
    const grad = new Float32Array(1);
    const steps = 300_000;
    const batches = 50;
    const perBatch = steps / batches;
    const batchFractions: number[] = [];
    let left = 0;
    let switches = 0;
    let previousSide = 0;
    for (let t = 0; t < steps; t++) {
      const z = chains.z[0];
      const a = w * Math.exp(-((z + m) ** 2) / (2 * s * s));
      const b = (1 - w) * Math.exp(-((z - m) ** 2) / (2 * s * s));
      grad[0] = (a * (z + m) + b * (z - m)) / ((a + b) * s * s);
      chains.step(grad);
      const side = chains.z[0] < 0 ? -1 : 1;
      if (side < 0) left++;
      if (previousSide !== 0 && side !== previousSide) switches++;
      previousSide = side;
      if ((t + 1) % perBatch === 0) {
        batchFractions.push(left / perBatch);
        left = 0;
      }
    }
    const phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
    const expected = w * phi(m / s) + (1 - w) * phi(-m / s); // target mass below 0
    const mean = batchFractions.reduce((a, b) => a + b, 0) / batches;
    const se = Math.sqrt(batchFractions.reduce((a, f) => a + (f - mean) ** 2, 0) / (batches - 1) / batches);
    expect(switches).toBeGreaterThan(200); // enough mode switches for batch means to be meaningful
    expect(se).toBeLessThan(0.03);
    // Batch-means standard error; the unadjusted chain's O(eta) distortion of the mode masses is far
    // below it here (both modes have the same width, so their inflation cancels).
    expect(Math.abs(mean - expected)).toBeLessThan(4 * se);
    chains.dispose();
  });
});

/** erf to 1.5e-7 (Abramowitz-Stegun 7.1.26), enough for a probability compared at the 1e-2 level. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
