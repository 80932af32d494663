import { describe, expect, it } from 'vitest';
import { importanceSampledLogLikelihood } from '../../lib/eval/importance-sampling.js';
import type { LikelihoodFunction } from '../../lib/eval/proposal-draws.js';
import { Rng } from '../../lib/native/rng.js';
import { LinearGaussian, linearGaussianFixture } from './support/linear-gaussian.js';
import { mean, standardError } from './support/stats.js';

describe('importanceSampledLogLikelihood on the linear-Gaussian model', () => {
  const fixture = linearGaussianFixture();
  const { lg } = fixture;

  it('is exact with zero variance when the proposal is the exact posterior', async () => {
    const B = 16;
    const x = lg.data(B);
    const exact = lg.logMarginal(x, B);
    const result = await importanceSampledLogLikelihood(fixture.model, x, B, lg.posteriorProposal(x, B), { samples: 500, rng: new Rng({ seed: 1 }) });
    for (let b = 0; b < B; b++) {
      // float32 energies of size ~20 round at ~1e-6 (measured max error 6e-7 at K = 1000).
      expect(Math.abs(result.logLikelihood[b] - exact[b])).toBeLessThan(1e-5);
      // All weights equal up to that rounding: ess / K = 1 / (1 + var(log w)) > 1 - 1e-9.
      expect(result.ess[b] / 500).toBeGreaterThan(1 - 1e-9);
      expect(result.stdErr[b]).toBeLessThan(1e-5);
    }
  });

  it('matches the exact log-likelihood within its standard error (k = 4)', async () => {
    // A proposal shifted by half a posterior sd and 1.3 times as wide: weights with finite variance.
    const B = 32;
    const K = 1000;
    const x = lg.data(B, 3);
    const exact = lg.logMarginal(x, B);
    const result = await importanceSampledLogLikelihood(fixture.model, x, B, lg.posteriorProposal(x, B, 0.5, 1.3), { samples: K, rng: new Rng({ seed: 2 }) });
    let sumVar = 0;
    for (let b = 0; b < B; b++) {
      const se = result.stdErr[b];
      expect(se).toBeGreaterThan(0);
      // Each image: within 4 delta-method standard errors (P(|N(0,1)| > 4) = 6e-5 per image).
      expect(Math.abs(result.logLikelihood[b] - exact[b])).toBeLessThan(4 * se);
      sumVar += se * se;
      expect(result.ess[b]).toBeGreaterThan(0.3 * K); // measured ~0.56 K for this proposal
    }
    // The mean over images: within 4 standard errors of the mean, sqrt(sum se_b^2) / B.
    const gap = mean(Array.from(result.logLikelihood, (l, b) => l - exact[b]));
    expect(Math.abs(gap)).toBeLessThan((4 * Math.sqrt(sumVar)) / B);
  });

  it('increases with K in expectation and stays below log p(x)', async () => {
    // A proposal 3 times as wide as the posterior; 1024 images, fresh draws at each K. Measured mean gains
    // 6.9, 1.6, 0.25 nats for K 1 -> 4 -> 16 -> 64, each 3.7 to 12 paired standard errors at 256 images.
    const B = 1024;
    const x = lg.data(B, 5);
    const exact = lg.logMarginal(x, B);
    const q = lg.posteriorProposal(x, B, 0, 3);
    const rng = new Rng({ seed: 3 });
    let previous: Float64Array | null = null;
    for (const K of [1, 4, 16, 64]) {
      const { logLikelihood } = await importanceSampledLogLikelihood(fixture.model, x, B, q, { samples: K, rng });
      const gap = Array.from(logLikelihood, (l, b) => l - exact[b]);
      // A lower bound in expectation: the mean gap is below 0 + 3 standard errors over images.
      expect(mean(gap)).toBeLessThan(3 * standardError(gap));
      if (previous !== null) {
        const prev = previous;
        const gain = Array.from(logLikelihood, (l, b) => l - prev[b]);
        // Each step's mean gain exceeds 3 standard errors of the paired differences.
        expect(mean(gain), `K = ${K}`).toBeGreaterThan(3 * standardError(gain));
      }
      previous = logLikelihood;
    }
  });

  it('gives the same estimate chunked and unchunked for the same draws at K = 5000, with bounded model calls', async () => {
    const B = 2;
    const K = 5000;
    const x = lg.data(B, 7);
    const q = lg.posteriorProposal(x, B, 0.5, 1.5);
    const calls: number[] = [];
    const spy: LikelihoodFunction = {
      latentDim: fixture.model.latentDim,
      dataSize: fixture.model.dataSize,
      negLogLikelihood: (xx, batch, z) => {
        calls.push(z.length / fixture.model.latentDim);
        return fixture.model.negLogLikelihood(xx, batch, z);
      },
    };
    const whole = await importanceSampledLogLikelihood(spy, x, B, q, { samples: K, chunkSize: K, rng: new Rng({ seed: 4 }) });
    expect(calls).toEqual([B * K]);
    calls.length = 0;
    const chunked = await importanceSampledLogLikelihood(spy, x, B, q, { samples: K, chunkSize: 256, rng: new Rng({ seed: 4 }) });
    // 19 full chunks of 256 samples and one of 136: no call sees more than B * 256 rows.
    expect(calls.length).toBe(20);
    expect(Math.max(...calls)).toBe(B * 256);
    expect(calls.reduce((a, c) => a + c, 0)).toBe(B * K);
    for (let b = 0; b < B; b++) {
      // Same draws; only the float64 combination of chunk sums differs (and float32 per-row energies,
      // which do not depend on the row count here): agreement to 1e-9 nats.
      expect(Math.abs(chunked.logLikelihood[b] - whole.logLikelihood[b])).toBeLessThan(1e-9);
      expect(Math.abs(chunked.ess[b] - whole.ess[b]) / K).toBeLessThan(1e-9);
    }
  });

  it('draws fresh samples on each call and repeats them from the same seed', async () => {
    const B = 4;
    const x = lg.data(B, 8);
    const q = lg.posteriorProposal(x, B, 0.5, 1.5);
    const rng = new Rng({ seed: 5 });
    const first = await importanceSampledLogLikelihood(fixture.model, x, B, q, { samples: 64, rng });
    const second = await importanceSampledLogLikelihood(fixture.model, x, B, q, { samples: 64, rng });
    const again = await importanceSampledLogLikelihood(fixture.model, x, B, q, { samples: 64, rng: new Rng({ seed: 5 }) });
    expect(Array.from(again.logLikelihood)).toEqual(Array.from(first.logLikelihood));
    for (let b = 0; b < B; b++) expect(second.logLikelihood[b]).not.toBe(first.logLikelihood[b]);
  });

  it('rejects proposals of the wrong size or with unusable scales, and NaN likelihoods, with coded errors', async () => {
    const B = 2;
    const x = lg.data(B, 9);
    const rng = new Rng({ seed: 7 });
    const q = lg.posteriorProposal(x, B);
    await expect(importanceSampledLogLikelihood(fixture.model, x, B, { mean: q.mean.subarray(1), logSigma: q.logSigma }, { samples: 4, rng })).rejects.toMatchObject({
      code: 'LPC_SHAPE_MISMATCH',
      message: expect.stringContaining('proposal.mean'),
    });
    const bad = q.logSigma.slice();
    bad[4] = Infinity;
    await expect(importanceSampledLogLikelihood(fixture.model, x, B, { mean: q.mean, logSigma: bad }, { samples: 4, rng })).rejects.toMatchObject({
      code: 'LPC_INVALID_ARGUMENT',
      message: expect.stringContaining('datapoint 1, latent 1'),
    });
    await expect(importanceSampledLogLikelihood(fixture.model, x, B, q, { samples: 0, rng })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining('samples') });
    await expect(importanceSampledLogLikelihood(fixture.model, x.subarray(1), B, q, { samples: 4, rng })).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    // @ts-expect-error: a missing generator is a coded error, not a TypeError from deep inside.
    await expect(importanceSampledLogLikelihood(fixture.model, x, B, q, { samples: 4 })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining('options.rng') });
    const nan: LikelihoodFunction = { latentDim: 3, dataSize: 16, negLogLikelihood: async (_x, _b, z) => new Float32Array(z.length / 3).fill(NaN) };
    await expect(importanceSampledLogLikelihood(nan, x, B, q, { samples: 4, rng })).rejects.toMatchObject({ code: 'LPC_DIVERGED' });
  });
});

describe('units', () => {
  it('includes every normalising constant: a one-pixel Gaussian model against the closed form', async () => {
    // x = w z + c + sigma eps with one pixel and one latent: p(x) = N(x; c, w^2 + sigma^2).
    const lg = new LinearGaussian(1, [1, 1, 1], 0.3, 11);
    const model = await lg.energyModel();
    const B = 8;
    const x = lg.data(B, 12);
    const w = lg.W[0];
    const c = lg.c[0];
    const variance = w * w + 0.3 * 0.3;
    const result = await importanceSampledLogLikelihood(model, x, B, lg.posteriorProposal(x, B), { samples: 16, rng: new Rng({ seed: 6 }) });
    for (let b = 0; b < B; b++) {
      const closed = -0.5 * Math.log(2 * Math.PI * variance) - (x[b] - c) ** 2 / (2 * variance);
      // A missing 0.5 log 2 pi (0.92 nats) or log sigma would show; float32 rounding is ~1e-7 here.
      expect(Math.abs(result.logLikelihood[b] - closed)).toBeLessThan(1e-5);
    }
    await model.dispose();
  });
});
