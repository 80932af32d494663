import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convDecoder, convEncoder, convPlan } from '../../lib/models/conv.js';
import { initStd } from '../../lib/models/init.js';
import { mlpDecoder, mlpEncoder } from '../../lib/models/mlp.js';
import type { Decoder, Encoder } from '../../lib/models/networks.js';
import { createSession } from '../../lib/onnx/runtime.js';
import { expectLpcError } from '../support/expect-error.js';

/** Runs a network's model once on seeded inputs and returns its outputs' dims. */
async function run(model: Decoder['model'], input: string, dims: number[]): Promise<Record<string, number[]>> {
  const session = await createSession(model, { threads: 1 });
  try {
    const n = dims.reduce((p, d) => p * d, 1);
    const out = await session.run({
      [input]: new ort.Tensor(
        'float32',
        Float32Array.from({ length: n }, (_, i) => Math.sin(i)),
        dims,
      ),
    });
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.dims.map(Number)]));
  } finally {
    await session.release();
  }
}

/** Bitwise equality of two float arrays (toEqual on 100k-element arrays is slow). */
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const shapes = (net: Decoder | Encoder) => net.params.names.map((n) => [n, net.params.get(n).dims.join('x')]);

describe('network builders', () => {
  it('mlpDecoder and mlpEncoder have the documented interface, parameters and output shapes', async () => {
    const dec = mlpDecoder({ latentDim: 8, imageShape: [1, 28, 28], hidden: [64, 32], seed: 3 });
    expect(shapes(dec)).toEqual([
      ['fc1.weight', '64x8'],
      ['fc1.bias', '64'],
      ['fc2.weight', '32x64'],
      ['fc2.bias', '32'],
      ['fc3.weight', '784x32'],
      ['fc3.bias', '784'],
    ]);
    expect([dec.latentInput, dec.output, dec.layout, dec.range, dec.head?.op]).toEqual(['z', 'x_mean', 'nchw', '01', 'Sigmoid']);
    expect(await run(dec.model, 'z', [5, 8])).toEqual({ x_mean: [5, 1, 28, 28] });
    const tanh = mlpDecoder({ latentDim: 2, imageShape: [3, 4, 4], output: 'tanh', activation: 'elu' });
    expect([tanh.range, tanh.head?.op]).toEqual(['11', 'Tanh']);
    const enc = mlpEncoder({ latentDim: 8, imageShape: [1, 28, 28], hidden: [64] });
    expect(shapes(enc)).toEqual([
      ['fc1.weight', '64x784'],
      ['fc1.bias', '64'],
      ['fc_mu.weight', '8x64'],
      ['fc_mu.bias', '8'],
      ['fc_logsigma.weight', '8x64'],
      ['fc_logsigma.bias', '8'],
    ]);
    expect(await run(enc.model, 'x', [3, 1, 28, 28])).toEqual({ mu: [3, 8], logsigma: [3, 8] });
  });

  it('plans the stride-2 stack: 28 pads to 32 inside the outer layers, 32 and 64 need none', () => {
    expect(convPlan(28)).toEqual({ layers: 3, padded: 32, outerPad: 3 });
    expect(convPlan(32)).toEqual({ layers: 3, padded: 32, outerPad: 1 });
    expect(convPlan(64)).toEqual({ layers: 4, padded: 64, outerPad: 1 });
    for (const bad of [20, 33, 27]) expectLpcError(() => convPlan(bad), 'LPC_INVALID_ARGUMENT', String(bad));
  });

  for (const [C, S] of [
    [1, 28],
    [3, 32],
    [3, 64],
  ] as const) {
    it(`convDecoder and convEncoder map ${C}x${S}x${S} images to and from the latent`, async () => {
      const layers = convPlan(S).layers;
      const dec = convDecoder({ latentDim: 10, imageShape: [C, S, S], seed: 1 });
      expect(await run(dec.model, 'z', [2, 10])).toEqual({ x_mean: [2, C, S, S] });
      const deconvs = dec.params.names.filter((n) => n.startsWith('deconv') && n.endsWith('.weight')).map((n) => dec.params.get(n).dims.join('x'));
      expect(deconvs).toEqual([...new Array<string>(layers - 1).fill('32x32x4x4'), `32x${C}x4x4`]);
      expect(dec.params.get(`fc3.weight`).dims).toEqual([32 * 16, 256]);
      const enc = convEncoder({ latentDim: 10, imageShape: [C, S, S], channels: new Array<number>(layers).fill(16), hidden: [64] });
      expect(await run(enc.model, 'x', [2, C, S, S])).toEqual({ mu: [2, 10], logsigma: [2, 10] });
      const convs = enc.params.names.filter((n) => n.startsWith('conv') && n.endsWith('.weight')).map((n) => enc.params.get(n).dims.join('x'));
      expect(convs).toEqual([`16x${C}x4x4`, ...new Array<string>(layers - 1).fill('16x16x4x4')]);
      expect(enc.params.get('fc1.weight').dims).toEqual([64, 16 * 16]);
    });
  }

  it('is reproducible for a seed and different across seeds', () => {
    const a = convDecoder({ latentDim: 4, imageShape: [1, 28, 28], seed: 7 });
    const b = convDecoder({ latentDim: 4, imageShape: [1, 28, 28], seed: 7 });
    const c = convDecoder({ latentDim: 4, imageShape: [1, 28, 28], seed: 8 });
    for (const name of a.params.names) expect(same(b.params.get(name).data, a.params.get(name).data), name).toBe(true);
    expect(same(c.params.get('deconv1.weight').data, a.params.get('deconv1.weight').data)).toBe(false);
    const m1 = mlpEncoder({ latentDim: 4, imageShape: [1, 8, 8], seed: 5n });
    const m2 = mlpEncoder({ latentDim: 4, imageShape: [1, 8, 8], seed: 5 });
    expect(same(m1.params.get('fc1.weight').data, m2.params.get('fc1.weight').data)).toBe(true);
  });

  it('initialises weights He-normal before ReLU and Glorot-normal before the output, biases zero', () => {
    const dec = mlpDecoder({ latentDim: 50, imageShape: [1, 28, 28], hidden: [400], seed: 2 });
    const conv = convDecoder({ latentDim: 4, imageShape: [3, 64, 64], seed: 2 });
    const cases: [Float32Array, number][] = [
      [dec.params.get('fc1.weight').data, initStd('he', 50, 400)],
      [dec.params.get('fc2.weight').data, initStd('glorot', 400, 784)],
      // Transposed convolution: each output sums cin * (k / stride)^2 = 4 cin products.
      [conv.params.get('deconv2.weight').data, initStd('he', 32 * 4, 32 * 4)],
      [conv.params.get('deconv4.weight').data, initStd('glorot', 32 * 4, 3 * 4)],
    ];
    for (const [w, std] of cases) {
      let mean = 0;
      let sq = 0;
      for (const v of w) {
        mean += v;
        sq += v * v;
      }
      mean /= w.length;
      const sd = Math.sqrt(sq / w.length - mean * mean);
      // n >= 1536 normals: the sample sd has standard error sd / sqrt(2n) <= 1.8%; 4 standard errors.
      expect(Math.abs(sd / std - 1)).toBeLessThan(4 / Math.sqrt(2 * w.length));
      expect(Math.abs(mean)).toBeLessThan((4 * std) / Math.sqrt(w.length));
    }
    expect(dec.params.get('fc1.bias').data.every((v) => v === 0)).toBe(true);
  });

  it('refuses bad options with LPC_INVALID_ARGUMENT naming the option', () => {
    expectLpcError(() => mlpDecoder({ latentDim: 0, imageShape: [1, 4, 4] }), 'LPC_INVALID_ARGUMENT', 'latentDim');
    // A misspelt option is refused by name, not built with its default.
    expectLpcError(() => mlpDecoder({ latentDim: 2, imageShape: [1, 4, 4], hiden: [8] } as never), 'LPC_INVALID_ARGUMENT', 'mlpDecoder options.hiden');
    expectLpcError(() => mlpEncoder({ latentDim: 2, imageShape: [1, 4, 4], output: 'sigmoid' } as never), 'LPC_INVALID_ARGUMENT', 'mlpEncoder options.output');
    expectLpcError(() => convEncoder({ latentDim: 2, imageShape: [1, 28, 28], chanels: [8, 8] } as never), 'LPC_INVALID_ARGUMENT', 'convEncoder options.chanels');
    expectLpcError(() => mlpDecoder({ latentDim: 2, imageShape: [1, 4] as never }), 'LPC_INVALID_ARGUMENT', 'imageShape');
    expectLpcError(() => mlpDecoder({ latentDim: 2, imageShape: [1, 4, 4], hidden: [3, -1] }), 'LPC_INVALID_ARGUMENT', 'hidden[1]');
    expectLpcError(() => mlpDecoder({ latentDim: 2, imageShape: [1, 4, 4], output: 'relu' as never }), 'LPC_INVALID_ARGUMENT', 'output');
    expectLpcError(() => mlpEncoder({ latentDim: 2, imageShape: [1, 4, 4], seed: -1 }), 'LPC_INVALID_ARGUMENT', 'seed');
    expectLpcError(() => convDecoder({ latentDim: 2, imageShape: [1, 28, 32] }), 'LPC_INVALID_ARGUMENT', 'imageShape');
    expectLpcError(() => convEncoder({ latentDim: 2, imageShape: [1, 32, 32], channels: [8, 8] }), 'LPC_INVALID_ARGUMENT', 'channels');
  });
});
