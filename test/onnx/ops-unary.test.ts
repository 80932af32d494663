import { describe, expect, it } from 'vitest';
import { floatAttr } from '../../lib/onnx/builder.js';
import { dtypeCode } from '../../lib/onnx/dtype.js';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { MAX_OPSET } from '../../lib/onnx/ops/index.js';
import { scalarTensor, tensorOf } from '../../lib/onnx/tensor.js';
import { expectGradOk, opModel, uniform } from './support.js';

/** y = op(x) on a [3, 4] input. */
const unary = (op: string, opset = 13) =>
  opModel(opset, (b) => {
    const x = b.input('x', 'float32', [3, 4]);
    b.output(b.op(op, [x]), 'y');
  });

describe('unary gradients', () => {
  for (const op of ['Neg', 'Exp', 'Abs', 'Erf', 'Identity']) {
    it(`${op}`, async () => {
      await expectGradOk(unary(op));
    });
  }
  for (const op of ['Sin', 'Cos']) {
    for (const opset of [9, MAX_OPSET]) {
      it(`${op} over several periods at opset ${opset}`, async () => {
        await expectGradOk(unary(op, opset), { inputs: { x: uniform([3, 4], -8, 8) } });
      });
    }
  }
  for (const op of ['Sqrt', 'Log', 'Reciprocal']) {
    it(`${op} on positive inputs`, async () => {
      await expectGradOk(unary(op), { inputs: { x: uniform([3, 4], 0.5, 2) } });
    });
  }

  it('Dropout in inference mode passes gradients through (opset 9 ratio attribute, mask output)', async () => {
    const m = opModel(9, (b) => {
      const x = b.input('x', 'float32', [3, 4]);
      const [y] = b.node('Dropout', [x], { ratio: floatAttr(0.3) }, { outputs: 2 });
      b.output(b.op('Tanh', [y]), 'y');
    });
    await expectGradOk(m);
  });

  it('Dropout at opset 13 with a ratio input and training_mode false', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [3, 4]);
      const ratio = b.constant(scalarTensor('float32', 0.5));
      const training = b.constant(tensorOf('bool', [], [0]));
      b.output(b.op('Dropout', [x, ratio, training]), 'y');
    });
    await expectGradOk(m);
  });

  it('refuses Dropout in training mode with LPC_UNSUPPORTED_OP', () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [3, 4]);
      b.output(b.op('Dropout', [x, b.constant(scalarTensor('float32', 0.5)), b.constant(tensorOf('bool', [], [1]))]), 'y');
    });
    expect(() => buildGradientModel(m, { vjp: ['y'], inputs: ['x'] })).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP' }));
  });

  it('Cast between float types carries gradients; Cast to an integer type cuts them', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [3, 4]);
      const wide = b.op('Cast', [x], { to: dtypeCode('float64') });
      const back = b.op('Cast', [b.op('Mul', [wide, wide])], { to: dtypeCode('float32') });
      const rounded = b.op('Cast', [b.op('Cast', [x], { to: dtypeCode('int64') })], { to: dtypeCode('float32') });
      b.output(b.op('Add', [back, rounded]), 'y');
    });
    // In float32, so that the casts really change precision (the float64 check would make them no-ops).
    await expectGradOk(m, { precision: 'float32' });
    const grad = buildGradientModel(m, { vjp: ['y'], inputs: ['x'] }).model;
    // The integer path contributes nothing: no node of the gradient reads the int64 cast.
    const intCast = grad.graph.nodes.find((n) => n.opType === 'Cast' && n.attrs.get('to')?.kind === 'int' && (n.attrs.get('to') as { value: number }).value === dtypeCode('int64'));
    const readers = grad.graph.nodes.filter((n) => n.name.startsWith('grad/') && n.inputs.includes(intCast!.outputs[0]));
    expect(readers).toEqual([]);
  });

  // CastLike takes its target type from a second input, whose values nothing reads (at 19 it gains saturate).
  for (const [opset, attrs] of [
    [15, {}],
    [19, { saturate: 1 }],
    [MAX_OPSET, {}],
  ] as const) {
    it(`CastLike at opset ${opset} ${JSON.stringify(attrs)}: float64 and back carries gradients; like an integer it cuts them`, async () => {
      const m = opModel(opset, (b) => {
        const x = b.input('x', 'float32', [3, 4]);
        const like64 = b.constant(tensorOf('float64', [1], [0]));
        const like32 = b.constant(tensorOf('float32', [1], [0]));
        const wide = b.op('CastLike', [x, like64], attrs);
        const back = b.op('CastLike', [b.op('Mul', [wide, wide]), like32], attrs);
        const rounded = b.op('CastLike', [b.op('CastLike', [x, b.constant(tensorOf('int64', [1], [0]))]), like32]);
        b.output(b.op('Add', [back, rounded]), 'y');
      });
      expect(inferTypes(m).get('y')).toMatchObject({ dtype: 'float32', shape: [3, 4] });
      await expectGradOk(m, { precision: 'float32' });
    });
  }

  it('refuses CastLike before opset 15 and its saturate attribute before 19', () => {
    const model = (opset: number, attrs: Record<string, number>) =>
      opModel(opset, (b) => b.output(b.op('CastLike', [b.input('x', 'float32', [2]), b.constant(tensorOf('float64', [1], [0]))], attrs), 'y'));
    expect(() => inferTypes(model(14, {}))).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining('15-') }));
    expect(() => inferTypes(model(18, { saturate: 1 }))).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining("'saturate'") }));
  });
});
