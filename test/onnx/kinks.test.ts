import { describe, expect, it } from 'vitest';
import { floatAttr, type AttrInput, type GraphBuilder } from '../../lib/onnx/builder.js';
import { freezeKinks } from '../../lib/onnx/kinks.js';
import { kinkedOps } from '../../lib/onnx/ops/index.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor, scalarTensor, tensorOf, type Tensor } from '../../lib/onnx/tensor.js';
import * as R from './fixtures/reference.js';
import { normals, toArr } from './fixtures/single-op.js';
import { opModel } from './support.js';
import { range } from '../../lib/onnx/ops/support/shape-utils.js';

interface Case {
  label: string;
  opset: number;
  dims: number[];
  build: (b: GraphBuilder, x: string) => string;
  /** The frozen function at x1, given the base point x0 (flat arrays). */
  frozen: (x0: Float32Array, x1: Float32Array) => number[];
}

const unary =
  (op: string, attrs: Record<string, AttrInput> = {}) =>
  (b: GraphBuilder, x: string) =>
    b.op(op, [x], attrs);
const each = (f: (a: number, b: number) => number) => (x0: Float32Array, x1: Float32Array) => Array.from(x0, (a, i) => f(a, x1[i]));

/** The rows of a [3, 4] array. */
const rows = (x: Float32Array) => [0, 1, 2].map((i) => Array.from(x.subarray(4 * i, 4 * i + 4)));
const PRELU_SLOPE = [0.1, 0.2, -0.3, 0.5];
const argmax = (v: number[]) => v.indexOf(Math.max(...v));

const CASES: Case[] = [
  { label: 'Relu', opset: 13, dims: [3, 4], build: unary('Relu'), frozen: each((a, x) => (a > 0 ? x : 0)) },
  { label: 'LeakyRelu', opset: 13, dims: [3, 4], build: unary('LeakyRelu', { alpha: floatAttr(0.2) }), frozen: each((a, x) => (a > 0 ? x : Math.fround(0.2) * x)) },
  { label: 'Abs', opset: 13, dims: [3, 4], build: unary('Abs'), frozen: each((a, x) => Math.sign(a) * x) },
  {
    label: 'HardSigmoid',
    opset: 13,
    dims: [3, 4],
    build: unary('HardSigmoid', { alpha: floatAttr(0.5), beta: floatAttr(0.5) }),
    frozen: each((a, x) => (0.5 * a + 0.5 >= 1 ? 1 : 0.5 * a + 0.5 > 0 ? 0.5 * x + 0.5 : 0)),
  },
  {
    label: 'Clip with attributes (opset 9)',
    opset: 9,
    dims: [3, 4],
    build: unary('Clip', { min: floatAttr(-0.5), max: floatAttr(0.5) }),
    frozen: each((a, x) => (a < -0.5 ? -0.5 : a > 0.5 ? 0.5 : x)),
  },
  {
    label: 'Clip with a min input only (opset 13)',
    opset: 13,
    dims: [3, 4],
    build: (b, x) => b.op('Clip', [x, b.constant(scalarTensor('float32', -0.25))]),
    frozen: each((a, x) => (a < -0.25 ? -0.25 : x)),
  },
  {
    label: 'Where on a comparison of the input',
    opset: 13,
    dims: [3, 4],
    build: (b, x) => b.op('Where', [b.op('Greater', [x, b.scalar(0, 'float32')]), x, b.op('Mul', [x, b.scalar(3, 'float32')])]),
    frozen: each((a, x) => (a > 0 ? x : 3 * x)),
  },
  {
    label: 'Elu with alpha 0.5 (a jump in slope at 0)',
    opset: 13,
    dims: [3, 4],
    build: unary('Elu', { alpha: floatAttr(0.5) }),
    frozen: each((a, x) => (a > 0 ? x : Math.fround(0.5) * (Math.exp(x) - 1))),
  },
  {
    label: 'Selu',
    opset: 13,
    dims: [3, 4],
    build: unary('Selu'),
    frozen: each((a, x) => 1.0507009873554805 * (a > 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1))),
  },
  {
    label: 'Max of the input and a broadcast scalar (torch.maximum)',
    opset: 13,
    dims: [3, 4],
    build: (b, x) => b.op('Max', [x, b.constant(scalarTensor('float32', -0.2))]),
    frozen: each((a, x) => (a >= Math.fround(-0.2) ? x : Math.fround(-0.2))),
  },
  {
    label: 'Min of three inputs at opset 9 (floats compared without Equal), two of them computed from x',
    opset: 9,
    dims: [3, 4],
    build: (b, x) => b.op('Min', [x, b.op('Neg', [x]), b.constant(scalarTensor('float32', 0.3))]),
    frozen: each((a, x) => (a <= Math.min(-a, Math.fround(0.3)) ? x : -a <= Math.fround(0.3) ? -x : Math.fround(0.3))),
  },
  {
    label: 'MaxPool (gathers at the base maxima)',
    opset: 13,
    dims: [1, 2, 4, 4],
    build: unary('MaxPool', { kernel_shape: [2, 2], strides: [1, 1] }),
    frozen: (x0, x1) => R.maxPool(R.arr([1, 2, 4, 4], x0), { kernel: [2, 2], strides: [1, 1], pads: [0, 0, 0, 0], out: [3, 3] }).indices.map((i) => x1[i]),
  },
  {
    label: 'PRelu with a slope per column',
    opset: 13,
    dims: [3, 4],
    build: (b, x) => b.op('PRelu', [x, b.constant(tensorOf('float32', [4], PRELU_SLOPE))]),
    frozen: (x0, x1) => Array.from(x0, (a, i) => (a > 0 ? x1[i] : Math.fround(PRELU_SLOPE[i % 4]) * x1[i])),
  },
  {
    label: 'HardSwish of 3x (regions below -3, between, above 3)',
    opset: 14,
    dims: [3, 4],
    build: (b, x) => b.op('HardSwish', [b.op('Mul', [x, b.scalar(3, 'float32')])]),
    frozen: each((a, x) => (3 * a >= 3 ? 3 * x : 3 * a > -3 ? 3 * x * (x / 2 + 0.5) : 0)),
  },
  {
    label: 'GlobalMaxPool (sums x at the base maxima)',
    opset: 13,
    dims: [2, 3, 2, 4],
    build: unary('GlobalMaxPool'),
    frozen: (x0, x1) => range(6).map((c) => x1[8 * c + Array.from(x0.subarray(8 * c, 8 * c + 8)).indexOf(Math.max(...x0.subarray(8 * c, 8 * c + 8)))]),
  },
  {
    label: 'ReduceMax over rows, keepdims 0 (axes attribute, opset 11)',
    opset: 11,
    dims: [3, 4],
    build: unary('ReduceMax', { axes: [1], keepdims: 0 }),
    frozen: (x0, x1) => rows(x0).map((r, i) => x1[4 * i + r.indexOf(Math.max(...r))]),
  },
  {
    label: 'ReduceMax over columns (axes attribute, ReduceSum with an axes input, opset 13)',
    opset: 13,
    dims: [3, 4],
    build: unary('ReduceMax', { axes: [0] }),
    frozen: (x0, x1) => range(4).map((j) => x1[4 * argmax([0, 1, 2].map((i) => x0[4 * i + j])) + j]),
  },
  {
    label: 'ReduceMin over everything (axes input absent, opset 18)',
    opset: 18,
    dims: [3, 4],
    build: unary('ReduceMin', { keepdims: 0 }),
    frozen: (x0, x1) => [x1[Array.from(x0).indexOf(Math.min(...x0))]],
  },
  {
    label: 'ReduceMin over rows (axes input, opset 18)',
    opset: 18,
    dims: [3, 4],
    build: (b, x) => b.op('ReduceMin', [x, b.ints([-1])], { keepdims: 1 }),
    frozen: (x0, x1) => rows(x0).map((r, i) => x1[4 * i + r.indexOf(Math.min(...r))]),
  },
  { label: 'Floor of 2x', opset: 13, dims: [3, 4], build: (b, x) => b.op('Floor', [b.op('Mul', [x, b.scalar(2, 'float32')])]), frozen: each((a) => Math.floor(2 * a)) },
  { label: 'Ceil of 2x', opset: 9, dims: [3, 4], build: (b, x) => b.op('Ceil', [b.op('Mul', [x, b.scalar(2, 'float32')])]), frozen: each((a) => Math.ceil(2 * a)) },
  { label: 'Round of 2x', opset: 11, dims: [3, 4], build: (b, x) => b.op('Round', [b.op('Mul', [x, b.scalar(2, 'float32')])]), frozen: each((a) => Math.round(2 * a)) },
  {
    label: 'Cast of 2x to int32 and back (truncation)',
    opset: 13,
    dims: [3, 4],
    build: (b, x) => b.cast(b.cast(b.op('Mul', [x, b.scalar(2, 'float32')]), 'int32'), 'float32'),
    frozen: each((a) => Math.trunc(2 * a)),
  },
  {
    label: 'CastLike of 2x to int64 and back (truncation)',
    opset: 15,
    dims: [3, 4],
    build: (b, x) => b.op('CastLike', [b.op('CastLike', [b.op('Mul', [x, b.scalar(2, 'float32')]), b.constant(tensorOf('int64', [1], [0]))]), x]),
    frozen: each((a) => Math.trunc(2 * a)),
  },
  { label: 'Sign', opset: 13, dims: [3, 4], build: unary('Sign'), frozen: each((a) => Math.sign(a)) },
  {
    label: 'ArgMax along rows, cast to float',
    opset: 13,
    dims: [3, 4],
    build: (b, x) => b.cast(b.op('ArgMax', [x], { axis: 1, keepdims: 0 }), 'float32'),
    frozen: (x0) => rows(x0).map((r) => r.indexOf(Math.max(...r))),
  },
  {
    label: 'ArgMin along rows, cast to float',
    opset: 9,
    dims: [3, 4],
    build: (b, x) => b.cast(b.op('ArgMin', [x], { axis: 1, keepdims: 0 }), 'float32'),
    frozen: (x0) => rows(x0).map((r) => r.indexOf(Math.min(...r))),
  },
  {
    label: 'TopK values, two per row (gathers at the base indices)',
    opset: 11,
    dims: [3, 4],
    build: (b, x) => b.node('TopK', [x, b.ints([2])], { axis: 1 }, { outputs: 2 })[0],
    frozen: (x0, x1) =>
      rows(x0).flatMap((r, i) =>
        r
          .map((v, j) => [v, j])
          .sort((p, q) => q[0] - p[0])
          .slice(0, 2)
          .map(([, j]) => x1[4 * i + j]),
      ),
  },
];

async function run(model: Parameters<typeof createSession>[0], feeds: Record<string, Tensor>, outputs?: string[]) {
  return runSession(await createSession(model), feeds, outputs);
}

describe('kink freezing', () => {
  it('freezes the operators whose definitions declare a kink, and the cases below cover each of them', () => {
    expect(kinkedOps()).toEqual([
      'Abs',
      'ArgMax',
      'ArgMin',
      'Cast',
      'CastLike',
      'Ceil',
      'Clip',
      'Elu',
      'Floor',
      'GlobalMaxPool',
      'HardSigmoid',
      'HardSwish',
      'LeakyRelu',
      'Max',
      'MaxPool',
      'Min',
      'PRelu',
      'ReduceMax',
      'ReduceMin',
      'Relu',
      'Round',
      'Selu',
      'Sign',
      'TopK',
      'Where',
    ]);
    const covered = new Set(CASES.map((c) => c.label.split(/[^A-Za-z]/)[0]));
    for (const op of kinkedOps()) expect(covered, op).toContain(op);
  });

  for (const c of CASES) {
    it(`${c.label}: equals the model at the base point and keeps its selections elsewhere`, async () => {
      const model = opModel(c.opset, (b) => b.output(c.build(b, b.input('x', 'float32', c.dims)), 'y'));
      const kinks = freezeKinks(model);
      expect(kinks.frozen).not.toBe(model);
      const x0 = normals(c.dims, 1);
      const base = await run(kinks.capture, { x: x0 }, ['y', ...kinks.captured]);
      const selections = kinks.feeds(base);
      const atBase = await run(kinks.frozen, { x: x0, ...selections });
      // Equal values (a frozen ReLU writes -0 for 0: the same number).
      expect(Array.from(atBase.y.data as Float32Array, (v) => v + 0)).toEqual(Array.from(base.y.data as Float32Array, (v) => v + 0));
      // A step of 0.8 moves many elements across their kinks; the frozen model keeps the base branches.
      const x1 = makeTensor(
        'float32',
        c.dims,
        Float32Array.from(x0.data as Float32Array, (v, i) => v + 0.8 * Math.sin(3 * i)),
      );
      const moved = await run(kinks.frozen, { x: x1, ...selections });
      const want = c.frozen(x0.data as Float32Array, x1.data as Float32Array);
      // float32 products of the same values in the same order, or copies.
      (moved.y.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
      // ... where the model itself has switched branches for some elements (so the step did cross kinks).
      const plain = await run(model, { x: x1 });
      expect(Array.from(plain.y.data as Float32Array).some((v, i) => Math.abs(v - want[i]) > 1e-3)).toBe(true);
    });
  }

  it('keeps a MaxPool Indices output the model computes', async () => {
    const model = opModel(13, (b) => {
      const [y, indices] = b.node('MaxPool', [b.input('x', 'float32', [1, 1, 4, 4])], { kernel_shape: [2, 2], strides: [2, 2] }, { outputs: 2 });
      b.output(y, 'y');
      b.output(indices, 'indices');
    });
    const kinks = freezeKinks(model);
    const x0 = normals([1, 1, 4, 4], 2);
    const base = await run(kinks.capture, { x: x0 });
    const frozen = await run(kinks.frozen, { x: x0, ...kinks.feeds(base) });
    expect(Array.from(frozen.indices.data as BigInt64Array)).toEqual(Array.from(base.indices.data as BigInt64Array));
    expect(Array.from(frozen.y.data as Float32Array)).toEqual(Array.from(R.maxPool(toArr(x0), { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], out: [2, 2] }).y.data));
  });

  it('returns the model itself when nothing has a kink', () => {
    const model = opModel(13, (b) => b.output(b.op('Tanh', [b.input('x', 'float32', [2])]), 'y'));
    const kinks = freezeKinks(model);
    expect(kinks.frozen).toBe(model);
    expect(kinks.capture).toBe(model);
    expect(kinks.captured).toEqual([]);
  });
});
