import { describe, it } from 'vitest';
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
