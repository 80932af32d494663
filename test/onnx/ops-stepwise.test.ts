import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { MAX_OPSET } from '../../lib/onnx/ops/index.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { tensorOf } from '../../lib/onnx/tensor.js';
import { expectGradOk, opModel, randn } from './support.js';

/** The first opset of each piecewise constant operator. */
const SINCE: Record<string, number> = { Floor: 9, Ceil: 9, Round: 11, Sign: 9 };

describe('piecewise constant operators', () => {
  for (const [op, since] of Object.entries(SINCE)) {
    for (const opset of [since, MAX_OPSET]) {
      it(`${op} at opset ${opset}: y = ${op}(2x) x + tanh x has the derivative ${op}(2x) + 1 - tanh^2 x (the step itself contributes 0)`, async () => {
        const m = opModel(opset, (b) => {
          const x = b.input('x', 'float32', [3, 4]);
          const step = b.op(op, [b.op('Mul', [x, b.scalar(2, 'float32')])]);
          b.output(b.op('Add', [b.op('Mul', [step, x]), b.op('Tanh', [x])]), 'y');
        });
        // Scale 2 spreads 2x over several steps; the check freezes the steps at the base point.
        await expectGradOk(m, { inputs: { x: randn([3, 4], 3, 2) } });
      });
    }
  }

  it('a value reached only through Floor gets a zero gradient, and the check agrees', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float32', [2, 3]);
      b.output(b.op('Mul', [b.op('Floor', [x]), b.scalar(3, 'float32')]), 'y');
    });
    const grad = buildGradientModel(m, { objective: 'y', inputs: ['x'] }).model;
    const out = await runSession(await createSession(grad), { x: randn([2, 3], 4, 3) });
    expect(Array.from(out.grad_x.data as Float32Array)).toEqual([0, 0, 0, 0, 0, 0]);
    const result = await expectGradOk(m, { inputs: { x: randn([2, 3], 4, 3) } });
    for (const d of result.tensors[0].directions) expect([d.analytic, d.numeric]).toEqual([0, 0]);
  });

  it('Sign keeps integer element types in inference', () => {
    const m = opModel(13, (b) => b.output(b.op('Sign', [b.constant(tensorOf('int64', [3], [-2, 0, 5]))]), 'y'));
    expect(inferTypes(m).get('y')).toMatchObject({ dtype: 'int64', shape: [3] });
  });

  it('refuses Round before opset 11, naming the opsets it is defined at', () => {
    const m = opModel(10, (b) => b.output(b.op('Round', [b.input('x', 'float32', [2])]), 'y'));
    expect(() => inferTypes(m)).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining(`11-${MAX_OPSET}`) }));
  });
});
