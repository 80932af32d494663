import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { MAX_OPSET } from '../../lib/onnx/ops/index.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { scalarTensor } from '../../lib/onnx/tensor.js';
import { expectGradOk, opModel, randn, uniform } from './support.js';

describe('arithmetic gradients', () => {
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
    it(`${op}: [2,3,4] input with a [3,1] parameter (broadcast on two axes)`, async () => {
      const m = opModel(13, (b) => {
        const x = b.input('x', 'float32', [2, 3, 4]);
        const w = b.initializer('w', op === 'Div' ? uniform([3, 1], 0.5, 2) : randn([3, 1], 2));
        b.output(b.op(op, [x, w]), 'y');
      });
      await expectGradOk(m);
    });
    it(`${op}: both operands broadcast ([2,1,4] and [3,1]) at opset 9`, async () => {
      const m = opModel(9, (b) => {
        const x = b.input('x', 'float32', [2, 1, 4]);
        const w = b.input('w', 'float32', [3, 1]);
        b.output(b.op(op, [x, w]), 'y');
      });
      await expectGradOk(m, op === 'Div' ? { inputs: { w: uniform([3, 1], 0.5, 2) } } : {});
    });
  }

  it('Mul of a value by itself sums both contributions', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [3, 4]);
      b.output(b.op('Mul', [x, x]), 'y');
    });
    await expectGradOk(m);
  });

  for (const k of [2, 0.5, 3, -1]) {
    it(`Pow with constant exponent ${k}`, async () => {
      const m = opModel(13, (b) => {
        const x = b.input('x', 'float32', [3, 4]);
        b.output(b.op('Pow', [x, b.constant(scalarTensor('float32', k))]), 'y');
      });
      await expectGradOk(m, { inputs: { x: uniform([3, 4], 0.5, 2) } });
    });
  }

  it('Pow with a tensor exponent (gradients for base and exponent)', async () => {
    const m = opModel(9, (b) => {
      const x = b.input('x', 'float32', [3, 4]);
      const p = b.input('p', 'float32', [4]);
      b.output(b.op('Pow', [x, p]), 'y');
    });
    await expectGradOk(m, { inputs: { x: uniform([3, 4], 0.5, 2), p: uniform([4], -1, 2, 3) } });
  });

  for (const op of ['Min', 'Max']) {
    it(`${op} of two broadcasting inputs`, async () => {
      const m = opModel(13, (b) => {
        const x = b.input('x', 'float32', [3, 4]);
        const w = b.initializer('w', randn([4], 5));
        b.output(b.op(op, [x, w]), 'y');
      });
      await expectGradOk(m);
    });
    it(`${op} of three inputs at opset 9`, async () => {
      const m = opModel(9, (b) => {
        const x = b.input('x', 'float32', [3, 4]);
        const y = b.input('y', 'float32', [3, 4]);
        const z = b.input('z', 'float32', [1, 4]);
        b.output(b.op(op, [x, y, z]), 'out');
      });
      await expectGradOk(m);
    });
  }

  for (const op of ['Sum', 'Mean']) {
    it(`${op} of one input is its identity`, async () => {
      const m = opModel(13, (b) => b.output(b.op(op, [b.input('x', 'float32', [3, 4])]), 'y'));
      await expectGradOk(m);
    });
    // Multidirectional broadcasting on every input, and an input read twice (its two gradients add up).
    for (const opset of [9, 13, MAX_OPSET]) {
      it(`${op} of four broadcasting inputs, one of them repeated, at opset ${opset}`, async () => {
        const m = opModel(opset, (b) => {
          const x = b.input('x', 'float32', [2, 1, 4]);
          const v = b.input('v', 'float32', [3, 1]);
          const w = b.initializer('w', randn([4], 8));
          b.output(b.op(op, [x, v, w, x]), 'y');
        });
        expect(inferTypes(m).get('y')?.shape).toEqual([2, 3, 4]);
        const result = await expectGradOk(m);
        expect(result.tensors.map((t) => t.name)).toEqual(['x', 'v', 'w']);
      });
    }
    it(`${op}: the summed objective's gradient is 1 (Sum) or 1/n (Mean) per use, summed over broadcast axes`, async () => {
      const m = opModel(13, (b) => {
        const x = b.input('x', 'float32', [2, 3]);
        const v = b.input('v', 'float32', [3]);
        b.output(b.op(op, [x, v, x]), 'y');
      });
      const grad = buildGradientModel(m, { objective: 'y', inputs: ['x', 'v'] }).model;
      const out = await runSession(await createSession(grad), { x: randn([2, 3], 1), v: randn([3], 2) });
      const k = op === 'Sum' ? 1 : 1 / 3;
      expect(Array.from(out.grad_x.data as Float32Array)).toEqual(new Array<number>(6).fill(Math.fround(2 * k)));
      expect(Array.from(out.grad_v.data as Float32Array)).toEqual(new Array<number>(3).fill(Math.fround(2 * k)));
    });
  }

  it('Sum of integer shape values carries them through inference', () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [2, 3]);
      const dims = b.op('Shape', [x]);
      b.output(b.op('Reshape', [x, b.op('Sum', [dims, b.ints([1, -1]), b.ints([-1, 1])])]), 'y');
    });
    expect(inferTypes(m).get('y')?.shape).toEqual([2, 3]);
  });

  it('Where with a broadcast condition and broadcast branches', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [3, 4]);
      const w = b.initializer('w', randn([4], 6));
      const cond = b.op('Greater', [b.input('c', 'float32', [3, 1]), b.constant(scalarTensor('float32', 0))]);
      b.output(b.op('Where', [cond, x, w]), 'y');
    });
    await expectGradOk(m, { inputs: { c: randn([3, 1], 9) } });
  });
});
