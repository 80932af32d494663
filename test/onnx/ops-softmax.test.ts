import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { expectGradOk, opModel, randn } from './support.js';

const SHAPE = [2, 3, 4];

/** Softmax (or LogSoftmax) in float64 over the given axes of a row-major [2, 3, 4] array. */
function reference(x: Float32Array, axes: number[], log: boolean): number[] {
  const strides = [12, 4, 1];
  const groupOf = (i: number) => SHAPE.map((_, a) => (axes.includes(a) ? 0 : Math.floor(i / strides[a]) % SHAPE[a])).join(',');
  const groups = new Map<string, number[]>();
  x.forEach((_, i) => groups.set(groupOf(i), [...(groups.get(groupOf(i)) ?? []), i]));
  const out = new Array<number>(x.length);
  for (const members of groups.values()) {
    const top = Math.max(...members.map((i) => x[i]));
    const logZ = Math.log(members.reduce((s, i) => s + Math.exp(x[i] - top), 0)) + top;
    for (const i of members) out[i] = log ? x[i] - logZ : Math.exp(x[i] - logZ);
  }
  return out;
}

describe('Softmax and LogSoftmax', () => {
  // [opset, axis attribute or undefined, the axes a group spans]
  const cases: [number, number | undefined, number[]][] = [
    [9, undefined, [1, 2]], // coerced to 2-D at the default axis 1
    [9, 0, [0, 1, 2]],
    [11, -1, [2]],
    [12, 1, [1, 2]],
    [13, undefined, [2]], // a single axis, default -1
    [13, 1, [1]],
    [21, 0, [0]],
  ];
  for (const op of ['Softmax', 'LogSoftmax']) {
    for (const [opset, axis, axes] of cases) {
      it(`${op} at opset ${opset}, axis ${axis ?? 'default'}: normalises over axes [${axes.join(', ')}]; gradient checked`, async () => {
        const m = opModel(opset, (b) => {
          const x = b.input('x', 'float32', SHAPE);
          b.output(b.op(op, [x], axis === undefined ? {} : { axis }), 'y');
        });
        const x = randn(SHAPE, 5, 2);
        const y = (await runSession(await createSession(m), { x })).y.data as Float32Array;
        // float32 kernels against a float64 reference: 1e-6 covers rounding of exp and log at |x| < 8.
        reference(x.data as Float32Array, axes, op === 'LogSoftmax').forEach((r, i) => expect(Math.abs(y[i] - r)).toBeLessThan(1e-6));
        expect((await expectGradOk(m, { inputs: { x } })).precision).toBe('float64');
      });
    }
  }

  it('a summed objective: Softmax contributes nothing (groups sum to 1), LogSoftmax gives 1 - n exp(y)', async () => {
    for (const op of ['Softmax', 'LogSoftmax']) {
      for (const opset of [12, 13]) {
        const m = opModel(opset, (b) => {
          const x = b.input('x', 'float32', SHAPE);
          b.output(b.op(op, [x], { axis: 1 }), 'y');
        });
        const x = randn(SHAPE, 6);
        const summed = await runSession(await createSession(buildGradientModel(m, { objective: 'y', inputs: ['x'] }).model), { x });
        const ones = makeTensor('float32', SHAPE, new Float32Array(24).fill(1));
        const vjp = await runSession(await createSession(buildGradientModel(m, { vjp: ['y'], inputs: ['x'] }).model), { x, 'grad_in/y': ones });
        const a = summed.grad_x.data as Float32Array;
        const b = vjp.grad_x.data as Float32Array;
        // The symbolic path and the materialised one differ by float32 rounding of sums of n <= 12 terms of size <= 12.
        a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-5));
        if (op === 'Softmax') expect(a.every((v) => v === 0)).toBe(true);
      }
    }
  });

  it('refuses an axis outside the rank', () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', SHAPE);
      b.output(b.op('Softmax', [x], { axis: 3 }), 'y');
    });
    expect(() => inferTypes(m)).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('axis 3') }));
  });
});
