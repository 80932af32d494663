import { describe, expect, it } from 'vitest';
import { importanceSampledLogLikelihood } from '../../lib/eval/importance-sampling.js';
import { DEFAULT_INFLATION, langevinProposal } from '../../lib/eval/langevin-proposal.js';
import { LangevinSampler } from '../../lib/inference/langevin-sampler.js';
import { Rng } from '../../lib/native/rng.js';
import { linearGaussianFixture } from './support/linear-gaussian.js';
import { mean } from './support/stats.js';

describe('langevinProposal', () => {
  const fixture = linearGaussianFixture();
  const { lg } = fixture;

  it('fits the posterior from the prior, and its inflated proposal estimates log p(x) closely', async () => {
    // Posterior variances here are ~0.05 (curvature ~20), so eta = 0.01 is a stable ULA step (eta * lambda ~ 0.2).
    const B = 16;
    const x = lg.data(B, 31);
    const exact = lg.logMarginal(x, B);
    const posterior = lg.posterior(x, B);
    const sampler = new LangevinSampler(fixture.model, { steps: 200, stepSize: 0.01, chains: 4, keep: { burnIn: 100, thin: 5 }, seed: 31 });
    const fitted = await langevinProposal(sampler, x);
    expect(fitted.inflation).toBe(DEFAULT_INFLATION);
    expect(fitted.fit.samplesPerDatapoint).toBe(80);
    for (let i = 0; i < B * lg.d; i++) {
      const sd = Math.sqrt(posterior.variance[i]);
      // 80 autocorrelated states (lag-5 correlation ~0.33): the mean is within 1 posterior sd, the variance within
      // a factor 2 (ULA at eta * lambda = 0.2 itself inflates it by ~1.1).
      expect(Math.abs(fitted.fit.mean[i] - posterior.mean[i])).toBeLessThan(sd);
      const ratio = fitted.fit.variance[i] / posterior.variance[i];
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2);
      expect(fitted.proposal.logSigma[i]).toBeCloseTo(0.5 * Math.log(fitted.fit.variance[i] * DEFAULT_INFLATION), 5);
    }
    const iw = await importanceSampledLogLikelihood(fixture.model, x, B, fitted.proposal, { samples: 1000, rng: new Rng({ seed: 32 }) });
    const gaps = Array.from(iw.logLikelihood, (l, b) => l - exact[b]);
    let sumVar = 0;
    for (let b = 0; b < B; b++) {
      expect(Number.isFinite(iw.logLikelihood[b])).toBe(true);
      // Each image within 4 of its delta-method standard errors and within 0.1 nats (measured: |gap| <= 0.04,
      // standard errors ~0.01 to 0.02, ESS ~60-90% of K for inflations 1 to 2).
      expect(Math.abs(gaps[b])).toBeLessThan(4 * iw.stdErr[b]);
      expect(Math.abs(gaps[b])).toBeLessThan(0.1);
      sumVar += iw.stdErr[b] ** 2;
    }
    // The mean over images within 4 standard errors of that mean (sqrt(sum se^2) / B ~ 0.005).
    expect(Math.abs(mean(gaps))).toBeLessThan((4 * Math.sqrt(sumVar)) / B);
  });

  it('refines an encoder: chains started from a poor encoder still give a close estimate', async () => {
    const B = 8;
    const x = lg.data(B, 33);
    const exact = lg.logMarginal(x, B);
    // An encoder 2 posterior sds off with half the width: a poor proposal on its own.
    const q = lg.posteriorProposal(x, B, 2, 0.5);
    const sampler = new LangevinSampler(fixture.model, { steps: 200, stepSize: 0.01, chains: 4, keep: { burnIn: 100, thin: 5 }, seed: 33 });
    const refined = await langevinProposal(sampler, x, { init: { mu: q.mean, logSigma: q.logSigma } });
    const poor = await importanceSampledLogLikelihood(fixture.model, x, B, q, { samples: 1000, rng: new Rng({ seed: 34 }) });
    const good = await importanceSampledLogLikelihood(fixture.model, x, B, refined.proposal, { samples: 1000, rng: new Rng({ seed: 34 }) });
    const poorGap = mean(Array.from(poor.logLikelihood, (l, b) => exact[b] - l));
    const goodGap = mean(Array.from(good.logLikelihood, (l, b) => exact[b] - l));
    // Measured: 3.4 nats below log p(x) with the poor encoder, 0.009 after refinement (Monte Carlo error ~0.006).
    expect(poorGap).toBeGreaterThan(1);
    expect(Math.abs(goodGap)).toBeLessThan(0.03);
  });

  it('needs a sampler that keeps states', async () => {
    const sampler = new LangevinSampler(fixture.model, { steps: 10, stepSize: 0.01, seed: 1 });
    await expect(langevinProposal(sampler, lg.data(1))).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining('keep') });
  });
});
