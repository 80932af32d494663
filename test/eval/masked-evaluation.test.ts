/**
 * Evaluation with a mask: the importance-sampled NLL is that of the observed pixels, log p(x_obs), which the
 * linear-Gaussian model gives in closed form (test/eval/support/linear-gaussian.ts); hidden pixels are never read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageSet, type ImageSet } from '../../lib/data/image-set.js';
import { evaluateModel } from '../../lib/eval/evaluate.js';
import type { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { EncoderModel } from '../../lib/models/encoder-model.js';
import { LinearGaussian } from './support/linear-gaussian.js';
import { mean } from './support/stats.js';

/** The Langevin settings of evaluate.test.ts (posterior variances ~0.05, eta * lambda ~ 0.2). */
const LANGEVIN = { steps: 200, stepSize: 0.01, chains: 4, keep: { burnIn: 100, thin: 5 } };

const setOf = (values: Float32Array, shape: [number, number, number]): ImageSet<Float32Array> =>
  createImageSet({ name: 'test', count: values.length / (shape[0] * shape[1] * shape[2]), shape, images: values, labels: null, range: [0, 1] });

/** A 4x4 mask observing the columns `from` to `to` - 1. */
function columns(from: number, to: number): Uint8Array {
  return Uint8Array.from({ length: 16 }, (_, i) => (i % 4 >= from && i % 4 < to ? 1 : 0));
}

describe('evaluateModel with a mask', () => {
  const lg = new LinearGaussian(3, [1, 4, 4], 0.5);
  const N = 24;
  const x = lg.data(N, 43);
  let masked: EnergyModel;
  let plain: EnergyModel;
  beforeAll(async () => {
    masked = await lg.energyModel(true);
    plain = await lg.energyModel();
  });
  afterAll(async () => {
    await masked?.dispose();
    await plain?.dispose();
  });

  it('scores log p(x_obs) of the observed pixels, one mask for all images, and never reads the hidden ones', async () => {
    const mask = columns(0, 2);
    const result = await evaluateModel(masked, setOf(x, lg.imageShape), { mask, iwaeSamples: 500, batchSize: 12, langevin: LANGEVIN, seed: 3 });
    expect(result.observedPixels).toBe(8);
    expect(result.negElbo).toBeNull();
    expect(result.proposal).toBe('langevin');
    const exact = -mean(lg.logMarginal(x, N, mask));
    // Within 4 Monte Carlo standard errors of the exact mean NLL of the observed pixels (plus 1e-4 of rounding).
    expect(Math.abs(result.nll - exact)).toBeLessThan(4 * result.proposals[0].mcStdErr + 1e-4);
    // Far from the NLL of all pixels: the check above is not passed by the unmasked number.
    expect(Math.abs(-mean(lg.logMarginal(x, N)) - exact)).toBeGreaterThan(100 * result.proposals[0].mcStdErr);
    expect(result.reconMse).toBeGreaterThan(0);

    // Junk in the hidden pixels changes nothing, bit for bit.
    const junk = x.map((v, i) => (mask[i % 16] === 0 ? 1e6 : v));
    const again = await evaluateModel(masked, setOf(junk, lg.imageShape), { mask, iwaeSamples: 500, batchSize: 12, langevin: LANGEVIN, seed: 3 });
    expect(again.nll).toBe(result.nll);
    expect(again.reconMse).toBe(result.reconMse);
  });

  it('takes one mask per image', async () => {
    const left = columns(0, 2);
    const right = columns(1, 4);
    const mask = new Uint8Array(N * 16);
    for (let n = 0; n < N; n++) mask.set(n % 2 === 0 ? left : right, n * 16);
    const result = await evaluateModel(masked, setOf(x, lg.imageShape), { mask, iwaeSamples: 500, batchSize: 12, langevin: LANGEVIN, seed: 4 });
    expect(result.observedPixels).toBe((8 + 12) / 2);
    const even = lg.logMarginal(x, N, left).filter((_, n) => n % 2 === 0);
    const odd = lg.logMarginal(x, N, right).filter((_, n) => n % 2 === 1);
    const exact = -mean([...even, ...odd]);
    expect(Math.abs(result.nll - exact)).toBeLessThan(4 * result.proposals[0].mcStdErr + 1e-4);
  });

  it('an all-observed mask scores what the unmasked model scores', async () => {
    const options = { iwaeSamples: 300, batchSize: 12, langevin: LANGEVIN, seed: 5 };
    const all = await evaluateModel(masked, setOf(x, lg.imageShape), { ...options, mask: new Uint8Array(16).fill(1) });
    const none = await evaluateModel(plain, setOf(x, lg.imageShape), options);
    expect(all.observedPixels).toBe(16);
    expect(none.observedPixels).toBeNull();
    // The two graphs round differently (the masked one multiplies by the mask), so the chains part within
    // float32 noise; both estimate the same number to Monte Carlo error.
    expect(Math.abs(all.nll - none.nll)).toBeLessThan(4 * Math.hypot(all.proposals[0].mcStdErr, none.proposals[0].mcStdErr) + 1e-4);
    expect(Math.abs(all.reconMse - none.reconMse) / none.reconMse).toBeLessThan(0.05);
  });

  it('refuses masks of the wrong size, unmasked models and encoders', async () => {
    const set = setOf(x, lg.imageShape);
    await expect(evaluateModel(masked, set, { mask: new Uint8Array(15).fill(1) })).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    await expect(evaluateModel(plain, set, { mask: columns(0, 2) })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    const encoder = await EncoderModel.create(await lg.encoder(), { threads: 1 });
    try {
      await expect(evaluateModel(masked, set, { mask: columns(0, 2), encoder })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining('hidden') });
    } finally {
      await encoder.dispose();
    }
  });
});
