import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { floatAttr } from '../../lib/onnx/builder.js';
import { readModel, writeModel } from '../../lib/onnx/convert.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { ParameterSet } from '../../lib/onnx/params.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor, scalarTensor, tensorOf } from '../../lib/onnx/tensor.js';
import { weightInitializers } from '../../lib/onnx/weights.js';
import { pytorchConvDecoder } from './fixtures/conv-models.js';
import { normals } from './fixtures/single-op.js';
import { expectGradOk, opModel, randn } from './support.js';

const WEIGHTS = ['decoder.fc.weight', 'decoder.fc.bias', 'decoder.deconv1.weight', 'decoder.deconv1.bias', 'decoder.conv.weight', 'decoder.conv.bias'];

describe('conv decoder whose upsampling scales torch folded into float initializers', () => {
  // Upsample (9), Resize with roi (11) and without (13).
  for (const opset of [9, 11, 13]) {
    it(`opset ${opset}: the scales are frozen, inference reads them, and z and every weight differentiate`, async () => {
      const model = readModel(writeModel(pytorchConvDecoder(opset, { foldedScales: true }).model));
      const folded = [...model.graph.initializers.keys()].filter((n) => n.startsWith('onnx::'));
      expect(folded.length).toBe(opset === 11 ? 2 : 1); // roi too at opsets 11-12
      expect(ParameterSet.fromModel(model).names).toEqual(WEIGHTS);
      expect(inferTypes(model).get('x_mean')?.shape).toEqual(['batch_size', 12, 12, 1]);
      const result = await expectGradOk(model, { batch: 2 });
      expect(result.tensors.map((t) => t.name)).toEqual(['z', ...WEIGHTS]);
      // The same function as the fixture written with Constant nodes.
      const z = normals([2, 3], 4);
      const [a, b] = await Promise.all([model, pytorchConvDecoder(opset).model].map(async (m) => (await runSession(await createSession(m), { z })).x_mean.data));
      expect(Array.from(a)).toEqual(Array.from(b));
    });
  }

  it('made a parameter on request, Resize scales are fed, and the gradient error names them', async () => {
    const model = opModel(13, (b) => {
      const scales = b.initializer('onnx::Resize_7', tensorOf('float32', [4], [1, 1, 2, 2]));
      b.output(b.op('Resize', [b.input('x', 'float32', ['n', 2, 3, 3]), '', scales], { mode: 'nearest' }), 'y');
    });
    await expectGradOk(model, { batch: 2 });
    const all = ParameterSet.fromModel(model, { include: () => true }).names;
    expect(all).toEqual(['onnx::Resize_7']);
    expect(() => buildGradientModel(model, { vjp: ['y'], inputs: ['x'], params: all })).toThrow(
      expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining("'onnx::Resize_7' is computed or fed at run time") }),
    );
  });
});

describe('weights and settings among float initializers', () => {
  it('settings (running statistics, Clip bounds, Pow exponent, Dropout ratio, Pad value) and dead values are not weights', () => {
    const model = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['n', 3]);
      const p = (name: string, dims: number[]) => b.initializer(name, randn(dims, name.length));
      const bn = b.op('BatchNormalization', [x, p('bn.weight', [3]), p('bn.bias', [3]), p('bn.running_mean', [3]), p('bn.running_var', [3])], { epsilon: floatAttr(1e-5) });
      const clipped = b.op('Clip', [bn, b.initializer('clip.min', scalarTensor('float32', -1)), b.initializer('clip.max', makeTensor('float32', [1], Float32Array.of(1)))]);
      const powered = b.op('Pow', [clipped, b.initializer('pow.exponent', makeTensor('float32', [1], Float32Array.of(2)))]);
      const dropped = b.op('Dropout', [powered, b.initializer('dropout.ratio', scalarTensor('float32', 0.5))]);
      const padded = b.op('Pad', [dropped, b.ints([0, 1, 0, 1]), b.initializer('pad.value', makeTensor('float32', [1], Float32Array.of(0.5)))]);
      b.op('Add', [x, p('unused.bias', [3])]);
      b.output(b.op('MatMul', [padded, p('fc.weight', [5, 2])]), 'y');
    });
    expect([...weightInitializers(model)].sort()).toEqual(['bn.bias', 'bn.weight', 'fc.weight']);
    expect(ParameterSet.fromModel(model).names).toEqual(['bn.weight', 'bn.bias', 'fc.weight']);
    // Inference knows the settings' values (the Pow gradient reads its exponent), never a weight's.
    const types = inferTypes(model);
    expect(types.get('pow.exponent')?.constant?.data).toEqual(Float32Array.of(2));
    expect(types.get('bn.running_var')?.constant).toBeDefined();
    expect(types.get('fc.weight')?.constant).toBeUndefined();
  });

  it('an initializer shadowed by a graph input is fed, so it is neither a weight nor a known constant', () => {
    const model = opModel(13, (b) => {
      const x = b.input('x', 'float32', [1, 1, 2, 2]);
      const scales = b.initializer('scales', tensorOf('float32', [4], [1, 1, 2, 2]));
      b.output(b.op('Resize', [x, '', scales], { mode: 'nearest' }), 'y');
    });
    // The file format allows an input with an initializer's name (the initializer is its default value).
    model.graph.inputs.push({ name: 'scales', dtype: 'float32', shape: [4] });
    expect(weightInitializers(model).size).toBe(0);
    expect(inferTypes(model).get('y')?.shape).toEqual([null, null, null, null]);
  });

  it('a node of an operator the registry does not know keeps its initializers as weights', () => {
    const model = opModel(13, (b) => {
      const x = b.input('x', 'float32', [2]);
      b.output(b.node('Mystery', [x, b.initializer('w', randn([2]))], {}, { domain: 'com.example' })[0], 'y');
    });
    expect(ParameterSet.fromModel(model).names).toEqual(['w']);
  });
});
