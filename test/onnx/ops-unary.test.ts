import { describe, expect, it } from 'vitest';
import { floatAttr } from '../../lib/onnx/builder.js';
import { dtypeCode } from '../../lib/onnx/dtype.js';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
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
});
