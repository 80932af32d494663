import { describe, expect, it } from 'vitest';
import { floatAttr, type AttrInput, type GraphBuilder } from '../../lib/onnx/builder.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import type { Dim } from '../../lib/onnx/ir.js';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { int64Vector, makeTensor, scalarTensor, type Tensor } from '../../lib/onnx/tensor.js';
import { expectGradOk, opModel, randn } from './support.js';

describe('InstanceNormalization gradients (float32: onnxruntime has no double kernel)', () => {
  const cases: [string, Dim[], Record<string, AttrInput>][] = [
    ['[N, C, L]', [2, 3, 4], {}],
    ['[N, C, H, W], epsilon 1e-2', [2, 2, 3, 2], { epsilon: floatAttr(1e-2) }],
    ['[N, C, D, H, W]', [1, 2, 2, 2, 3], {}],
    ['a dynamic spatial dim', [2, 2, 'len'], {}],
  ];
  for (const [label, shape, attrs] of cases) {
    it(`${label}: X, scale and B`, async () => {
      const m = opModel(13, (b) => {
        const x = b.input('x', 'float32', shape);
        const c = shape[1] as number;
        const scale = b.initializer('scale', randn([c], 2));
        const bias = b.initializer('bias', randn([c], 3));
        b.output(b.op('InstanceNormalization', [x, scale, bias], attrs), 'y');
      });
      const result = await expectGradOk(m, { batch: 5 });
      expect(result.precision).toBe('float32');
      expect(result.tensors.map((t) => t.name)).toEqual(['x', 'scale', 'bias']);
    });
  }

  it('refuses an input of rank 2', () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [2, 3]);
      b.output(b.op('InstanceNormalization', [x, b.input('s', 'float32', [3]), b.input('b', 'float32', [3])]), 'y');
    });
    expect(() => inferTypes(m)).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('rank 3 or more') }));
  });
});

describe('LayerNormalization gradients (opset 17+)', () => {
  // [label, opset, X shape, attributes, Scale shape, B shape or null, node outputs that are also graph outputs]
  const cases: [string, number, Dim[], Record<string, AttrInput>, number[], number[] | null, number[]][] = [
    ['axis -1 (default)', 17, ['n', 3, 4], {}, [4], [4], []],
    ['axis -2, Scale and B over both normalised dims', 17, [2, 3, 4], { axis: -2 }, [3, 4], [3, 4], []],
    ['axis -2, Scale broadcast [1, 4], no B, epsilon 1e-2', 18, [2, 3, 4], { axis: -2, epsilon: floatAttr(1e-2) }, [1, 4], null, []],
    ['axis 1 of a rank-2 input, stash_type 1', 21, [3, 5], { axis: 1, stash_type: 1 }, [5], [5], []],
    ['axis 0: one group over everything', 17, [2, 3], { axis: 0 }, [2, 3], [3], []],
  ];
  for (const [label, opset, shape, attrs, scaleShape, biasShape] of cases) {
    it(`${label} at opset ${opset}`, async () => {
      const m = opModel(opset, (b) => {
        const x = b.input('x', 'float32', shape);
        const inputs = [x, b.initializer('scale', randn(scaleShape, 2))];
        if (biasShape) inputs.push(b.initializer('bias', randn(biasShape, 3)));
        b.output(b.op('LayerNormalization', inputs, attrs), 'y');
      });
      const result = await expectGradOk(m, { batch: 2 });
      // onnxruntime has a double LayerNormalization kernel: float64 tolerances.
      expect(result.precision).toBe('float64');
    });
  }

  for (const withY of [false, true]) {
    it(`the Mean and InvStdDev outputs, used downstream, are differentiated too (${withY ? 'with' : 'without'} Y)`, async () => {
      const m = opModel(17, (b) => {
        const x = b.input('x', 'float32', [2, 3, 4]);
        const [y, mean, invstd] = b.node('LayerNormalization', [x, b.initializer('scale', randn([3, 4], 2))], { axis: 1 }, { outputs: 3 });
        expect(inferTypes(b.model).get(mean)?.shape).toEqual([2, 1, 1]);
        // Mean and InvStdDev are float32 whatever X is (stash_type 1), so the check runs in float32.
        b.output(b.op('Mul', [mean, invstd]), 'scaled');
        b.output(b.op('Tanh', [invstd]), 'spread');
        if (withY) b.output(y, 'y');
      });
      // Inputs of scale 3 and offset 1 make the statistics terms comparable in size to the Y term.
      const x = randn([2, 3, 4], 8, 3);
      (x.data as Float32Array).forEach((v, i, a) => (a[i] = v + 1));
      const result = await expectGradOk(m, { inputs: { x } });
      expect(result.outputs).toEqual(withY ? ['scaled', 'spread', 'y'] : ['scaled', 'spread']);
    });
  }

  it('refuses a stash_type other than 1 (float32), the only one onnxruntime implements', () => {
    const m = opModel(17, (b) => {
      const x = b.input('x', 'float32', [2, 3]);
      b.output(b.op('LayerNormalization', [x, b.input('s', 'float32', [3])], { stash_type: 11 }), 'y');
    });
    expect(() => inferTypes(m)).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining('stash_type=11') }));
  });
});

/** ReduceMean over the last axis with keepdims, as the opset writes it. */
function meanLast(b: GraphBuilder, x: string): string {
  return b.opset >= 18 ? b.op('ReduceMean', [x, b.constant(int64Vector([-1]))], { keepdims: 1 }) : b.op('ReduceMean', [x], { axes: [-1], keepdims: 1 });
}

describe('LayerNorm decomposed into ReduceMean/Sub/Pow/Sqrt/Div, as older PyTorch exports write it', () => {
  for (const opset of [9, 13, 17, 18]) {
    it(`differentiates op by op at opset ${opset} (the centred value feeds two nodes: gradients are summed)`, async () => {
      const m = opModel(opset, (b) => {
        const x = b.input('x', 'float32', ['batch_size', 3, 5]);
        const centred = b.op('Sub', [x, meanLast(b, x)], {}, { name: '/ln/Sub' });
        const variance = meanLast(b, b.op('Pow', [centred, b.constant(scalarTensor('float32', 2))], {}, { name: '/ln/Pow' }));
        const std = b.op('Sqrt', [b.op('Add', [variance, b.constant(scalarTensor('float32', 1e-5))])]);
        const normed = b.op('Div', [centred, std], {}, { name: '/ln/Div' });
        const y = b.op('Add', [b.op('Mul', [normed, b.initializer('ln.weight', randn([5], 2))]), b.initializer('ln.bias', randn([5], 3))]);
        b.output(y, 'y');
      });
      const result = await expectGradOk(m, { batch: 2 });
      expect(result.precision).toBe('float64');
      expect(result.tensors.map((t) => t.name)).toEqual(['x', 'ln.weight', 'ln.bias']);
    });
  }
});

describe('a summed objective (a uniform upstream gradient) reaching a normalisation directly', () => {
  const x = randn([3, 2, 4], 9, 2);
  const bn = (attrs: Record<string, AttrInput>, outputs: number) => (b: GraphBuilder, xi: string) =>
    b.node('BatchNormalization', [xi, b.constant(randn([2], 2)), b.constant(randn([2], 3)), b.constant(randn([2], 4)), b.constant(positiveVar())], attrs, { outputs })[0];
  const cases: [string, number, (b: GraphBuilder, x: string) => string][] = [
    ['BatchNormalization, running statistics', 15, bn({}, 1)],
    ['BatchNormalization, batch statistics', 15, bn({ training_mode: 1 }, 3)],
    ['InstanceNormalization', 15, (b, xi) => b.op('InstanceNormalization', [xi, b.constant(randn([2], 2)), b.constant(randn([2], 3))])],
    ['LayerNormalization', 17, (b, xi) => b.op('LayerNormalization', [xi, b.constant(randn([4], 2)), b.constant(randn([4], 3))])],
  ];
  for (const [label, opset, build] of cases) {
    it(`${label}: equals the vector-Jacobian product with ones`, async () => {
      const m = opModel(opset, (b) => b.output(build(b, b.input('x', 'float32', [3, 2, 4])), 'y'));
      const summed = await runSession(await createSession(buildGradientModel(m, { objective: 'y', inputs: ['x'] }).model), { x });
      const ones = makeTensor('float32', [3, 2, 4], new Float32Array(24).fill(1));
      const vjp = await runSession(await createSession(buildGradientModel(m, { vjp: ['y'], inputs: ['x'] }).model), { x, 'grad_in/y': ones });
      expect(Array.from(summed.grad_x.data as Float32Array)).toEqual(Array.from(vjp.grad_x.data as Float32Array));
    });
  }
});

/** A positive variance vector for BatchNormalization. */
function positiveVar() {
  return makeTensor('float32', [2], Float32Array.of(0.7, 1.6));
}

/** GroupNormalization from its definition, in float64: per-group (opset 18) or per-channel (21) scale and bias. */
function groupNorm(x: Tensor, groups: number, scale: Tensor, bias: Tensor, epsilon: number, perChannel: boolean): number[] {
  const [n, c] = x.dims;
  const m = (x.data.length / n / c) * (c / groups);
  const v = Array.from(x.data as Float32Array);
  const out = new Array<number>(v.length);
  for (let row = 0; row < n * groups; row++) {
    const part = v.slice(row * m, (row + 1) * m);
    const mean = part.reduce((s, t) => s + t, 0) / m;
    const variance = part.reduce((s, t) => s + (t - mean) ** 2, 0) / m;
    for (let k = 0; k < m; k++) {
      const g = row % groups;
      const ch = g * (c / groups) + Math.floor(k / (m / (c / groups)));
      const i = perChannel ? ch : g;
      out[row * m + k] = ((part[k] - mean) / Math.sqrt(variance + Math.fround(epsilon))) * (scale.data as Float32Array)[i] + (bias.data as Float32Array)[i];
    }
  }
  return out;
}

describe('GroupNormalization (opset 18: scale and bias per group; 21: per channel)', () => {
  // [label, opset, X shape, num_groups, attributes]
  const cases: [string, number, Dim[], number, Record<string, AttrInput>][] = [
    ['[N, C, H, W], 2 groups of 2 channels', 18, [2, 4, 3, 2], 2, {}],
    ['[N, C, L], one group (LayerNorm over C and L), epsilon 1e-2', 18, [2, 3, 4], 1, { epsilon: floatAttr(1e-2) }],
    ['[N, C, H, W], 2 groups of 2 channels', 21, [2, 4, 3, 2], 2, {}],
    ['[N, C, L], a group per channel (InstanceNorm), stash_type 1', 21, [2, 3, 5], 3, { stash_type: 1 }],
    ['a dynamic batch, 3 groups of 2 channels, epsilon 1e-3', 21, ['n', 6, 2, 2], 3, { epsilon: floatAttr(1e-3) }],
  ];
  for (const [label, opset, shape, groups, attrs] of cases) {
    it(`${label} at opset ${opset}: forward against float64, X, scale and bias`, async () => {
      const c = shape[1] as number;
      const width = opset >= 21 ? c : groups;
      const [scale, bias] = [randn([width], 2), randn([width], 3)];
      const m = opModel(opset, (b) => {
        const x = b.input('x', 'float32', shape);
        b.output(b.op('GroupNormalization', [x, b.initializer('scale', scale), b.initializer('bias', bias)], { num_groups: groups, ...attrs }), 'y');
      });
      const concrete = shape.map((d) => (typeof d === 'number' ? d : 2));
      const x = randn(concrete, 4, 2);
      const y = (await runSession(await createSession(m), { x })).y;
      const epsilon = attrs.epsilon === undefined ? 1e-5 : (attrs.epsilon as { value: number }).value;
      const want = groupNorm(x, groups, scale, bias, epsilon, opset >= 21);
      want.forEach((v, i) => expect((y.data as Float32Array)[i]).toBeCloseTo(v, 4));
      expect(inferTypes(m).get('y')?.shape).toEqual(shape);
      // From opset 21 the statistics are computed in the stash type, float32, even for float64 X, so the
      // check runs in float32 there; opset 18 computes in X's type and onnxruntime has double kernels for it.
      const result = await expectGradOk(m, { batch: 2, precision: opset >= 21 ? 'float32' : 'auto' });
      expect(result.precision).toBe(opset >= 21 ? 'float32' : 'float64');
      expect(result.tensors.map((t) => t.name)).toEqual(['x', 'scale', 'bias']);
    });
  }

  it("refuses scale and bias of the other opset's shape, and num_groups that does not divide C", () => {
    const model = (opset: number, width: number, groups = 2) =>
      opModel(opset, (b) => {
        const x = b.input('x', 'float32', [2, 4, 3]);
        b.output(b.op('GroupNormalization', [x, b.input('s', 'float32', [width]), b.input('b', 'float32', [width])], { num_groups: groups }), 'y');
      });
    expect(() => inferTypes(model(18, 4))).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('[num_groups] = [2]') }));
    expect(() => inferTypes(model(21, 2))).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('[C] = [4]') }));
    expect(() => inferTypes(model(21, 4, 3))).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('num_groups 3 does not divide the channel count 4') }));
  });
});
