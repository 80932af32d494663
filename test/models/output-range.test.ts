/**
 * Decoders without a final Sigmoid or Tanh: a forced range ('01', '11') makes the output the mean for the
 * Gaussian likelihoods, 'logits' makes it Bernoulli logits, and Bernoulli on a plain mean is refused.
 */
import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { DecoderMeans } from '../../lib/models/decoder-means.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { batch, expectClose, expectGradientsMatchFloat32 } from '../likelihoods/support.js';

const TORCH_DECODER = new URL('./fixtures/spatial-decoder.onnx', import.meta.url).pathname;

describe('decoder output ranges', () => {
  it('refuses a plain output without a forced range, naming the choices', async () => {
    await expect(loadDecoder(TORCH_DECODER, { imageShape: [1, 8, 8] })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining("'logits'") });
  });

  it('refuses Bernoulli on a plain [0, 1] mean, naming range logits and the Gaussian likelihood', async () => {
    const decoder = await loadDecoder(TORCH_DECODER, { imageShape: [1, 8, 8], range: '01' });
    const error = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    expect((error as Error).message).toMatch(/--range logits/);
    expect((error as Error).message).toMatch(/--likelihood gaussian/);
  });

  it("range 'logits': the mean is the sigmoid of the output, and Bernoulli reads the output as logits", async () => {
    const plain = await loadDecoder(TORCH_DECODER, { imageShape: [1, 8, 8], range: '01' });
    const logits = await loadDecoder(TORCH_DECODER, { imageShape: [1, 8, 8], range: 'logits' });
    expect(logits.range).toBe('01');
    expect(logits.head?.op).toBe('Sigmoid');
    const data = batch(logits, 2, 2, 'binary', 7);
    await using raw = await DecoderMeans.create(plain);
    await using means = await DecoderMeans.create(logits);
    const u = await raw.decode(data.z);
    const p = await means.decode(data.z);
    // One float32 sigmoid apart.
    expectClose(
      p,
      u.map((v) => 1 / (1 + Math.exp(-v))),
      1e-6,
      1e-7,
      'mean',
    );
    await using model = await EnergyModel.create(logits, { likelihood: { kind: 'bernoulli' }, trainable: true });
    const m = await model.evaluateMetrics(data.x, data.B, data.z);
    // -log p(x|l) = sum softplus(l) - x l, chain c of datapoint floor(c / K); float64 reference, float32 sums of 64 terms.
    const D = 64;
    const expected = Array.from({ length: 4 }, (_, c) => {
      let nll = 0;
      for (let j = 0; j < D; j++) {
        const l = u[c * D + j];
        const x = data.x[Math.floor(c / 2) * D + j];
        nll += Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l))) - x * l;
      }
      return nll;
    });
    expectClose(m.nll, expected, 1e-5, 1e-5, 'nll');
    await expectGradientsMatchFloat32(model, data, 1);
  });

  it("range '01' on a plain output: the Gaussian likelihood uses it as the mean", async () => {
    const decoder = await loadDecoder(TORCH_DECODER, { imageShape: [1, 8, 8], range: '01' });
    const data = batch(decoder, 1, 2, 'grey', 8);
    await using means = await DecoderMeans.create(decoder);
    await using model = await EnergyModel.create(decoder, { likelihood: { kind: 'gaussian', sigma: { mode: 'fixed', sigma: 0.5 } } });
    const m = await model.evaluateMetrics(data.x, data.B, data.z);
    expectClose(m.mean, await means.decode(data.z), 1e-6, 1e-6, 'mean');
    const mu = await means.decode(data.z);
    const sse = [0, 1].map((c) => Array.from({ length: 64 }, (_, j) => (mu[c * 64 + j] - data.x[j]) ** 2).reduce((a, v) => a + v, 0));
    expectClose(m.sse, sse, 1e-5, 1e-6, 'sse');
  });
});
