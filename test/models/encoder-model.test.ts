import { describe, expect, it } from 'vitest';
import { convEncoder } from '../../lib/models/conv.js';
import { EncoderModel } from '../../lib/models/encoder-model.js';
import { exportEncoder } from '../../lib/models/export.js';
import { loadEncoder } from '../../lib/models/load-encoder.js';
import { mlpEncoder } from '../../lib/models/mlp.js';
import type { Encoder } from '../../lib/models/networks.js';
import { readModel, writeModel } from '../../lib/onnx/convert.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { centralDifference, dense, directional, valuesOf, type Values } from '../likelihoods/reference.js';
import { expectClose } from '../likelihoods/support.js';
import { pytorchEncoder } from './fixtures.js';

/** Float64 (mu, log sigma) of the fixture encoder (or the built MLP encoder) for every row of x (NCHW). */
function reference(encoder: Encoder, values: Values, x: Float32Array, batch: number): { mu: Float64Array; logSigma: Float64Array } {
  const D = x.length / batch;
  const d = encoder.latentDim;
  const mu = new Float64Array(batch * d);
  const logSigma = new Float64Array(batch * d);
  for (let r = 0; r < batch; r++) {
    const h = dense(values, 'fc1', x.subarray(r * D, (r + 1) * D)).map((v) => Math.max(v, 0));
    let m: Float64Array;
    let s: Float64Array;
    if (values.has('fc_out.weight')) {
      const out = dense(values, 'fc_out', h);
      [m, s] = [out.subarray(0, d), out.subarray(d)];
    } else {
      m = dense(values, 'fc_mu', h);
      s = values.has('fc_logvar.weight') ? dense(values, 'fc_logvar', h) : dense(values, 'fc_logsigma', h);
    }
    mu.set(m, r * d);
    logSigma.set(encoder.scale === 'logvar' ? s.map((v) => v / 2) : s, r * d);
  }
  return { mu, logSigma };
}

function images(count: number, seed: number): Float32Array {
  return new Mulberry32(seed).uniforms(count, 0, 1);
}

describe('encoders', () => {
  it('loads a PyTorch-style encoder with a log-variance output and returns log sigma = logvar / 2', async () => {
    const encoder = await loadEncoder(writeModel(pytorchEncoder()));
    expect([encoder.imageInput, encoder.inputLayout, encoder.outputs, encoder.scale, encoder.latentDim, encoder.imageShape]).toEqual([
      'input',
      'nchw',
      { mu: 'mu', scale: 'logvar' },
      'logvar',
      4,
      [3, 6, 5],
    ]);
    await using model = await EncoderModel.create(encoder);
    const x = images(3 * 90, 1);
    const out = await model.forward(x, 3);
    const ref = reference(encoder, valuesOf(encoder), x, 3);
    // O(1) values from float32 dot products of length 90: 1e-5.
    expectClose(out.mu, ref.mu, 1e-5, 1e-5, 'mu');
    expectClose(out.logSigma, ref.logSigma, 1e-5, 1e-5, 'logSigma');
  });

  it('reads the scale from the option or the output name, a joint output split in half, and an NHWC input', async () => {
    const plain = await loadEncoder(writeModel(pytorchEncoder({ names: ['output_0', 'output_1'] })));
    expect([plain.scale, plain.outputs]).toEqual(['logsigma', { mu: 'output_0', scale: 'output_1' }]);
    expect((await loadEncoder(writeModel(pytorchEncoder({ names: ['output_0', 'output_1'] })), { encoderOutput: 'logvar' })).scale).toBe('logvar');
    // Names say which output is mu even when it comes second.
    expect((await loadEncoder(writeModel(pytorchEncoder({ names: ['log_var', 'z_mean'] })))).outputs).toEqual({ mu: 'z_mean', scale: 'log_var' });
    const joint = await loadEncoder(writeModel(pytorchEncoder({ outputs: 'joint' })), { encoderOutput: 'logvar' });
    expect([joint.outputs, joint.latentDim]).toEqual([{ joint: 'output' }, 4]);
    const x = images(2 * 90, 2);
    await using jm = await EncoderModel.create(joint);
    const out = await jm.forward(x, 2);
    const ref = reference(joint, valuesOf(joint), x, 2);
    expectClose(out.mu, ref.mu, 1e-5, 1e-5, 'mu (joint)');
    expectClose(out.logSigma, ref.logSigma, 1e-5, 1e-5, 'logSigma (joint)');
    // The NHWC fixture has the same weights; fed NCHW data it must give the same outputs.
    const nhwc = await loadEncoder(writeModel(pytorchEncoder({ layout: 'nhwc' })));
    expect([nhwc.inputLayout, nhwc.imageShape]).toEqual(['nhwc', [3, 6, 5]]);
    await using a = await EncoderModel.create(nhwc);
    await using b = await EncoderModel.create(await loadEncoder(writeModel(pytorchEncoder())));
    expectClose((await a.forward(x, 2)).mu, (await b.forward(x, 2)).mu, 0, 0, 'mu (NHWC input)');
  });

  for (const kind of ['logvar fixture', 'built MLP'] as const) {
    it(`VJP (${kind}): parameter gradients of <g_mu, mu> + <g_s, log sigma> match float64 finite differences`, async () => {
      const encoder = kind === 'built MLP' ? mlpEncoder({ latentDim: 3, imageShape: [1, 4, 4], hidden: [6], seed: 2 }) : await loadEncoder(writeModel(pytorchEncoder()));
      await using model = await EncoderModel.create(encoder, { trainable: true });
      const batch = 3;
      const x = images(batch * model.dataSize, 3);
      const rng = new Mulberry32(5);
      const gMu = rng.normals(batch * encoder.latentDim);
      const gLs = rng.normals(batch * encoder.latentDim);
      const grads = await model.vjp(x, batch, gMu, gLs);
      const base = valuesOf(encoder);
      const objective = (values: Values) => {
        const r = reference(encoder, values, x, batch);
        return directional(r.mu, gMu).value + directional(r.logSigma, gLs).value;
      };
      for (const name of encoder.params.names) {
        const g = grads.get(name)!;
        expect(g.length).toBe(encoder.params.get(name).data.length);
        const v = rng.normals(g.length);
        const an = directional(g, v);
        const fd = centralDifference(
          (t) =>
            objective(
              new Map(base).set(
                name,
                Array.from(base.get(name)!, (p, i) => p + t * v[i]),
              ),
            ),
          1e-6,
        );
        // float32 gradient sums over <= 90 terms against float64 differences (error < 1e-9): 2e-4 of sum |g v|.
        if (!(Math.abs(an.value - fd) <= 2e-4 * an.scale + 1e-9)) expect.fail(`${name}: vjp ${an.value} vs finite difference ${fd}`);
      }
    });
  }

  it('VJP of a convolutional encoder matches finite differences of its float32 forward pass', async () => {
    const encoder = convEncoder({ latentDim: 2, imageShape: [1, 28, 28], channels: [3, 3, 3], hidden: [5], seed: 6 });
    const rng = new Mulberry32(7);
    for (const p of encoder.params) if (p.name.endsWith('.bias')) p.data.set(rng.normals(p.data.length, 0.1)); // off ReLU kinks
    await using model = await EncoderModel.create(encoder, { trainable: true });
    const x = images(2 * 784, 8);
    const gMu = rng.normals(4);
    const gLs = rng.normals(4);
    const grads = await model.vjp(x, 2, gMu, gLs);
    const objective = async () => {
      const o = await model.forward(x, 2);
      return directional(o.mu, gMu).value + directional(o.logSigma, gLs).value;
    };
    for (const name of encoder.params.names) {
      const p = encoder.params.get(name).data;
      const saved = p.slice();
      const v = rng.normals(p.length);
      const an = directional(grads.get(name)!, v);
      let best = Infinity;
      for (const h of [1e-2, 3e-3, 1e-3]) {
        p.set(saved.map((t, i) => t + h * v[i]));
        const plus = await objective();
        p.set(saved.map((t, i) => t - h * v[i]));
        const minus = await objective();
        p.set(saved);
        // Float32 outputs of O(1) summed over 4 entries: rounding ~1e-6 per evaluation, divided by the step.
        best = Math.min(best, Math.abs((plus - minus) / (2 * h) - an.value) / (Math.abs(an.value) + 1e-6 / h / 1e-3));
      }
      expect(best, name).toBeLessThanOrEqual(1e-3);
    }
  });

  it('checks arguments and lifecycle, and exports trained parameters', async () => {
    const encoder = mlpEncoder({ latentDim: 2, imageShape: [1, 4, 4], hidden: [3] });
    const frozen = await EncoderModel.create(encoder);
    const x = images(32, 9);
    await expect(frozen.vjp(x, 2, new Float32Array(4), new Float32Array(4))).rejects.toMatchObject({ code: 'LPC_INVALID_STATE' });
    await expect(frozen.forward(x.subarray(1), 2)).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    await expect(frozen.forward(x, 1.5)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    await frozen.dispose();
    await expect(frozen.forward(x, 2)).rejects.toMatchObject({ code: 'LPC_DISPOSED' });
    await using trainable = await EncoderModel.create(encoder, { trainable: true });
    await expect(trainable.vjp(x, 2, new Float32Array(3), new Float32Array(4))).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('gradMu') });
    // An in-place update reaches the next run: raising mu's bias from 0 to 1.5 raises every mu by 1.5.
    const before = (await trainable.forward(x, 2)).mu;
    encoder.params.get('fc_mu.bias').data.fill(1.5);
    const after = (await trainable.forward(x, 2)).mu;
    after.forEach((v, i) => expect(v - before[i]).toBeCloseTo(1.5, 5));
    const back = readModel(exportEncoder(encoder));
    expect(Array.from(back.graph.initializers.get('fc_mu.bias')!.data as Float32Array)).toEqual([1.5, 1.5]);
    await expect(loadEncoder(writeModel(pytorchEncoder()), { encoderOutput: 'logstd' as never })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
  });
});
