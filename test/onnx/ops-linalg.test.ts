import { describe, it } from 'vitest';
import { floatAttr, type AttrInput } from '../../lib/onnx/builder.js';
import type { Dim } from '../../lib/onnx/ir.js';
import { expectGradOk, opModel, randn } from './support.js';

describe('Gemm gradients', () => {
  // M = 3, K = 4, N = 5.
  const cShapes: (number[] | null)[] = [[5], [1, 5], [3, 5], [3, 1], [], null];
  for (const transA of [0, 1]) {
    for (const transB of [0, 1]) {
      for (const c of cShapes) {
        it(`transA=${transA} transB=${transB} C ${c === null ? 'absent' : `[${c.join(',')}]`}, alpha 0.7, beta 1.3`, async () => {
          const m = opModel(13, (b) => {
            const a = b.input('a', 'float32', transA ? [4, 3] : [3, 4]);
            const w = b.initializer('w', randn(transB ? [5, 4] : [4, 5], 2));
            const inputs = [a, w];
            if (c !== null) inputs.push(b.initializer('c', randn(c, 3)));
            const attrs: Record<string, AttrInput> = { transA, transB, alpha: floatAttr(0.7), beta: floatAttr(1.3) };
            b.output(b.op('Gemm', inputs, attrs), 'y');
          });
          await expectGradOk(m);
        });
      }
    }
  }
  it('opset 9 (C required) with a dynamic batch, as PyTorch exports Linear', async () => {
    const m = opModel(9, (b) => {
      const x = b.input('x', 'float32', ['batch', 4]);
      const w = b.initializer('w', randn([5, 4], 2));
      b.output(b.op('Gemm', [x, w, b.initializer('bias', randn([5], 3))], { transB: 1, alpha: floatAttr(1), beta: floatAttr(1) }), 'y');
    });
    await expectGradOk(m, { batch: 3 });
  });
});

describe('MatMul gradients', () => {
  const cases: [string, Dim[], number[]][] = [
    ['2-D by 2-D', [3, 4], [4, 5]],
    ['3-D by 2-D (flattened batch)', [2, 3, 4], [4, 5]],
    ['dynamic batch by 2-D', ['n', 3, 4], [4, 5]],
    ['batched with broadcasting', [2, 1, 3, 4], [5, 4, 2]],
    ['2-D by 3-D', [3, 4], [2, 4, 5]],
    ['1-D by 2-D', [4], [4, 5]],
    ['2-D by 1-D', [3, 4], [4]],
    ['1-D by 1-D', [4], [4]],
    ['3-D by 1-D', [2, 3, 4], [4]],
    ['1-D by 3-D', [4], [2, 4, 5]],
  ];
  for (const [label, a, w] of cases) {
    it(label, async () => {
      const m = opModel(13, (b) => {
        const x = b.input('x', 'float32', a);
        b.output(b.op('MatMul', [x, b.initializer('w', randn(w, 2))]), 'y');
      });
      await expectGradOk(m, { batch: 2 });
    });
  }
  it('at opset 9 (unsqueeze axes as attributes)', async () => {
    const m = opModel(9, (b) => {
      const x = b.input('x', 'float32', [4]);
      b.output(b.op('MatMul', [x, b.initializer('w', randn([2, 4, 5], 2))]), 'y');
    });
    await expectGradOk(m);
  });
});
