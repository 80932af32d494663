/**
 * A decoder as a user would export it with the newer operators (PRelu, Mish, Sum, a learned scalar gain and
 * a folded scalar constant): it loads, its energy's gradients check for z and every parameter, the scalar
 * gain is trained by an optimiser step and exported back into the file.
 */
import { describe, expect, it } from 'vitest';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { buildEnergyGraph } from '../../lib/likelihoods/energy-graph.js';
import { exportDecoder } from '../../lib/models/export.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { Optimizer } from '../../lib/native/optimizer.js';
import { GraphBuilder } from '../../lib/onnx/builder.js';
import { readModel, writeModel } from '../../lib/onnx/convert.js';
import { Graph, Model } from '../../lib/onnx/ir.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { int64Vector, makeTensor, scalarTensor, toNumbers } from '../../lib/onnx/tensor.js';
import { expectGradOk, randn } from '../onnx/support.js';

const LATENT = 3;

/** z [batch, 3] -> PRelu(fc1) ; Mish(fc2 of it) ; Sum of both and a bias ; times gain ; fc3 ; times 0.5 ; Sigmoid as [batch, 1, 4, 4]. */
function decoderBytes(opset: number): Uint8Array {
  const model = new Model(new Graph(), opset);
  const b = new GraphBuilder(model);
  const z = b.input('z', 'float32', ['batch', LATENT]);
  const w = (name: string, dims: number[], seed: number) => b.initializer(name, randn(dims, seed, 0.6));
  const h1 = b.op('PRelu', [b.op('Gemm', [z, w('fc1.weight', [8, LATENT], 1), w('fc1.bias', [8], 2)], { transB: 1 }), w('act1.weight', [8], 3)]);
  const h2 = b.op('Mish', [b.op('Gemm', [h1, w('fc2.weight', [8, 8], 4), w('fc2.bias', [8], 5)], { transB: 1 })]);
  const mixed = b.op('Sum', [h1, h2, w('mix.bias', [8], 6)]);
  // A learned scalar gain (nn.Parameter(torch.tensor(1.3))) and a constant the exporter folded into 'val_7'.
  const scaled = b.op('Mul', [mixed, b.initializer('gain', scalarTensor('float32', 1.3))]);
  const logits = b.op('Mul', [b.op('Gemm', [scaled, w('fc3.weight', [16, 8], 7), w('fc3.bias', [16], 8)], { transB: 1 }), b.initializer('val_7', scalarTensor('float32', 0.5))]);
  const image = b.op('Reshape', [logits, b.initializer('shape', int64Vector([-1, 1, 4, 4]))]);
  b.op('Sigmoid', [image], {}, { name: '/out/Sigmoid', outputs: ['x_mean'] });
  model.graph.outputs.push({ name: 'x_mean', dtype: 'float32', shape: ['batch', 1, 4, 4] });
  return writeModel(model);
}

/** Binary images [2, 1, 4, 4]. */
function images(): Float32Array {
  return Float32Array.from(new Mulberry32(9).uniforms(32, 0, 1), (u) => (u < 0.5 ? 0 : 1));
}

describe('a decoder using PRelu, Mish, Sum and a learned scalar gain', () => {
  for (const opset of [18, 23]) {
    it(`at opset ${opset}: loads, takes the scalar gain (not the folded constant) as a parameter, and its energy gradients check`, async () => {
      const decoder = await loadDecoder(decoderBytes(opset), { imageShape: [1, 4, 4] });
      expect([decoder.latentDim, decoder.imageShape, decoder.head?.op]).toEqual([LATENT, [1, 4, 4], 'Sigmoid']);
      expect(decoder.params.names).toEqual(['fc1.weight', 'fc1.bias', 'act1.weight', 'fc2.weight', 'fc2.bias', 'mix.bias', 'gain', 'fc3.weight', 'fc3.bias']);
      expect(decoder.params.get('gain').dims).toEqual([]);
      const energy = buildEnergyGraph(decoder, { kind: 'bernoulli' }).model;
      const x = makeTensor('float32', [2, 1, 4, 4], images());
      const result = await expectGradOk(energy, { inputs: { x }, batch: 2 });
      expect(result.tensors.map((t) => t.name)).toEqual(expect.arrayContaining(['z', ...decoder.params.names]));
    });
  }

  it('one Adam step moves the scalar gain by the learning rate, and the export writes it back as a scalar', async () => {
    const bytes = decoderBytes(18);
    const decoder = await loadDecoder(bytes, { imageShape: [1, 4, 4] });
    await using model = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' }, trainable: true });
    const names = model.params.names;
    const before = decoder.params.get('gain').data[0];
    const z = new Mulberry32(3).normals(2 * LATENT);
    const grads = await model.thetaGradients(images(), 2, z);
    expect(grads.get('gain')).toHaveLength(1);
    const g = grads.get('gain')![0];
    expect(Math.abs(g)).toBeGreaterThan(1e-4);
    using opt = new Optimizer(
      names.map((n) => model.params.get(n).data),
      { kind: 'adam', lr: 0.01 },
    );
    opt.step(names.map((n) => grads.get(n)!));
    // Adam's first step is lr times the sign of the gradient (up to its epsilon).
    const after = decoder.params.get('gain').data[0];
    expect(after - before).toBeCloseTo(-0.01 * Math.sign(g), 6);
    const exported = readModel(exportDecoder(decoder)).graph.initializers;
    expect(exported.get('gain')?.dims).toEqual([]);
    expect(toNumbers(exported.get('gain')!)[0]).toBe(after);
    expect(toNumbers(exported.get('val_7')!)[0]).toBe(0.5);
  });
});
