import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { floatAttr, GraphBuilder } from '../../lib/onnx/builder.js';
import { checkGradients } from '../../lib/onnx/check-grad.js';
import { writeModel } from '../../lib/onnx/convert.js';
import { Graph, Model } from '../../lib/onnx/ir.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { makeTensor, tensorOf } from '../../lib/onnx/tensor.js';
import { batch, expectGradientsMatchFloat32 } from '../likelihoods/support.js';

/**
 * z [batch_size, 4] -> MatMul -> view [B, 8, 2, 2] -> GroupNormalization (4 groups, per-channel scale and
 * bias: opset 21) -> DepthToSpace (CRD, 2) [B, 2, 4, 4] -> Einsum 'bchw,oc->bohw' (a 1x1 convolution to one
 * channel) -> Resize (cubic, 4x4 -> 6x6) -> Trilu (lower, k = 3) -> Sigmoid: the operators a decoder exported
 * with einsum, pixel shuffles, group norms and bicubic upsampling uses.
 */
function decoderModel(): Model {
  const model = new Model(new Graph(), 21);
  const b = new GraphBuilder(model);
  const rng = new Mulberry32(12);
  const param = (name: string, dims: number[], scale: number) =>
    b.initializer(
      name,
      makeTensor(
        'float32',
        dims,
        rng.normals(
          dims.reduce((p, d) => p * d, 1),
          scale,
        ),
      ),
    );
  const z = b.input('z', 'float32', ['batch_size', 4]);
  const h = b.reshape(b.op('MatMul', [z, param('fc.weight', [4, 32], 0.5)]), [-1, 8, 2, 2]);
  const scale = b.initializer(
    'norm.weight',
    makeTensor(
      'float32',
      [8],
      rng.normals(8, 0.3).map((v) => 1 + v),
    ),
  );
  const normed = b.op('GroupNormalization', [h, scale, param('norm.bias', [8], 0.3)], { num_groups: 4, epsilon: floatAttr(1e-5) });
  const shuffled = b.op('DepthToSpace', [normed], { blocksize: 2, mode: 'CRD' });
  const mixed = b.op('Einsum', [shuffled, param('mix.weight', [1, 2], 1)], { equation: 'bchw,oc->bohw' });
  const up = b.op('Resize', [mixed, '', b.constant(tensorOf('float32', [4], [1, 1, 1.5, 1.5]))], { mode: 'cubic', coordinate_transformation_mode: 'pytorch_half_pixel' });
  const masked = b.op('Trilu', [up, b.constant(tensorOf('int64', [], [3]))], { upper: 0 });
  b.output(b.op('Sigmoid', [masked]), 'image');
  return model;
}

describe('a decoder built from Einsum, DepthToSpace, GroupNormalization, cubic Resize and Trilu', () => {
  it('loads with loadDecoder, and its energy gradients in z and the parameters match finite differences', async () => {
    const decoder = await loadDecoder(writeModel(decoderModel()));
    expect([decoder.latentDim, decoder.imageShape, decoder.layout, decoder.range, decoder.head?.op]).toEqual([4, [1, 6, 6], 'nchw', '01', 'Sigmoid']);
    expect([...decoder.params.names].sort()).toEqual(['fc.weight', 'mix.weight', 'norm.bias', 'norm.weight']);
    const data = batch(decoder, 2, 2, 'binary', 4);
    await using model = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' }, trainable: true });
    const m = await model.evaluateMetrics(data.x, data.B, data.z);
    expect(m.energy.every((e) => Number.isFinite(e))).toBe(true);
    await expectGradientsMatchFloat32(model, data, 2);
  });

  it('passes the graph gradient check for z and every parameter', async () => {
    const result = await checkGradients(decoderModel(), { wrt: 'all', batch: 2, seed: 5 });
    expect(result.tensors.map((t) => t.name).sort()).toEqual(['fc.weight', 'mix.weight', 'norm.bias', 'norm.weight', 'z']);
    expect(result.ok).toBe(true);
  });
});
