import { describe, it } from 'vitest';
import { expectGradOk, opModel, randn, uniform } from './support.js';
import { scalarTensor } from '../../lib/onnx/tensor.js';

describe('arithmetic gradients', () => {
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
    it(`${op} with broadcasting ([2,3,4] with [3,1] parameter)`, async () => {
      const m = opModel(13, (b) => {
        const x = b.input('x', 'float32', [2, 3, 4]);
        const w = b.initializer('w', op === 'Div' ? uniform([3, 1], 0.5, 2) : randn([3, 1], 2));
        b.output(b.op(op, [x, w]), 'y');
      });
      await expectGradOk(m);
    });
  }
});
