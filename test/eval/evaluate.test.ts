import { describe, expect, it } from 'vitest';
import { createImageSet, type ImageSet } from '../../lib/data/image-set.js';
import { evaluateModel } from '../../lib/eval/evaluate.js';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { EncoderModel } from '../../lib/models/encoder-model.js';
import { mlpDecoder, mlpEncoder } from '../../lib/models/mlp.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { linearGaussianFixture } from './support/linear-gaussian.js';
import { mean } from './support/stats.js';

/** Small, fast Langevin settings for the linear-Gaussian posteriors (variances ~0.05, so eta * lambda ~ 0.2). */
const LANGEVIN = { steps: 200, stepSize: 0.01, chains: 4, keep: { burnIn: 100, thin: 5 } };

function setOf(values: Float32Array, shape: [number, number, number], range: [number, number] = [0, 1]): ImageSet<Float32Array> {
  return createImageSet({ name: 'test', count: values.length / (shape[0] * shape[1] * shape[2]), shape, images: values, labels: null, range });
}

describe('evaluateModel on the linear-Gaussian model', () => {
  const fixture = linearGaussianFixture();
  const { lg } = fixture;
  const N = 24;
  const x = lg.data(N, 41);
  const exactLogp = lg.logMarginal(x, N);

  it('with the exact-posterior encoder: the ELBO, both proposals, the reconstruction error and the units', async () => {
    const encoder = await EncoderModel.create(await lg.encoder(), { threads: 1 });
    const result = await evaluateModel(fixture.model, setOf(x, lg.imageShape), { encoder, iwaeSamples: 200, batchSize: 10, langevin: LANGEVIN, seed: 1 });
    expect(result.images).toBe(N);
    expect(result.nllK).toBe(200);
    expect(result.normalised).toBe(true);
    expect(result.proposals.map((p) => p.kind)).toEqual(['encoder', 'langevin-from-encoder']);
    const exactNll = -mean(exactLogp);
    const [fromEncoder, refined] = result.proposals;
    // The exact posterior: every weight equals p(x), so the encoder's estimate is exact to float rounding (~1e-6).
    expect(Math.abs(fromEncoder.nll - exactNll)).toBeLessThan(1e-5);
    expect(fromEncoder.essMin).toBeGreaterThan(200 * (1 - 1e-9));
    expect(fromEncoder.inflation).toBeNull();
    // The refined proposal is close: within 4 Monte Carlo standard errors of the exact mean.
    expect(Math.abs(refined.nll - exactNll)).toBeLessThan(4 * refined.mcStdErr);
    expect(refined.restarts).toBe(0);
    expect(result.nll).toBe(Math.min(fromEncoder.nll, refined.nll));
    expect(result.proposal).toBe(result.nll === fromEncoder.nll ? 'encoder' : 'langevin-from-encoder');
    // Over images, the standard error of the mean NLL is the spread of log p(x) itself.
    const spread = Math.sqrt(exactLogp.reduce((a, v) => a + (v + exactNll) ** 2, 0) / (N - 1) / N);
    expect(fromEncoder.nllStdErr).toBeCloseTo(spread, 4);

    // One-sample ELBO per image: its mean is within 4 standard errors (closed-form variances) of the exact ELBO,
    // which equals log p(x) here.
    const { mu, logSigma } = await encoder.forward(x, N);
    const closed = lg.elbo(x, N, { mean: mu, logSigma });
    const se = Math.sqrt(closed.variance.reduce((a, v) => a + v, 0)) / N;
    expect(Math.abs(result.negElbo! + mean(closed.elbo))).toBeLessThan(4 * se);
    expect(result.negElboStdErr).toBeGreaterThan(0);

    // Reconstruction error of the encoder mean, in float64: |x - (W mu + c)|^2 / D averaged over images.
    let mse = 0;
    for (let b = 0; b < N; b++) {
      for (let i = 0; i < lg.D; i++) {
        let m = lg.c[i];
        for (let j = 0; j < lg.d; j++) m += lg.W[i * lg.d + j] * mu[b * lg.d + j];
        mse += (x[b * lg.D + i] - m) ** 2 / lg.D / N;
      }
    }
    // float32 decoder means and squared errors: relative error ~1e-6.
    expect(Math.abs(result.reconMse - mse) / mse).toBeLessThan(1e-5);
    await encoder.dispose();
  });

  it('without an encoder: the Langevin proposal only, no ELBO, a close NLL', async () => {
    const result = await evaluateModel(fixture.model, setOf(x, lg.imageShape), { iwaeSamples: 500, batchSize: 12, langevin: LANGEVIN, seed: 2 });
    expect(result.negElbo).toBeNull();
    expect(result.negElboStdErr).toBeNull();
    expect(result.proposals.map((p) => p.kind)).toEqual(['langevin']);
    expect(result.proposal).toBe('langevin');
    const [langevin] = result.proposals;
    expect(langevin.inflation).toBeGreaterThan(0);
    expect(langevin.essMean).toBeGreaterThan(0.3 * 500); // measured 0.81 K at the default inflation 1.25
    // Within 4 Monte Carlo standard errors of the exact mean NLL (plus 1e-4 of float rounding).
    expect(Math.abs(result.nll + mean(exactLogp))).toBeLessThan(4 * langevin.mcStdErr + 1e-4);
    // The reconstruction from the fitted posterior mean: within 5% of the exact posterior mean's (measured 0.6%;
    // the fitted mean is off by a fraction of a posterior sd).
    const post = lg.posterior(x, N);
    let mse = 0;
    for (let b = 0; b < N; b++) {
      for (let i = 0; i < lg.D; i++) {
        let m = lg.c[i];
        for (let j = 0; j < lg.d; j++) m += lg.W[i * lg.d + j] * post.mean[b * lg.d + j];
        mse += (x[b * lg.D + i] - m) ** 2 / lg.D / N;
      }
    }
    expect(Math.abs(result.reconMse - mse) / mse).toBeLessThan(0.05);
  });

  it('repeats itself from the same seed', async () => {
    const set = setOf(x.subarray(0, 4 * lg.D), lg.imageShape);
    const a = await evaluateModel(fixture.model, set, { iwaeSamples: 50, langevin: LANGEVIN, seed: 3 });
    const b = await evaluateModel(fixture.model, set, { iwaeSamples: 50, langevin: LANGEVIN, seed: 3 });
    const c = await evaluateModel(fixture.model, set, { iwaeSamples: 50, langevin: LANGEVIN, seed: 4 });
    expect(b).toEqual(a);
    expect(c.nll).not.toBe(a.nll);
  });

  it('rejects mismatched encoders and images, optimal sigma, and an encoder-free model without Langevin', async () => {
    const set = setOf(x, lg.imageShape);
    const other = await EncoderModel.create(mlpEncoder({ latentDim: 5, imageShape: [1, 4, 4], hidden: [4], seed: 1 }), { threads: 1 });
    await expect(evaluateModel(fixture.model, set, { encoder: other })).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('options.encoder') });
    await other.dispose();
    await expect(evaluateModel(fixture.model, setOf(new Float32Array(9), [1, 3, 3]))).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('images') });
    await expect(evaluateModel(fixture.model, set, { langevin: false })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining('langevin') });
    await expect(evaluateModel(fixture.model, set, { iwaeSamples: 0 })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining('iwaeSamples') });
    const optimal = await EnergyModel.create(await lg.decoder(), { likelihood: { kind: 'gaussian', sigma: { mode: 'optimal' } }, threads: 1 });
    await expect(evaluateModel(optimal, set)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining('optimal sigma') });
    await optimal.dispose();
  });
});

describe('evaluateModel units with a Bernoulli decoder', () => {
  it('calls grey-valued data unnormalised and binary data normalised', async () => {
    const decoder = mlpDecoder({ latentDim: 2, imageShape: [1, 4, 4], hidden: [8], seed: 5 });
    const model = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' }, threads: 1 });
    const rng = new Mulberry32(6);
    const grey = rng.uniforms(6 * 16, 0, 1);
    const binary = grey.map((v) => (v < 0.5 ? 0 : 1));
    const options = { iwaeSamples: 20, langevin: { steps: 40, stepSize: 0.05, chains: 2, keep: { burnIn: 20, thin: 2 } }, seed: 7 };
    const g = await evaluateModel(model, setOf(grey, [1, 4, 4]), options);
    const b = await evaluateModel(model, setOf(binary, [1, 4, 4]), options);
    expect(g.normalised).toBe(false);
    expect(b.normalised).toBe(true);
    // Bytes on [0, 255] are mapped to [0, 1]: 0 and 255 are binary data.
    const bytes = createImageSet({ name: 'bytes', count: 6, shape: [1, 4, 4], images: Uint8Array.from(binary, (v) => v * 255), labels: null, range: [0, 255] });
    const fromBytes = await evaluateModel(model, bytes, options);
    expect(fromBytes).toEqual(b);
    await model.dispose();
  });
});
