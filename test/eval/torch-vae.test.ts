/**
 * A VAE trained and exported by PyTorch (scripts/train-torch-vae-fixture.py), evaluated twice on the same 200
 * Fashion-MNIST test images binarised at x >= 128 (the first 200, which test/fixtures/fashion-mnist holds):
 * by PyTorch in float64 (test/eval/torch-vae/reference.json) and here, from the exported ONNX files. The two implementations share no code, so agreement checks the
 * Bernoulli energy of a Sigmoid decoder, the log-variance encoder, the ELBO and the IWAE estimator end to end.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { elbo } from '../../lib/eval/elbo.js';
import { importanceSampledLogLikelihood } from '../../lib/eval/importance-sampling.js';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { EncoderModel } from '../../lib/models/encoder-model.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { loadEncoder } from '../../lib/models/load-encoder.js';
import { Rng } from '../../lib/native/rng.js';
import { fashionMnistFixture } from '../support/fashion-mnist-fixture.js';
import { mean, standardError } from './support/stats.js';

const DIR = join(import.meta.dirname, 'torch-vae');
const ref = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as {
  images: number;
  binarizeThreshold: number;
  iwaeK: number;
  repeats: number;
  elbo: number[];
  logpMean: number[];
  logpStd: number[];
};

describe('a VAE trained in PyTorch, evaluated by the package and by PyTorch', () => {
  it('gives the ELBO and the IWAE-1000 estimate PyTorch computed, within their Monte Carlo error', async () => {
    const N = ref.images;
    // The first 200 test images, which the fixture holds.
    const test = fashionMnistFixture().test;
    const x = new Float32Array(N * 784);
    for (let i = 0; i < x.length; i++) x[i] = test.images[i]! >= ref.binarizeThreshold ? 1 : 0;
    const decoder = await loadDecoder(new Uint8Array(readFileSync(join(DIR, 'decoder.onnx'))));
    const encoder = await loadEncoder(new Uint8Array(readFileSync(join(DIR, 'encoder.onnx'))));
    expect([decoder.range, decoder.layout, encoder.scale]).toEqual(['01', 'nchw', 'logvar']);
    const model = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' }, threads: 1 });
    const enc = await EncoderModel.create(encoder, { threads: 1 });
    const { mu, logSigma } = await enc.forward(x, N);
    const q = { mean: mu, logSigma };
    const e = await elbo(model, x, N, q, { samples: 200, rng: new Rng({ seed: 5 }) });
    const iw = await importanceSampledLogLikelihood(model, x, N, q, { samples: ref.iwaeK, rng: new Rng({ seed: 6 }) });
    await enc.dispose();
    await model.dispose();

    // ELBO: PyTorch's uses 10,000 draws per image (its noise is negligible), ours 200, so the per-image
    // differences carry our noise alone; their mean must be within 4 of its standard errors, plus 0.02 nats
    // for float32 logits summed over 784 pixels.
    const dElbo = Array.from(e.elbo, (v, i) => v - ref.elbo[i]!);
    const seElbo = standardError(dElbo);
    // Measured: 0.050 nats with a standard error of 0.027 (reading log_var as log sigma instead: 10.4 nats).
    expect(Math.abs(mean(dElbo))).toBeLessThan(4 * seElbo + 0.02);

    // IWAE: the same estimator (K draws from the encoder's q) on both sides. PyTorch ran it `repeats` times
    // per image; its per-image standard deviation s_i gives Var(ours_i - mean of repeats_i) = s_i^2 (1 + 1/R).
    const R = ref.repeats;
    const dLogp = Array.from(iw.logLikelihood, (v, i) => v - ref.logpMean[i]!);
    const seLogp = Math.sqrt(ref.logpStd.reduce((s, sd) => s + sd * sd * (1 + 1 / R), 0)) / N;
    // Measured: 0.042 nats with a standard error of 0.095.
    expect(Math.abs(mean(dLogp))).toBeLessThan(4 * seLogp + 0.02);

    // The bound ordering both implementations must show, and the numbers' scale: about 132 nats per image.
    expect(mean(iw.logLikelihood)).toBeGreaterThan(mean(e.elbo));
    expect(mean(ref.logpMean)).toBeGreaterThan(-140);
  });
});
