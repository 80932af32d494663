/**
 * The sampler on a probabilistic-PCA posterior, known in closed form: precision A = W'W / sigma^2 + I
 * (eigenvalues 2.22, 5.59, 7.32 for this model), mean A^-1 W'(x - b) / sigma^2.
 *
 * All comparisons are made in A's eigenbasis, u = Q'(z - m_b), where the target covariance is diagonal.
 */
import { describe, expect, it } from 'vitest';
import { LangevinSampler, posteriorMean, fitDiagonalGaussian } from '../../lib/inference/index.js';
import { symmetricEigen } from '../../lib/eval/symmetric-eigen.js';
import { randomPpca } from './support/targets.js';
import { acrossChains, chainAverages, pooled, ulaMeanSe, ulaProductSe } from './support/moments.js';

const d = 3;
const batch = 4;
const { energy, x } = randomPpca({ D: 6, d, sigma: 0.5, scale: 0.4, batch, seed: 1 });
const { values: lambda, vectors: Q } = symmetricEigen(energy.precision(), d);
const means = energy.posteriorMeans(x);
const lambdaMax = Math.max(...lambda);

describe('LangevinSampler on a linear-Gaussian (PPCA) posterior', () => {
  it('ULA at a small step: mean exact, covariance equal to the unadjusted stationary 2[A(2I - eta A)]^-1 within 4 SE', async () => {
    const eta = 0.02; // eta * lambda_max = 0.15: the unadjusted variance is at most 8% above 1/lambda
    const K = 250;
    const burnIn = 300; // (1 - eta lambda_min)^300 = 1.5e-6: the start from the prior is forgotten
    const S = 1000;
    const sampler = new LangevinSampler(energy, { steps: burnIn + S, stepSize: eta, chains: K, keep: { burnIn }, seed: 3 });
    const result = await sampler.run(x);
    expect(result.keptPerChain).toBe(S);
    expect(result.totalRestarts).toBe(0);
    expect(result.acceptRate).toBeNull();

    const avg = chainAverages(result.kept!, S, K, d, means, Q);
    const count = batch * K * S;
    const rho = lambda.map((l) => 1 - eta * l);
    const s = lambda.map((l) => 2 / (l * (2 - eta * l))); // exact unadjusted stationary variances
    for (let p = 0; p < d; p++) {
      // The unadjusted chain's stationary mean is exact on a Gaussian target.
      expect(Math.abs(pooled(avg.mean, avg.n, d, p))).toBeLessThan(4 * ulaMeanSe(s, rho, p, count));
      for (let q = 0; q < d; q++) {
        const target = p === q ? s[p] : 0;
        const got = pooled(avg.second, avg.n, d * d, p * d + q);
        // 4 SE from the analytic ESS of an AR(1) coordinate (docs/ARCHITECTURE.md §2.3), see support/moments.ts.
        const se = ulaProductSe(s, rho, p, q, count);
        expect(Math.abs(got - target), `u${p}u${q}`).toBeLessThan(4 * se);
        // The analytic SE agrees with the spread of the 1000 chains' averages (whose own relative error is
        // 1 / sqrt(2 * 1000) = 2%), hence 15%.
        expect(Math.abs(acrossChains(avg.second, avg.n, d * d, p * d + q).se / se - 1)).toBeLessThan(0.15);
      }
    }
    // The test is sharp enough to see the unadjusted bias even at this step: along the stiffest direction
    // the variance is 2 / (2 - 0.15) = 1.08 times 1/lambda (measured 21 SE away from 1/lambda).
    const top = lambda.indexOf(lambdaMax);
    const topVar = pooled(avg.second, avg.n, d * d, top * d + top);
    expect(Math.abs(topVar - 1 / lambdaMax)).toBeGreaterThan(10 * ulaProductSe(s, rho, top, top, count));

    // The posterior-mean helper recovers each datapoint's exact mean. Per coordinate j of datapoint b,
    // Var(mean z_j) = sum_m Q_jm^2 s_m (1 + rho_m) / (N_b (1 - rho_m)) with N_b = K*S draws.
    const zMean = posteriorMean(result.kept!, batch, d);
    const fit = fitDiagonalGaussian(result.kept!, batch, d);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < d; j++) {
        let v = 0;
        for (let m = 0; m < d; m++) v += (Q[j * d + m] ** 2 * s[m] * (1 + rho[m])) / (1 - rho[m]);
        const se = Math.sqrt(v / (K * S));
        expect(Math.abs(zMean[b * d + j] - means[b * d + j])).toBeLessThan(4 * se); // 4 SE, as above
        expect(fit.mean[b * d + j]).toBeCloseTo(zMean[b * d + j], 5);
        // The fitted variance is the marginal sum_m Q_jm^2 s_m; its SE by Isserlis over the AR(1) coordinates:
        // Var(mean z_j^2) = (2 / N_b) sum_{m,m'} a_m a_m' (1 + rho_m rho_m') / (1 - rho_m rho_m'), a_m = Q_jm^2 s_m.
        let marginal = 0;
        let w = 0;
        for (let m = 0; m < d; m++) {
          const am = Q[j * d + m] ** 2 * s[m];
          marginal += am;
          for (let m2 = 0; m2 < d; m2++) {
            const r = rho[m] * rho[m2];
            w += (am * Q[j * d + m2] ** 2 * s[m2] * (1 + r)) / (1 - r);
          }
        }
        expect(Math.abs(fit.variance[b * d + j] - marginal)).toBeLessThan(4 * Math.sqrt((2 * w) / (K * S)));
      }
    }
  });

  it('MALA at a large step matches the posterior within 4 SE where ULA at the same step is off by more than 20 SE', async () => {
    const eta = 0.14; // eta * lambda_max = 1.02: the unadjusted variance along that direction is 2.04 / lambda
    const K = 250;
    const burnIn = 100;
    const S = 500;
    const steps = burnIn + S;
    const common = { steps, stepSize: eta, chains: K, keep: { burnIn }, seed: 4 } as const;
    const mala = await new LangevinSampler(energy, { ...common, sampler: 'mala' }).run(x);
    const ula = await new LangevinSampler(energy, common).run(x);
    expect(mala.acceptRate).toBeGreaterThan(0.5);
    expect(mala.acceptRates!.length).toBe(batch * K);

    const truth = lambda.map((l) => 1 / l);
    const malaAvg = chainAverages(mala.kept!, S, K, d, means, Q);
    const ulaAvg = chainAverages(ula.kept!, S, K, d, means, Q);
    for (let p = 0; p < d; p++) {
      // Standard errors from the spread of 1000 independent chains' averages (batch means, one per chain).
      const m = acrossChains(malaAvg.mean, malaAvg.n, d, p);
      expect(Math.abs(m.value)).toBeLessThan(4 * m.se);
      for (let q = 0; q < d; q++) {
        const c = acrossChains(malaAvg.second, malaAvg.n, d * d, p * d + q);
        expect(Math.abs(c.value - (p === q ? truth[p] : 0)), `MALA u${p}u${q}`).toBeLessThan(4 * c.se);
      }
    }
    const top = lambda.indexOf(lambdaMax);
    const biased = acrossChains(ulaAvg.second, ulaAvg.n, d * d, top * d + top);
    expect(Math.abs(biased.value - truth[top])).toBeGreaterThan(20 * biased.se);
    // ...and the bias is the discretisation's, 2 / (lambda (2 - eta lambda)), not a defect: within 4 SE.
    expect(Math.abs(biased.value - 2 / (lambdaMax * (2 - eta * lambdaMax)))).toBeLessThan(4 * biased.se);
  });

  it('MALA warm-up adapts step sizes to 0.57 acceptance, then samples the posterior exactly with them frozen', async () => {
    const K = 100;
    const warmup = 200;
    const S = 400;
    const sampler = new LangevinSampler(energy, {
      steps: warmup + S,
      stepSize: 1, // acceptance near 0 at first: eta * lambda_max = 7.3
      chains: K,
      sampler: 'mala',
      mala: { warmup, adapt: true },
      keep: { burnIn: warmup },
      seed: 5,
    });
    const result = await sampler.run(x);
    // 400 chains x 400 proposals: binomial noise 0.001; each chain's adapted step leaves it a few percent
    // from the target (Robbins-Monro with rate 0.05), hence 0.05.
    expect(Math.abs(result.acceptRate! - 0.57)).toBeLessThan(0.05);
    expect(result.warmupAcceptRate!).toBeLessThan(result.acceptRate!);
    expect(Math.max(...result.stepSizes)).toBeLessThan(0.5);
    const avg = chainAverages(result.kept!, S, K, d, means, Q);
    for (let p = 0; p < d; p++) {
      for (let q = 0; q < d; q++) {
        const c = acrossChains(avg.second, avg.n, d * d, p * d + q);
        expect(Math.abs(c.value - (p === q ? 1 / lambda[p] : 0)), `u${p}u${q}`).toBeLessThan(4 * c.se); // 4 SE, chain means
      }
    }
  });
});
