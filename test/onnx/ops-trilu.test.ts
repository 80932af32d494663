import { describe, expect, it } from 'vitest';
import { inferTypes } from '../../lib/onnx/infer.js';
import type { Dim } from '../../lib/onnx/ir.js';
import { tensorOf } from '../../lib/onnx/tensor.js';
import { arr, type Arr } from './fixtures/reference.js';
import { expectForward, normals, singleOpModel } from './fixtures/single-op.js';
import { expectGradOk } from './support.js';

/** Trilu from its definition: keep element (i, j) of the last two axes when j - i >= k (upper) or <= k (lower). */
function trilu(x: Arr, upper: boolean, k: number): Arr {
  const [rows, cols] = x.dims.slice(-2);
  return arr(
    x.dims,
    x.data.map((v, flat) => {
      const [i, j] = [Math.floor(flat / cols) % rows, flat % cols];
      return (upper ? j - i >= k : j - i <= k) ? v : 0;
    }),
  );
}

describe('Trilu', () => {
  // [label, X shape, concrete shape, upper attribute (undefined: default 1), k input (undefined: absent)]
  const cases: [string, Dim[], number[], number | undefined, number | undefined][] = [
    ['upper by default, no k', [4, 4], [4, 4], undefined, undefined],
    ['lower, no k', [3, 5], [3, 5], 0, undefined],
    ['upper, k = 1, batched', ['n', 3, 4], [2, 3, 4], 1, 1],
    ['lower, k = -1', [2, 4, 3], [2, 4, 3], 0, -1],
    ['upper, k = -2 on a wide matrix', [3, 6], [3, 6], 1, -2],
    ['lower, k beyond the matrix (keeps everything)', [3, 3], [3, 3], 0, 5],
  ];
  for (const [label, shape, concrete, upper, k] of cases) {
    it(`${label}: forward, inferred shape and gradient`, async () => {
      const model = singleOpModel({ opset: 14, op: 'Trilu', x: shape, attrs: upper === undefined ? {} : { upper }, extra: (b) => (k === undefined ? [] : [b.constant(tensorOf('int64', [], [k]))]) });
      await expectForward(model, normals(concrete, 3), (x) => trilu(x, upper !== 0, k ?? 0), 0);
      await expectGradOk(model, { batch: 2 });
    });
  }
  it('with k fed at run time', async () => {
    const model = singleOpModel({ opset: 21, op: 'Trilu', x: [3, 4], attrs: { upper: 0 }, extra: (b) => [b.input('k', 'int64', [])] });
    await expectGradOk(model, { inputs: { k: tensorOf('int64', [], [1]) } });
  });
  it('refuses a rank-1 input and opsets before 14', () => {
    expect(() => inferTypes(singleOpModel({ opset: 14, op: 'Trilu', x: [4] }))).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('rank 2 or more') }));
    expect(() => inferTypes(singleOpModel({ opset: 13, op: 'Trilu', x: [4, 4] }))).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining('opsets 14-') }));
  });
});
