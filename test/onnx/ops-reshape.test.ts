import { describe, expect, it } from 'vitest';
import { inferTypes } from '../../lib/onnx/infer.js';
import { int64Vector, tensorOf } from '../../lib/onnx/tensor.js';
import type { Dim } from '../../lib/onnx/ir.js';
import { expectGradOk, opModel, randn } from './support.js';

describe('layout gradients', () => {
  const reshapes: [string, Dim[], number[], number?][] = [
    ['0 copies a dim and -1 infers one', [2, 3, 4], [0, -1]],
    ['to a static shape', [2, 3, 4], [4, 6]],
    ['dynamic batch with 0 and -1', ['n', 3, 4], [0, 2, -1]],
    ['allowzero=0 at opset 14', [2, 3, 4], [0, 12], 14],
  ];
  for (const [label, shape, target, opset] of reshapes) {
    it(`Reshape: ${label}`, async () => {
      const m = opModel(opset ?? 13, (b) => {
        const x = b.input('x', 'float32', shape);
        const attrs: Record<string, number> = opset === 14 ? { allowzero: 0 } : {};
        b.output(b.op('Tanh', [b.op('Reshape', [x, b.ints(target)], attrs)]), 'y');
      });
      await expectGradOk(m, { batch: 2 });
    });
  }

  for (const axis of [0, 1, 2, -1]) {
    it(`Flatten axis ${axis}`, async () => {
      const m = opModel(13, (b) => {
        const x = b.input('x', 'float32', ['n', 3, 4]);
        b.output(b.op('Tanh', [b.op('Flatten', [x], { axis })]), 'y');
      });
      await expectGradOk(m);
    });
  }

  for (const opset of [11, 13]) {
    it(`Squeeze and Unsqueeze at opset ${opset} (axes ${opset < 13 ? 'attribute' : 'input'})`, async () => {
      const m = opModel(opset, (b) => {
        const x = b.input('x', 'float32', [3, 1, 4]);
        const squeezed = b.squeeze(x, [1]);
        b.output(b.op('Tanh', [b.unsqueeze(squeezed, [0, -1])]), 'y');
      });
      await expectGradOk(m);
    });
  }

  it('Squeeze without axes drops every extent-1 dim', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [1, 3, 1, 4]);
      b.output(b.op('Squeeze', [x]), 'y');
    });
    expect(inferTypes(m).get('y')?.shape).toEqual([3, 4]);
    await expectGradOk(m);
  });

  it('Transpose with a permutation and with the default (reversed) order', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [2, 3, 4]);
      b.output(b.transpose(x, [1, 2, 0]), 'y');
      b.output(b.op('Transpose', [x]), 'z');
    });
    await expectGradOk(m);
  });

  it('Expand to a larger rank (sums the gradient back)', async () => {
    const m = opModel(13, (b) => {
      const w = b.initializer('w', randn([3, 1], 2));
      const x = b.input('x', 'float32', [2, 3, 4]);
      b.output(b.op('Mul', [b.op('Expand', [w, b.ints([2, 1, 4])]), x]), 'y');
    });
    await expectGradOk(m);
  });

  it('Tile with a dynamic dim', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['n', 3]);
      b.output(b.op('Tile', [x, b.ints([2, 3])]), 'y');
    });
    await expectGradOk(m, { batch: 2 });
  });

  it('Shape with start/end (opset 15) and Size give known values', () => {
    const m = opModel(15, (b) => {
      const x = b.input('x', 'float32', ['batch', 3, 4]);
      b.output(b.op('Shape', [x], { start: 1 }), 'tail');
      b.output(b.op('Shape', [x], { end: -2 }), 'head');
      b.output(b.op('Size', [x]), 'size');
    });
    const types = inferTypes(m);
    expect(types.get('tail')?.value).toEqual([3, 4]);
    expect(types.get('head')?.value).toEqual(['batch']);
    expect(types.get('size')?.value).toEqual([null]);
  });

  it('Reshape refuses a target with the wrong number of elements (LPC_SHAPE_MISMATCH)', () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [2, 3]);
      b.output(b.reshape(x, [4, 2]), 'y');
    });
    expect(() => inferTypes(m)).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH' }));
  });

  it('ConstantOfShape and Constant carry values into inference', () => {
    const m = opModel(13, (b) => {
      const shape = b.constant(int64Vector([2, 3]));
      b.output(b.op('ConstantOfShape', [shape], { value: tensorOf('int64', [1], [7]) }), 'filled');
      b.output(b.op('ConstantOfShape', [b.constant(int64Vector([2]))], { value: tensorOf('int64', [1], [7]) }), 'small');
    });
    const types = inferTypes(m);
    expect(types.get('filled')?.shape).toEqual([2, 3]);
    expect(types.get('small')?.value).toEqual([7, 7]);
  });
});
