import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import type { AttrInput } from '../../lib/onnx/builder.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { MAX_OPSET } from '../../lib/onnx/ops/index.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { expectGradOk, opModel, randn } from './support.js';

describe('ArgMax and ArgMin', () => {
  const cases: [number, Record<string, AttrInput>, number[]][] = [
    [9, {}, [1, 3, 4]],
    [9, { axis: 2, keepdims: 0 }, [2, 3]],
    [11, { axis: -2, keepdims: 1 }, [2, 1, 4]],
    [12, { axis: 1, keepdims: 0, select_last_index: 1 }, [2, 4]],
    [MAX_OPSET, { axis: -1 }, [2, 3, 1]],
  ];
  for (const op of ['ArgMax', 'ArgMin']) {
    for (const [opset, attrs, shape] of cases) {
      it(`${op} ${JSON.stringify(attrs)} at opset ${opset}: int64 of shape ${JSON.stringify(shape)}; selecting with it cuts only the index path`, async () => {
        const m = opModel(opset, (b) => {
          const x = b.input('x', 'float32', [2, 3, 4]);
          const index = b.op(op, [x], attrs);
          // y = x (1 + sum of the indices): the gradient is that factor, the indices themselves contribute nothing.
          const factor = b.op('Add', [b.reduce('ReduceSum', b.cast(index, 'float32'), null, false), b.scalar(1, 'float32')]);
          b.output(b.op('Mul', [x, factor]), 'y');
        });
        const types = inferTypes(m);
        const index = m.graph.nodes.find((n) => n.opType === op)!.outputs[0];
        expect(types.get(index)).toMatchObject({ dtype: 'int64', shape });
        await expectGradOk(m);
      });
    }
  }

  it('refuses a negative axis before opset 11 and select_last_index before 12', () => {
    const model = (opset: number, attrs: Record<string, AttrInput>) => opModel(opset, (b) => b.output(b.op('ArgMax', [b.input('x', 'float32', [2, 3])], attrs), 'y'));
    expect(() => inferTypes(model(10, { axis: -1 }))).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('opset 11') }));
    expect(() => inferTypes(model(11, { select_last_index: 1 }))).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining("'select_last_index'") }));
  });
});

describe('TopK', () => {
  const cases: [number, Record<string, AttrInput>, number, number[]][] = [
    [11, {}, 2, [2, 3, 2]],
    [11, { axis: 0, largest: 0 }, 1, [1, 3, 4]],
    [13, { axis: 1, sorted: 0 }, 3, [2, 3, 4]],
    [MAX_OPSET, { axis: -2, largest: 1, sorted: 1 }, 2, [2, 2, 4]],
  ];
  for (const [opset, attrs, k, shape] of cases) {
    it(`${JSON.stringify(attrs)}, k = ${k} at opset ${opset}: shapes, and dX scatters dValues to the selected elements`, async () => {
      const m = opModel(opset, (b) => {
        const x = b.input('x', 'float32', [2, 3, 4]);
        const [values, indices] = b.node('TopK', [x, b.ints([k])], attrs, { outputs: 2 });
        b.output(b.op('Tanh', [values]), 'y');
        b.output(indices, 'indices');
      });
      const types = inferTypes(m);
      expect(types.get('y')?.shape).toEqual(shape);
      expect(types.get('indices')).toMatchObject({ dtype: 'int64', shape });
      await expectGradOk(m);
    });
  }

  it('with its indices output unused, the gradient computes them itself', async () => {
    const m = opModel(MAX_OPSET, (b) => {
      const x = b.input('x', 'float32', [2, 5]);
      b.output(b.node('TopK', [x, b.ints([2])], {}, { outputs: 2 })[0], 'y');
    });
    const grad = buildGradientModel(m, { vjp: ['y'], inputs: ['x'] }).model;
    const x = makeTensor('float32', [2, 5], Float32Array.of(1, 5, 3, 4, 2, -1, -5, 0, -3, -2));
    const out = await runSession(await createSession(grad), { x, 'grad_in/y': makeTensor('float32', [2, 2], Float32Array.of(10, 20, 30, 40)) });
    expect(Array.from(out.grad_x.data as Float32Array)).toEqual([0, 10, 0, 20, 0, 40, 0, 30, 0, 0]);
    await expectGradOk(m, { inputs: { x: randn([2, 5], 6) } });
  });

  it('refuses TopK before opset 11, where K is an attribute or ScatterElements is missing', () => {
    const m = opModel(10, (b) => b.output(b.node('TopK', [b.input('x', 'float32', [2, 5]), b.ints([2])], {}, { outputs: 2 })[0], 'y'));
    expect(() => inferTypes(m)).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining(`11-${MAX_OPSET}`) }));
  });
});
