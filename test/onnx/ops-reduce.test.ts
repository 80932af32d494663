import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import type { GraphBuilder } from '../../lib/onnx/builder.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import type { Model } from '../../lib/onnx/ir.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { int64Vector, makeTensor } from '../../lib/onnx/tensor.js';
import { MAX_OPSET } from '../../lib/onnx/ops/index.js';
import { expectGradOk, opModel, randn } from './support.js';

/** The opset from which each reduction takes its axes as an input. */
const AXES_INPUT_SINCE: Record<string, number> = {
  ReduceSum: 13,
  ReduceSumSquare: 18,
  ReduceMean: 18,
  ReduceMax: 18,
  ReduceMin: 18,
  ReduceL2: 18,
  ReduceProd: 18,
  ReduceLogSumExp: 18,
};

/** A reduction written the way the opset requires: axes as an attribute, or as an int64 input. */
function reduceNode(b: GraphBuilder, op: string, x: string, axes: number[] | null, keepdims: number, extra: Record<string, number> = {}): string {
  const asInput = b.opset >= AXES_INPUT_SINCE[op];
  if (axes === null) return b.op(op, [x], { keepdims, ...extra });
  return asInput ? b.op(op, [x, b.constant(int64Vector(axes))], { keepdims, ...extra }) : b.op(op, [x], { axes, keepdims, ...extra });
}

/** Runs a gradient model and returns the named output's values. */
async function gradOf(model: Model, feeds: Record<string, ReturnType<typeof randn>>, output: string): Promise<Float32Array> {
  const out = await runSession(await createSession(model), feeds);
  return out[output].data as Float32Array;
}

describe('reduction gradients across opset forms', () => {
  for (const op of Object.keys(AXES_INPUT_SINCE)) {
    const since = AXES_INPUT_SINCE[op];
    // The first and last opset of the attribute form and of the input form.
    for (const opset of [9, since - 1, since, MAX_OPSET]) {
      for (const [axes, keepdims] of [
        [[-1], 1],
        [[0, 2], 0],
      ] as const) {
        it(`${op} at opset ${opset}, axes [${axes.join(', ')}], keepdims ${keepdims}`, async () => {
          const m = opModel(opset, (b) => {
            const x = b.input('x', 'float32', [2, 3, 4]);
            b.output(reduceNode(b, op, x, [...axes], keepdims), 'y');
          });
          // onnxruntime has double kernels for all of these, so the check runs at float64 tolerances.
          expect((await expectGradOk(m)).precision).toBe('float64');
        });
      }
    }
    it(`${op} over every axis when none are given (opsets 11 and ${MAX_OPSET}), with a dynamic dim reduced`, async () => {
      for (const opset of [11, MAX_OPSET]) {
        const m = opModel(opset, (b) => {
          const x = b.input('x', 'float32', ['n', 3]);
          b.output(reduceNode(b, op, x, null, 0), 'y');
        });
        expect(inferTypes(m).get('y')?.shape).toEqual([]);
        await expectGradOk(m, { batch: 3 });
      }
    });
  }

  it('noop_with_empty_axes=1 without axes reduces nothing (ReduceSum at 13, ReduceMax at 18); empty axes with noop 0 reduce all', async () => {
    for (const [op, opset] of [
      ['ReduceSum', 13],
      ['ReduceMax', 18],
      ['ReduceLogSumExp', 18],
      ['ReduceMin', 18],
      ['ReduceProd', 18],
      // These two apply their elementwise part even with nothing reduced (x^2, |x|), as onnxruntime does.
      ['ReduceSumSquare', 18],
      ['ReduceL2', 18],
    ] as const) {
      const noop = opModel(opset, (b) => {
        const x = b.input('x', 'float32', [2, 3]);
        b.output(b.op('Tanh', [reduceNode(b, op, x, null, 1, { noop_with_empty_axes: 1 })]), 'y');
      });
      expect(inferTypes(noop).get('y')?.shape).toEqual([2, 3]);
      await expectGradOk(noop);
      const empty = opModel(opset, (b) => {
        const x = b.input('x', 'float32', [2, 3]);
        b.output(reduceNode(b, op, x, [], 1), 'y');
      });
      expect(inferTypes(empty).get('y')?.shape).toEqual([1, 1]);
      await expectGradOk(empty);
    }
  });

  it('ReduceMax: the gradient goes to the arg-max; tied maxima share it equally', async () => {
    const x = makeTensor('float32', [2, 3], Float32Array.of(1, 3, 3, 2, 0, -1));
    for (const keepdims of [0, 1]) {
      const m = opModel(18, (b) => {
        const xi = b.input('x', 'float32', [2, 3]);
        b.output(reduceNode(b, 'ReduceMax', xi, [1], keepdims), 'y');
      });
      const dy = makeTensor('float32', keepdims ? [2, 1] : [2], Float32Array.of(2, 5));
      const vjp = buildGradientModel(m, { vjp: ['y'], inputs: ['x'] }).model;
      // Exact: every entry is dy, dy / 2 or 0.
      expect(Array.from(await gradOf(vjp, { x, 'grad_in/y': dy }, 'grad_x'))).toEqual([0, 1, 1, 5, 0, 0]);
      // The summed objective (a uniform upstream gradient) takes the same rule.
      const summed = buildGradientModel(m, { objective: 'y', inputs: ['x'] }).model;
      expect(Array.from(await gradOf(summed, { x }, 'grad_x'))).toEqual([0, 0.5, 0.5, 1, 0, 0]);
    }
  });

  it('ReduceMin: the gradient goes to the arg-min; tied minima share it equally', async () => {
    const x = makeTensor('float32', [2, 3], Float32Array.of(1, -3, -3, 2, 0, 4));
    const m = opModel(13, (b) => {
      const xi = b.input('x', 'float32', [2, 3]);
      b.output(reduceNode(b, 'ReduceMin', xi, [1], 0), 'y');
    });
    const vjp = buildGradientModel(m, { vjp: ['y'], inputs: ['x'] }).model;
    expect(Array.from(await gradOf(vjp, { x, 'grad_in/y': makeTensor('float32', [2], Float32Array.of(2, 5)) }, 'grad_x'))).toEqual([0, 1, 1, 0, 5, 0]);
  });

  it('ReduceProd: the gradient is the product of the other elements, also where one or two elements are 0', async () => {
    // Rows with no zero, one zero and two zeros; float64 reference: the product of the others.
    const values = [2, -3, 0.5, 4, 0, -2, 0, 3, 0];
    const m = opModel(18, (b) => {
      const xi = b.input('x', 'float32', [3, 3]);
      b.output(reduceNode(b, 'ReduceProd', xi, [1], 1), 'y');
    });
    const x = makeTensor('float32', [3, 3], Float32Array.from(values));
    const summed = buildGradientModel(m, { objective: 'y', inputs: ['x'] }).model;
    const want = values.map((_, i) => {
      const row = Math.floor(i / 3);
      return values.slice(3 * row, 3 * row + 3).reduce((p, v, j) => (3 * row + j === i ? p : p * v), 1) + 0;
    });
    expect(Array.from(await gradOf(summed, { x }, 'grad_x'), (v) => v + 0)).toEqual(want);
    // The finite-difference check at those points: the product is linear in each element, zeros included.
    await expectGradOk(m, { inputs: { x } });
  });

  it('ReduceL2: the gradient is x / |x|, and 0 for an all-zero slice', async () => {
    const m = opModel(13, (b) => {
      const xi = b.input('x', 'float32', [2, 2]);
      b.output(reduceNode(b, 'ReduceL2', xi, [1], 0), 'y');
    });
    const x = makeTensor('float32', [2, 2], Float32Array.of(3, -4, 0, 0));
    const summed = buildGradientModel(m, { objective: 'y', inputs: ['x'] }).model;
    expect(Array.from(await gradOf(summed, { x }, 'grad_x'))).toEqual([0.6, -0.8, 0, 0].map(Math.fround));
  });

  it('ReduceLogSumExp: finite softmax weights at |x| ~ 1000 in float32, from the forward output', async () => {
    const values = [1000, 1000, 990, -1000, -1010, -1000];
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [2, 3]);
      b.output(reduceNode(b, 'ReduceLogSumExp', x, [1], 0), 'y');
    });
    const summed = buildGradientModel(m, { objective: 'y', inputs: ['x'] }).model;
    const dx = await gradOf(summed, { x: makeTensor('float32', [2, 3], Float32Array.from(values)) }, 'grad_x');
    for (let r = 0; r < 2; r++) {
      const row = values.slice(3 * r, 3 * r + 3);
      const top = Math.max(...row);
      const z = row.reduce((s, v) => s + Math.exp(v - top), 0);
      // float64 reference; y ~ 1000 is rounded to float32 by up to half an ulp (3.1e-5), which exp(x - y) inherits relatively.
      row.forEach((v, j) => expect(Math.abs(dx[3 * r + j] - Math.exp(v - top) / z)).toBeLessThan(1e-4));
    }
  });

  it('refuses forms the opset does not have, and unsupported attribute values, with coded errors', () => {
    const model = (opset: number, build: (b: GraphBuilder, x: string) => string) =>
      opModel(opset, (b) => {
        const x = b.input('x', 'float32', [2, 3]);
        b.output(build(b, x), 'y');
      });
    // An axes input before opset 13 (ReduceSum) or 18 (the others) is not part of the operator.
    expect(() => inferTypes(model(12, (b, x) => b.op('ReduceSum', [x, b.constant(int64Vector([1]))])))).toThrow(expect.objectContaining({ code: 'LPC_INVALID_MODEL' }));
    expect(() => inferTypes(model(17, (b, x) => b.op('ReduceMax', [x, b.constant(int64Vector([1]))])))).toThrow(expect.objectContaining({ code: 'LPC_INVALID_MODEL' }));
    expect(() => inferTypes(model(18, (b, x) => b.op('ReduceMean', [x], { axes: [1] })))).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining("'axes'") }));
    expect(() => inferTypes(model(13, (b, x) => b.op('ReduceMax', [x], { axes: [1], keepdims: 2 })))).toThrow(
      expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining('keepdims=2') }),
    );
    const runtimeAxes = opModel(18, (b) => {
      const x = b.input('x', 'float32', [2, 3]);
      b.output(b.op('ReduceLogSumExp', [x, b.input('axes', 'int64', [1])]), 'y');
    });
    expect(() => inferTypes(runtimeAxes)).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining('axes input must be a constant') }));
  });
});
