/**
 * Where chains start: the prior N(0, I), or an encoder's Gaussian, z0[b*K + k] = mu[b] + sigma[b] * eps.
 * The first evaluation sees the initial states, so a recording energy function observes them.
 */
import { describe, expect, it } from 'vitest';
import { LangevinSampler } from '../../lib/inference/index.js';
import { randomPpca } from './support/targets.js';
import { RecordingEnergy } from './support/wrappers.js';
import { expectLpcErrorAsync } from '../support/expect-error.js';

const d = 3;
const batch = 2;
const { energy, x } = randomPpca({ D: 6, d, sigma: 0.5, scale: 0.4, batch, seed: 1 });
const K = 4000;

/** Mean and variance of latent j over the K initial chains of datapoint b. */
function initialMoments(z: Float32Array, b: number, j: number): { mean: number; variance: number } {
  let mean = 0;
  for (let k = 0; k < K; k++) mean += z[(b * K + k) * d + j] / K;
  let variance = 0;
  for (let k = 0; k < K; k++) variance += (z[(b * K + k) * d + j] - mean) ** 2 / (K - 1);
  return { mean, variance };
}

/** Checks every (datapoint, latent) against N(mu, sigma^2): 4 SE, with SE sigma / sqrt(K) for the mean and
 * sigma^2 sqrt(2 / (K - 1)) for the variance of K independent normals. */
function expectMoments(z: Float32Array, mu: number[], sigma: number[]): void {
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < d; j++) {
      const i = b * d + j;
      const got = initialMoments(z, b, j);
      expect(Math.abs(got.mean - mu[i]), `mean of datapoint ${b}, latent ${j}`).toBeLessThan((4 * sigma[i]) / Math.sqrt(K));
      expect(Math.abs(got.variance - sigma[i] ** 2), `variance of datapoint ${b}, latent ${j}`).toBeLessThan(4 * sigma[i] ** 2 * Math.sqrt(2 / (K - 1)));
    }
  }
}

describe('chain initialisation', () => {
  const mu = [1, -2, 0.5, 3, 0, -1];
  const logSigma = [0, -1, 0.5, Math.log(0.2), 0, -0.5];

  it('starts from mu + sigma * eps of the encoder, per datapoint', async () => {
    const recorder = new RecordingEnergy(energy);
    await new LangevinSampler(recorder, { steps: 1, stepSize: 0.01, chains: K, seed: 1 }).run(x, {
      mu: Float32Array.from(mu),
      logSigma: Float32Array.from(logSigma),
    });
    expectMoments(recorder.states[0], mu, logSigma.map(Math.exp));
  });

  it('reads log sigma^2 with logVariance', async () => {
    const recorder = new RecordingEnergy(energy);
    const logVar = logSigma.map((l) => 2 * l);
    await new LangevinSampler(recorder, { steps: 1, stepSize: 0.01, chains: K, seed: 2 }).run(x, {
      mu: Float32Array.from(mu),
      logSigma: Float32Array.from(logVar),
      logVariance: true,
    });
    expectMoments(recorder.states[0], mu, logSigma.map(Math.exp));
  });

  it('starts from the prior N(0, I) without an encoder', async () => {
    const recorder = new RecordingEnergy(energy);
    await new LangevinSampler(recorder, { steps: 1, stepSize: 0.01, chains: K, seed: 3 }).run(x);
    expectMoments(recorder.states[0], new Array(batch * d).fill(0), new Array(batch * d).fill(1));
  });

  it('MALA evaluates the initial states first', async () => {
    const recorder = new RecordingEnergy(energy);
    await new LangevinSampler(recorder, { steps: 1, stepSize: 0.01, chains: K, seed: 4, sampler: 'mala' }).run(x, {
      mu: Float32Array.from(mu),
      logSigma: Float32Array.from(logSigma),
    });
    expect(recorder.states.length).toBe(2); // initial states + one proposal
    expectMoments(recorder.states[0], mu, logSigma.map(Math.exp));
  });

  it('rejects encoder outputs of the wrong length or with non-finite values, naming them', async () => {
    const sampler = new LangevinSampler(energy, { steps: 1, stepSize: 0.01, chains: 2 });
    const good = new Float32Array(batch * d);
    await expectLpcErrorAsync(() => sampler.run(x, { mu: new Float32Array(d), logSigma: good }), 'LPC_SHAPE_MISMATCH', 'init.mu');
    await expectLpcErrorAsync(() => sampler.run(x, { mu: good, logSigma: new Float32Array(7) }), 'LPC_SHAPE_MISMATCH', 'init.logSigma');
    const nan = Float32Array.from(good);
    nan[4] = NaN;
    await expectLpcErrorAsync(() => sampler.run(x, { mu: nan, logSigma: good }), 'LPC_INVALID_ARGUMENT', 'datapoint 1, latent 1');
    const huge = Float32Array.from(good).fill(200); // exp(200) overflows float32
    await expectLpcErrorAsync(() => sampler.run(x, { mu: good, logSigma: huge }), 'LPC_INVALID_ARGUMENT', 'init.logSigma');
  });
});
