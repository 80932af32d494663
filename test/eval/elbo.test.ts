import { describe, expect, it } from 'vitest';
import { elbo } from '../../lib/eval/elbo.js';
import { importanceSampledLogLikelihood } from '../../lib/eval/importance-sampling.js';
import { klToStandardNormal } from '../../lib/eval/proposal.js';
import { EncoderModel } from '../../lib/models/encoder-model.js';
import { Rng } from '../../lib/native/rng.js';
import { linearGaussianFixture } from './support/linear-gaussian.js';

describe('elbo on the linear-Gaussian model', () => {
  const fixture = linearGaussianFixture();
  const { lg } = fixture;

  it('matches the closed-form ELBO within 4 standard errors, below log p(x) unless q is the posterior', async () => {
    const B = 16;
    const S = 2000;
    const x = lg.data(B, 21);
    const logpx = lg.logMarginal(x, B);
    const rng = new Rng({ seed: 21 });
    for (const [shift, scale] of [
      [0, 1],
      [0.5, 1.3],
      [0, 0.6],
      [1, 3],
    ]) {
      const q = lg.posteriorProposal(x, B, shift, scale);
      const exact = lg.elbo(x, B, q);
      const result = await elbo(fixture.model, x, B, q, { samples: S, rng });
      for (let b = 0; b < B; b++) {
        // The mean of S draws has standard error sqrt(Var_q[log p(x|z)] / S), Var from the closed form.
        const se = Math.sqrt(exact.variance[b] / S);
        expect(Math.abs(result.elbo[b] - exact.elbo[b]), `shift ${shift} scale ${scale} image ${b}`).toBeLessThan(4 * se + 1e-5);
        if (shift === 0 && scale === 1) {
          // The posterior as q: ELBO = log p(x) exactly (closed forms agree to float64 rounding).
          expect(Math.abs(exact.elbo[b] - logpx[b])).toBeLessThan(1e-9);
        } else {
          // Otherwise the gap is KL(q || posterior) > 0: here at least 0.01 nats for every image.
          expect(exact.elbo[b]).toBeLessThan(logpx[b] - 0.01);
        }
      }
    }
  });

  it('uses the analytic KL and is at most the IWAE estimate on average', async () => {
    const B = 64;
    const x = lg.data(B, 22);
    const q = lg.posteriorProposal(x, B, 0.5, 1.3);
    const kl = klToStandardNormal(q, B, lg.d);
    const result = await elbo(fixture.model, x, B, q, { samples: 4, rng: new Rng({ seed: 22 }) });
    for (let b = 0; b < B; b++) {
      expect(result.kl[b]).toBe(kl[b]);
      expect(result.elbo[b]).toBeCloseTo(-result.expectedNll[b] - kl[b], 12);
    }
    const iw = await importanceSampledLogLikelihood(fixture.model, x, B, q, { samples: 256, rng: new Rng({ seed: 23 }) });
    let gap = 0;
    for (let b = 0; b < B; b++) gap += iw.logLikelihood[b] - result.elbo[b];
    // Expected gap KL(q || posterior) ~ 0.5 nats per image here; the noise of the mean over 64 images ~0.1.
    expect(gap / B).toBeGreaterThan(0);
  });

  it('reads q from an encoder: the exact-posterior encoder gives log p(x)', async () => {
    const B = 8;
    const x = lg.data(B, 23);
    const encoder = await EncoderModel.create(await lg.encoder(), { threads: 1 });
    const { mu, logSigma } = await encoder.forward(x, B);
    const q = { mean: mu, logSigma };
    const logpx = lg.logMarginal(x, B);
    const exact = lg.elbo(x, B, q);
    const result = await elbo(fixture.model, x, B, q, { samples: 4000, rng: new Rng({ seed: 24 }) });
    const iw = await importanceSampledLogLikelihood(fixture.model, x, B, q, { samples: 100, rng: new Rng({ seed: 25 }) });
    for (let b = 0; b < B; b++) {
      // The encoder holds the posterior in float32: its ELBO is log p(x) to ~1e-6 in closed form.
      expect(Math.abs(exact.elbo[b] - logpx[b])).toBeLessThan(1e-5);
      expect(Math.abs(result.elbo[b] - logpx[b])).toBeLessThan(4 * Math.sqrt(exact.variance[b] / 4000) + 1e-5);
      expect(Math.abs(iw.logLikelihood[b] - logpx[b])).toBeLessThan(1e-5);
    }
    await encoder.dispose();
  });
});
