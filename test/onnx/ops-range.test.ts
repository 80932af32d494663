import { describe, expect, it } from 'vitest';
import { inferTypes } from '../../lib/onnx/infer.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { scalarTensor, tensorOf, toNumbers } from '../../lib/onnx/tensor.js';
import type { DType } from '../../lib/onnx/dtype.js';
import { expectGradOk, opModel, randn } from './support.js';

describe('Range', () => {
  // [dtype, start, limit, delta, expected values]
  const cases: [DType, number, number, number, number[]][] = [
    ['int64', 0, 5, 1, [0, 1, 2, 3, 4]],
    ['int64', 10, 4, -2, [10, 8, 6]],
    ['int32', 3, 9, 3, [3, 6]],
    ['int64', 5, 5, 1, []],
    ['int64', 5, 0, 1, []],
    ['float32', 0.5, 2.6, 0.5, [0.5, 1, 1.5, 2, 2.5]],
    ['float32', 1, -0.25, -0.3, [1, 0.7, 0.4, 0.1, -0.2]],
    ['float64', -1, 1, 0.75, [-1, -0.25, 0.5]],
  ];
  for (const [dtype, start, limit, delta, want] of cases) {
    it(`${dtype} Range(${start}, ${limit}, ${delta}): inference knows the length (and an integer one its values), as onnxruntime computes`, async () => {
      const m = opModel(11, (b) => {
        const s = (v: number) => b.constant(scalarTensor(dtype, v));
        b.output(b.op('Range', [s(start), s(limit), s(delta)]), 'y');
      });
      const inferred = inferTypes(m).get('y');
      expect(inferred?.shape).toEqual([want.length]);
      const y = (await runSession(await createSession(m), {})).y;
      expect(y.dims).toEqual([want.length]);
      toNumbers(y).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
      if (dtype.startsWith('int')) expect(inferred?.value).toEqual(want);
    });
  }

  it('Range(0, n, 1) over a dimension keeps it symbolic, and its integer output indexes a Gather', () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['batch', 'len']);
      const n = b.squeeze(b.dim(x, 1), [0]);
      const idx = b.op('Range', [b.constant(scalarTensor('int64', 0)), n, b.constant(scalarTensor('int64', 1))]);
      b.output(b.op('Gather', [x, idx], { axis: 1 }), 'y');
    });
    expect(inferTypes(m).get('y')?.shape).toEqual(['batch', 'len']);
  });

  it('a constant Range used as shape data folds: Reshape to Range(1, 4, 1) = [1, 2, 3]', () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [6]);
      const shape = b.op('Range', [b.constant(scalarTensor('int64', 1)), b.constant(scalarTensor('int64', 4)), b.constant(scalarTensor('int64', 1))]);
      b.output(b.reshape(x, shape), 'y');
    });
    expect(inferTypes(m).get('y')?.shape).toEqual([1, 2, 3]);
  });

  // The Range's length is unknown to inference (x is fed), so Mul's broadcast gradient needs opset 13; at 11 a Tanh follows.
  for (const opset of [11, 13, 17]) {
    it(`gradients to float start and delta (none to limit) at opset ${opset}`, async () => {
      const m = opModel(opset, (b) => {
        const x = b.input('x', 'float32', [2]);
        const start = b.squeeze(b.slice(x, [0], [1], [0]), [0]);
        const delta = b.squeeze(b.slice(x, [1], [2], [0]), [0]);
        // 7 elements at x = [0.3, 0.9]: (6.2 - 0.3) / 0.9 = 6.6, far from a change of length.
        const r = b.op('Range', [start, b.constant(scalarTensor('float32', 6.2)), delta]);
        b.output(opset < 13 ? b.op('Tanh', [r]) : b.op('Mul', [r, b.initializer('w', randn([7], 2))]), 'y');
      });
      const result = await expectGradOk(m, { inputs: { x: tensorOf('float32', [2], [0.3, 0.9]) } });
      expect(result.tensors.map((t) => t.name)).toEqual(opset < 13 ? ['x'] : ['x', 'w']);
    });
  }

  it('refuses mixed input types and a zero delta', () => {
    const mixed = opModel(11, (b) => {
      b.output(b.op('Range', [b.constant(scalarTensor('int64', 0)), b.constant(scalarTensor('int32', 4)), b.constant(scalarTensor('int64', 1))]), 'y');
    });
    expect(() => inferTypes(mixed)).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('input limit is int32') }));
    const zero = opModel(11, (b) => {
      b.output(b.op('Range', [b.constant(scalarTensor('int64', 0)), b.constant(scalarTensor('int64', 4)), b.constant(scalarTensor('int64', 0))]), 'y');
    });
    expect(() => inferTypes(zero)).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('delta is 0') }));
  });
});
