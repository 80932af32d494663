import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import type { Dim } from '../../lib/onnx/ir.js';
import { dimDivide, dimTimes } from '../../lib/onnx/ops/support/symbolic-dims.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { int64Vector, tensorOf } from '../../lib/onnx/tensor.js';
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

describe('symbolic dim arithmetic', () => {
  it('multiplies into canonical monomials and divides exactly or not at all', () => {
    expect(dimTimes([2, 'batch', 14])).toBe('28*batch');
    expect(dimTimes(['k', 'batch'])).toBe('batch*k');
    expect(dimTimes(['2*s0', 's1', 3])).toBe('6*s0*s1');
    expect(dimTimes([3, 4])).toBe(12);
    expect(dimTimes(['n', null])).toBeNull();
    expect(dimTimes(['n', 0])).toBe(0);
    expect(dimDivide('28*batch', 28)).toBe('batch');
    expect(dimDivide('28*batch', 'batch')).toBe(28);
    expect(dimDivide('batch*k', '1*k')).toBe('batch');
    expect(dimDivide('6*n', 4)).toBeNull(); // 1.5 n: not a monomial with an integer coefficient
    expect(dimDivide('chains', 'batch')).toBeNull();
    expect(dimDivide(12, 0)).toBeNull();
  });
});

describe('ConstantOfShape refusals', () => {
  // Found by bench/onnx-fuzz.mjs: a shape input rewired to a Reshape target [-1, 4] threw a RangeError.
  it('refuses a constant shape input with a negative extent, naming it', () => {
    const m = opModel(13, (b) => b.output(b.op('ConstantOfShape', [b.constant(int64Vector([-1, 4]))], { value: tensorOf('float32', [1], [0]) }), 'y'));
    expect(() => inferTypes(m)).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringMatching(/ConstantOfShape.*holds -1; extents must be integers >= 0/) }));
  });
});

describe('Reshape and Flatten keep dynamic dims symbolic', () => {
  const cases: [string, Dim[], number[], Dim[]][] = [
    ['-1 recovers the batch symbol when the other dims account for the rest', ['chains', 16], [-1, 1, 4, 4], ['chains', 1, 4, 4]],
    ['-1 over a flattened image', ['batch', 1, 28, 28], [-1, 784], ['batch', 784]],
    ['-1 gives a derived dim', ['batch', 784], [-1, 28], ['28*batch', 28]],
    ['0 and -1 together', ['n', 6, 4], [0, -1, 2], ['n', 12, 2]],
    ['an extent that is no exact multiple stays unknown', ['n', 6], [-1, 4], [null, 4]],
  ];
  for (const [label, shape, target, want] of cases) {
    it(`Reshape: ${label}`, () => {
      const m = opModel(13, (b) => b.output(b.op('Reshape', [b.input('x', 'float32', shape), b.ints(target)]), 'y'));
      expect(inferTypes(m).get('y')?.shape).toEqual(want);
    });
  }

  it('a derived dim reshaped back is the symbol again; Flatten multiplies symbolically', () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['batch', 2, 3, 4]);
      b.output(b.reshape(b.reshape(x, [-1, 4]), [-1, 24]), 'back');
      b.output(b.op('Flatten', [x], { axis: 2 }), 'flat');
    });
    const types = inferTypes(m);
    expect(types.get('back')?.shape).toEqual(['batch', 24]);
    expect(types.get('flat')?.shape).toEqual(['2*batch', 12]);
  });

  it("a symbol the model records for a value takes precedence over a derived product ('chains' for 'K*batch')", () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', ['batch', 'K', 3]);
      b.output(b.reshape(x, [-1, 3]), 'rows', 'float32', ['chains', 3]);
    });
    expect(inferTypes(m).get('rows')?.shape).toEqual(['chains', 3]);
  });

  it('the gradient through Reshape(-1) of a dynamic batch sums over static axes only, and the batch stays dynamic', async () => {
    // y = Reshape(z W, [-1, 1, 4, 4]) * g with a per-chain gain g [chains, 1, 1, 1]: dL/dg sums over the 4x4
    // pixels. With the reshaped batch unknown it would be summed over axes found at run time (NonZero).
    const m = opModel(13, (b) => {
      const h = b.op('MatMul', [b.input('z', 'float32', ['chains', 3]), b.initializer('w', randn([3, 16], 2, 0.5))]);
      const image = b.reshape(h, [-1, 1, 4, 4]);
      b.output(b.op('Tanh', [b.op('Mul', [image, b.input('g', 'float32', ['chains', 1, 1, 1])])]), 'y');
    });
    expect(inferTypes(m).get('y')?.shape).toEqual(['chains', 1, 4, 4]);
    const { model } = buildGradientModel(m, { vjp: ['y'], inputs: ['z', 'g'], params: ['w'] });
    expect(model.graph.nodes.map((n) => n.opType)).not.toContain('NonZero');
    await expectGradOk(m, { batch: 3 });
    const session = await createSession(model);
    for (const n of [2, 5]) {
      const out = await runSession(session, { z: randn([n, 3], n), g: randn([n, 1, 1, 1], n + 1), w: randn([3, 16], 2, 0.5), 'grad_in/y': randn([n, 1, 4, 4], n + 2) });
      expect(out.grad_g.dims).toEqual([n, 1, 1, 1]);
      expect(out.grad_z.dims).toEqual([n, 3]);
    }
  });
});
