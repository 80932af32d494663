import { describe, expect, it } from 'vitest';
import { floatAttr, GraphBuilder } from '../../lib/onnx/builder.js';
import { readModel, writeModel } from '../../lib/onnx/convert.js';
import { foldConstants } from '../../lib/onnx/fold.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { Graph, Model } from '../../lib/onnx/ir.js';
import { isTrainableInitializer, ParameterSet, promoteParameters } from '../../lib/onnx/params.js';
import { int64Vector, makeTensor, scalarTensor, tensorOf } from '../../lib/onnx/tensor.js';
import { removeDeadNodes, sortNodes } from '../../lib/onnx/topo.js';
import { weightInitializers } from '../../lib/onnx/weights.js';
import { opModel, randn } from './support.js';

describe('graph IR and builder', () => {
  it('gives fresh, unique names and refuses a taken one', () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [2]);
      const a = b.op('Relu', [x]);
      const c = b.op('Relu', [a]);
      expect(a).not.toBe(c);
      expect(b.fresh('x')).toBe('x_1');
      expect(() => b.input('x', 'float32', [2])).toThrow(expect.objectContaining({ code: 'LPC_INVALID_ARGUMENT' }));
      expect(() => b.op('LeakyRelu', [x], { alpha: 0.5 })).toThrow(/floatAttr/);
      b.output(c, 'y');
    });
    expect(new Set(m.graph.nodes.map((n) => n.name)).size).toBe(m.graph.nodes.length);
    expect(m.graph.outputs.map((o) => o.name)).toEqual(['y']);
  });

  it('sorts nodes topologically and keeps an already sorted order', () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [2]);
      b.output(b.op('Exp', [b.op('Relu', [x])]), 'y');
    });
    const sorted = sortNodes(m.graph).map((n) => n.opType);
    expect(sorted).toEqual(['Relu', 'Exp']);
    m.graph.nodes.reverse();
    expect(sortNodes(m.graph).map((n) => n.opType)).toEqual(['Relu', 'Exp']);
    // Reading a file with nodes out of order sorts them.
    expect(readModel(writeModel(m)).graph.nodes.map((n) => n.opType)).toEqual(['Relu', 'Exp']);
  });

  it('removes dead nodes and the initializers only they read, keeping graph inputs', () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [2]);
      b.input('unused', 'float32', [2]);
      const w = b.initializer('w', randn([2]));
      b.op('Mul', [x, w]);
      b.output(b.op('Relu', [x]), 'y');
    });
    expect(removeDeadNodes(m.graph)).toBe(1);
    expect(m.graph.nodes.map((n) => n.opType)).toEqual(['Relu']);
    expect(m.graph.initializers.has('w')).toBe(false);
    expect(m.graph.inputs.map((v) => v.name)).toEqual(['x', 'unused']);
  });

  it('clones deeply enough to edit the copy alone', () => {
    const m = opModel(13, (b) => b.output(b.op('Relu', [b.input('x', 'float32', [2])]), 'y'));
    const c = m.clone();
    c.graph.nodes[0].inputs[0] = 'z';
    c.graph.inputs.push({ name: 'z', dtype: 'float32', shape: [2] });
    expect(m.graph.nodes[0].inputs[0]).toBe('x');
    expect(m.graph.inputs).toHaveLength(1);
  });

  it('infers Constant value_* attributes, allowzero and symbolic arithmetic on shapes', () => {
    const m = opModel(14, (b) => {
      b.output(b.op('Constant', [], { value_ints: [4, 5] }), 'ints');
      const x = b.input('x', 'float32', ['n', 0, 3]);
      b.output(b.op('Reshape', [x, b.ints([0, 3])], { allowzero: 1 }), 'empty');
      const shape = b.op('Shape', [x]);
      const n = b.op('Gather', [shape, b.constant(tensorOf('int64', [1], [0]))], { axis: 0 });
      b.output(b.op('Mul', [b.op('Slice', [shape, b.ints([1]), b.ints([3])]), b.constant(int64Vector([2]))]), 'doubled');
      b.output(n, 'n');
    });
    const types = inferTypes(m);
    expect(types.get('ints')?.value).toEqual([4, 5]);
    expect(types.get('empty')?.shape).toEqual([0, 3]);
    expect(types.get('doubled')?.value).toEqual([0, 6]);
    expect(types.get('n')?.value).toEqual(['n']);
  });

  it('folds integer shape arithmetic on static shapes but never floating-point values', () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [2, 6]);
      const w = b.initializer('w', randn([2, 6]));
      const rows = b.op('Gather', [b.op('Shape', [x]), b.constant(scalarTensor('int64', 0))], { axis: 0 });
      const target = b.op('Concat', [b.unsqueeze(rows, [0]), b.ints([3, 2])], { axis: 0 });
      b.output(b.reshape(b.op('Add', [x, b.op('Neg', [w])]), target), 'y');
    });
    expect(foldConstants(m)).toBe(4); // Shape, Gather, Unsqueeze and Concat
    expect(m.graph.nodes.map((n) => n.opType).sort()).toEqual(['Add', 'Neg', 'Reshape']);
    expect(m.graph.initializers.get(m.graph.nodes.find((n) => n.opType === 'Reshape')!.inputs[1])?.data).toEqual(BigInt64Array.of(2n, 3n, 2n));
  });
  it('evaluates the pads chain PyTorch writes for F.pad at opset 11 and later: reshape, reversing slice, transpose, flatten', () => {
    // Torch's pads [left, right, top, bottom] over the last two axes become ONNX's [0, 0, top, left, 0, 0, bottom, right].
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['n', 2, 5, 5]);
      const torchPads = b.constant(tensorOf('int64', [8], [1, 2, 3, 4, 0, 0, 0, 0]));
      const pairs = b.reshape(torchPads, [-1, 2]);
      const reversed = b.op('Slice', [pairs, b.ints([-1]), b.ints([-(2 ** 62)]), b.ints([0]), b.ints([-1])]);
      const pads = b.op('Cast', [b.reshape(b.transpose(reversed, [1, 0]), [-1])], { to: 7 });
      b.output(b.op('Pad', [x, pads], { mode: 'reflect' }), 'y');
    });
    expect(inferTypes(m).get('y')?.shape).toEqual(['n', 2, 12, 8]);
    foldConstants(m);
    expect(m.graph.nodes.map((n) => n.opType)).toEqual(['Pad']);
    expect(m.graph.initializers.get(m.graph.nodes[0]!.inputs[1]!)?.data).toEqual(BigInt64Array.of(0n, 0n, 3n, 1n, 0n, 0n, 4n, 2n));
  });
});

describe('parameters', () => {
  const model = () =>
    opModel(13, (b) => {
      const x = b.input('x', 'float32', [2, 3]);
      const w = b.initializer('fc.weight', randn([3, 3]));
      const s = b.initializer('onnx::Mul_7', makeTensor('float32', [], Float32Array.of(0.5)));
      const idx = b.initializer('idx', tensorOf('int64', [2], [0, 1]));
      const d = b.initializer('scale64', makeTensor('float64', [3], Float64Array.of(1, 2, 3)));
      b.output(b.op('Gather', [b.op('Mul', [b.op('Mul', [b.op('MatMul', [x, w]), s]), b.cast(d, 'float32')]), idx], { axis: 1 }), 'y');
    });

  it('takes float initializers of rank 1 or more; integer ones and a scalar named like a folded constant stay constants', () => {
    const params = ParameterSet.fromModel(model());
    expect(params.names).toEqual(['fc.weight', 'scale64']);
    expect(params.get('scale64').data).toEqual(Float32Array.of(1, 2, 3));
    expect(params.get('scale64').dtype).toBe('float64');
    expect(params.elementCount).toBe(12);
    expect(() => params.get('idx')).toThrow(expect.objectContaining({ code: 'LPC_NOT_FOUND' }));
    const all = ParameterSet.fromModel(model(), { include: () => true });
    expect(all.names).toEqual(['fc.weight', 'onnx::Mul_7', 'scale64']);
  });

  it('takes a rank-0 weight (a learned gain) unless exporters name such scalars as folded constants', () => {
    const scalar = scalarTensor('float32', 2);
    for (const name of ['gain', 'decoder.temperature', 'log_scale', 'alpha_1']) expect(isTrainableInitializer(name, scalar), name).toBe(true);
    for (const name of ['val_3', '_val_12', 'onnx::Mul_7', '/decoder/Constant_output_0', 'const_fold_opt__21', 'Const_3:0']) expect(isTrainableInitializer(name, scalar), name).toBe(false);
    expect(isTrainableInitializer('val_3', randn([2]))).toBe(true);
    expect(isTrainableInitializer('gain', tensorOf('int64', [], [2]))).toBe(false);
    // Settings stay out whatever their name: a scalar Clip bound and Pow exponent next to a scalar gain.
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [2, 3]);
      const gained = b.op('Mul', [x, b.initializer('gain', scalarTensor('float32', 1.5))]);
      const clipped = b.op('Clip', [gained, b.initializer('lower', scalarTensor('float32', -1))]);
      b.output(b.op('Pow', [clipped, b.initializer('power', scalarTensor('float32', 2))]), 'y');
    });
    const params = ParameterSet.fromModel(m);
    expect(params.names).toEqual(['gain']);
    expect([params.get('gain').dims, params.elementCount]).toEqual([[], 1]);
  });

  it('checks lengths on set and copies on clone', () => {
    const params = ParameterSet.fromModel(model());
    expect(() => params.set('fc.weight', new Float32Array(4))).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH' }));
    const copy = params.clone();
    params.set('fc.weight', new Float32Array(9).fill(1));
    expect(copy.get('fc.weight').data[0]).not.toBe(1);
  });

  it('promotes initializers to inputs, refusing integer ones', () => {
    const m = model();
    promoteParameters(m, ['fc.weight']);
    expect(m.graph.inputs.map((v) => [v.name, v.shape])).toEqual([
      ['x', [2, 3]],
      ['fc.weight', [3, 3]],
    ]);
    expect(m.graph.initializers.has('fc.weight')).toBe(false);
    expect(() => promoteParameters(m, ['idx'])).toThrow(expect.objectContaining({ code: 'LPC_INVALID_ARGUMENT' }));
    expect(() => promoteParameters(m, ['nope'])).toThrow(expect.objectContaining({ code: 'LPC_NOT_FOUND' }));
  });
});

describe('models built from scratch', () => {
  it('get an IR version that matches their opset', () => {
    expect(new Model(new Graph(), 9).irVersion).toBe(4);
    expect(new Model(new Graph(), 17).irVersion).toBe(8);
    expect(new Model(new Graph(), 21).irVersion).toBe(10);
    expect(new Model(new Graph(), 22).irVersion).toBe(10);
    expect(new Model(new Graph(), 23).irVersion).toBe(11);
    const b = new GraphBuilder(new Model(new Graph(), 13));
    expect(b.opset).toBe(13);
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
