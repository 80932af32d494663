/**
 * MALA removes the discretisation bias of the unadjusted chain; preconditioning makes stiff targets
 * samplable at step sizes where the plain chain diverges.
 */
import { describe, expect, it } from 'vitest';
import { Chains } from '../../lib/index.js';
import { essVariance } from './support/stats.js';

/** Energy and gradient of E = sum_j lambda_j z_j^2 / 2 for every chain. */
function gaussian(z: Float32Array, lambdas: number[], energy: Float32Array, grad: Float32Array): void {
  const d = lambdas.length;
  energy.fill(0);
  for (let i = 0; i < z.length; i++) {
    const l = lambdas[i % d];
    grad[i] = l * z[i];
    energy[Math.floor(i / d)] += 0.5 * l * z[i] * z[i];
  }
}

describe('MALA', () => {
  it('reaches the variance 1/lambda within 4 standard errors where the unadjusted chain is off by more than 10', () => {
    const lambda = 1;
    const eta = 0.5; // unadjusted variance 2 / (2 - 0.5) = 1.33
    const n = 2000;
    const burn = 100;
    const keep = 500;
    const chains = new Chains({ n, d: 1, stepSize: eta, seed: 10 });
    chains.initPrior();
    const energy = new Float32Array(n);
    const grad = new Float32Array(n);
    gaussian(chains.z, [lambda], energy, grad);
    chains.setCurrent(energy, grad);
    const sq: Float64Array[] = [];
    for (let t = 0; t < burn + keep; t++) {
      const y = chains.propose();
      gaussian(y, [lambda], energy, grad);
      chains.accept(energy, grad);
      if (t >= burn) sq.push(Float64Array.from(chains.z, (v) => v * v));
    }
    const count = n * keep;
    const variance = sq.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0) / count;
    // MALA with rejections is not AR(1): take r, the measured lag-1 autocorrelation of z^2 (rho^2 for
    // an AR(1) chain), in N (1 - r) / (1 + r).
    let num = 0;
    let den = 0;
    for (let t = 0; t < keep; t++) {
      for (let c = 0; c < n; c++) {
        const x = sq[t][c] - variance;
        den += x * x;
        if (t + 1 < keep) num += x * (sq[t + 1][c] - variance);
      }
    }
    const r = num / den;
    const se = (1 / lambda) * Math.sqrt((2 * (1 + r)) / (count * (1 - r)));
    expect(Math.abs(variance - 1 / lambda)).toBeLessThan(4 * se);
    expect(chains.acceptanceRate()).toBeGreaterThan(0.5);
    chains.dispose();

    // The unadjusted chain with the same step size and sample size (rho = 1 - eta lambda).
    const ula = new Chains({ n, d: 1, stepSize: eta, seed: 10 });
    ula.initPrior();
    let sumSq = 0;
    for (let t = 0; t < burn + keep; t++) {
      gaussian(ula.z, [lambda], energy, grad);
      ula.step(grad);
      if (t >= burn) sumSq += ula.z.reduce((a, v) => a + v * v, 0);
    }
    const ulaVar = sumSq / count;
    const ulaSe = (2 / (lambda * (2 - eta * lambda))) * Math.sqrt(2 / essVariance(count, 1 - eta * lambda));
    expect(Math.abs(ulaVar - 1 / lambda)).toBeGreaterThan(10 * ulaSe);
    ula.dispose();
  });

  it('adapts per-chain step sizes toward the target acceptance during warm-up only', () => {
    const n = 400;
    const lambdas = [1, 4, 9, 16];
    const warmup = 300;
    const chains = new Chains({ n, d: 4, stepSize: 2, seed: 11, mala: { warmup, adapt: true, targetAccept: 0.57 } });
    chains.initPrior();
    const energy = new Float32Array(n);
    const grad = new Float32Array(n * 4);
    gaussian(chains.z, lambdas, energy, grad);
    chains.setCurrent(energy, grad);
    const mcmcStep = () => {
      gaussian(chains.propose(), lambdas, energy, grad);
      chains.accept(energy, grad);
    };
    for (let t = 0; t < warmup; t++) mcmcStep();
    const atWarmup = chains.stats();
    for (let t = 0; t < 400; t++) mcmcStep();
    const after = chains.stats();
    let accepted = 0;
    let proposed = 0;
    for (let c = 0; c < n; c++) {
      accepted += after.accepted[c] - atWarmup.accepted[c];
      proposed += after.proposed[c] - atWarmup.proposed[c];
    }
    // 400 chains x 400 proposals after warm-up: binomial noise is 0.002; the Robbins-Monro adaptation with
    // rate 0.05 leaves each chain within a few percent of the target, hence 0.05.
    expect(Math.abs(accepted / proposed - 0.57)).toBeLessThan(0.05);
    // Started at step size 2 (acceptance near 0 for lambda = 16) and adapted down; frozen after warm-up.
    expect(Math.max(...chains.effectiveStepSizes())).toBeLessThan(1);
    expect(after.stepScales).toEqual(atWarmup.stepScales);
    chains.dispose();
  });

  it('freezes step-size scales and the preconditioner after the warm-up', () => {
    const n = 64;
    const chains = new Chains({ n, d: 3, stepSize: 0.3, preconditioner: 'rmsprop', seed: 12, mala: { warmup: 20, adapt: true } });
    chains.initPrior();
    const energy = new Float32Array(n);
    const grad = new Float32Array(n * 3);
    gaussian(chains.z, [1, 2, 3], energy, grad);
    chains.setCurrent(energy, grad);
    const snapshot = () => ({ scales: chains.stats().stepScales, state: chains.getState() });
    let before = snapshot();
    for (let t = 0; t < 40; t++) {
      gaussian(chains.propose(), [1, 2, 3], energy, grad);
      chains.accept(energy, grad);
      const now = snapshot();
      if (t < 20) {
        expect(now.state.t[0]).toBe(t + 1); // one gradient folded per step during warm-up
      } else {
        expect(now.scales).toEqual(before.scales);
        expect(now.state.v).toEqual(before.state.v);
        expect(now.state.t[0]).toBe(20);
      }
      before = now;
    }
    expect(chains.stats().malaSteps).toBe(40);
    chains.dispose();
  });

  it('rejects proposals whose energy or gradient is not finite', () => {
    const n = 8;
    const chains = new Chains({ n, d: 2, stepSize: 0.1, seed: 13 });
    chains.initPrior();
    const energy = new Float32Array(n);
    const grad = new Float32Array(n * 2);
    gaussian(chains.z, [1, 1], energy, grad);
    chains.setCurrent(energy, grad);
    const before = Float32Array.from(chains.z);
    gaussian(chains.propose(), [1, 1], energy, grad);
    energy[2] = NaN;
    grad[2 * 5 + 1] = Infinity;
    chains.accept(energy, grad);
    const z = chains.z;
    for (const c of [2, 5]) expect([z[2 * c], z[2 * c + 1]]).toEqual([before[2 * c], before[2 * c + 1]]);
    expect(chains.stats().nonFiniteProposals).toBe(2);
    expect(chains.stats().proposed.every((p) => p === 1)).toBe(true);
    chains.dispose();
  });
});

describe('preconditioning on a stiff Gaussian (precisions 1 and 1e4)', () => {
  const lambdas = [1, 1e4];
  const eta = 1e-3; // eta * lambda_max = 10 > 2

  it('lets the plain chain diverge: every chain hits a non-finite gradient and restarts', () => {
    const n = 256;
    const chains = new Chains({ n, d: 2, stepSize: eta, seed: 14 });
    chains.initPrior();
    const energy = new Float32Array(n);
    const grad = new Float32Array(n * 2);
    // |1 - eta lambda| = 9 per step: float overflow after about 40 steps.
    for (let t = 0; t < 60; t++) {
      gaussian(chains.z, lambdas, energy, grad);
      chains.step(grad, { energy });
    }
    const stats = chains.stats();
    expect(stats.restarts.every((r) => r >= 1)).toBe(true);
    chains.dispose();
  });

  it('reaches both variances within 10% in 16000 steps with rmsprop', () => {
    // beta2 = 0.99995: the soft coordinate mixes over ~1000 steps, and a shorter second-moment window makes
    // G follow each chain's own |z| (pSGLD has no correction term for that), inflating its variance; with
    // this window the inflation measured about 5-7% (bench/gmax.mjs). The 10% tolerance is the issue's.
    const n = 4000;
    const chains = new Chains({ n, d: 2, stepSize: eta, preconditioner: 'rmsprop', beta2: 0.99995, seed: 15 });
    chains.initPrior();
    const grad = new Float32Array(n * 2);
    const sums = [0, 0];
    let count = 0;
    for (let t = 1; t <= 16000; t++) {
      const z = chains.z;
      for (let i = 0; i < 2 * n; i += 2) {
        grad[i] = z[i];
        grad[i + 1] = 1e4 * z[i + 1];
      }
      chains.step(grad);
      if (t > 10000 && t % 50 === 0) {
        const z2 = chains.z;
        for (let i = 0; i < 2 * n; i += 2) {
          sums[0] += z2[i] * z2[i];
          sums[1] += z2[i + 1] * z2[i + 1];
        }
        count += n;
      }
    }
    expect(chains.stats().totalRestarts).toBe(0);
    expect(Math.abs((sums[0] / count) * lambdas[0] - 1)).toBeLessThan(0.1);
    expect(Math.abs((sums[1] / count) * lambdas[1] - 1)).toBeLessThan(0.1);
    chains.dispose();
  });
});
