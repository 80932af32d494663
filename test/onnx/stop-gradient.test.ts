import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { expectLpcError } from '../support/expect-error.js';
import { opModel, randn } from './support.js';

/** f_r = sum_j x_rj^2 / v with v = mean over the whole batch of x^2 (the optimal-sigma pattern). */
function scaledSquares() {
  return opModel(17, (b) => {
    const x = b.input('x', 'float32', ['n', 4]);
    const sq = b.op('Mul', [x, x]);
    b.op('ReduceMean', [sq], { keepdims: 0 }, { outputs: ['v'] });
    b.output(b.op('Div', [b.reduce('ReduceSum', sq, [1], false), 'v']), 'f');
  });
}

describe('stop-gradient', () => {
  it('treats a stopped value as a constant: the gradient omits the path through it', async () => {
    const x = randn([3, 4], 5);
    const data = x.data as Float32Array;
    const v = data.reduce((s, t) => s + t * t, 0) / data.length;
    const stopped = buildGradientModel(scaledSquares(), { objective: 'f', inputs: ['x'], stopGradient: ['v'] });
    const full = buildGradientModel(scaledSquares(), { objective: 'f', inputs: ['x'] });
    const gs = (await runSession(await createSession(stopped.model), { x })).grad_x.data as Float32Array;
    const gf = (await runSession(await createSession(full.model), { x })).grad_x.data as Float32Array;
    for (let i = 0; i < data.length; i++) {
      // With v held fixed, df/dx = 2x / v; float32 values of O(1): 1e-5 is tens of ulps.
      expect(gs[i]).toBeCloseTo((2 * data[i]) / v, 5);
    }
    // Through v, sum_r f_r = N * D is constant in x, so the full gradient is zero: the cut changes the answer.
    for (const g of gf) expect(Math.abs(g)).toBeLessThan(1e-5);
  });

  it('gives a zero gradient when the only path runs through a stopped value', async () => {
    const m = opModel(17, (b) => {
      const x = b.input('x', 'float32', ['n', 2]);
      b.op('Exp', [x], {}, { outputs: ['e'] });
      b.output(b.reduce('ReduceSum', 'e', [1], false), 'f');
    });
    const { model } = buildGradientModel(m, { objective: 'f', inputs: ['x'], stopGradient: ['e'] });
    const out = await runSession(await createSession(model), { x: makeTensor('float32', [1, 2], Float32Array.of(0.3, -1)) });
    expect(Array.from(out.grad_x.data as Float32Array)).toEqual([0, 0]);
  });

  it('refuses unknown stop-gradient values and differentiating a stopped one', () => {
    expectLpcError(() => buildGradientModel(scaledSquares(), { objective: 'f', inputs: ['x'], stopGradient: ['nope'] }), 'LPC_NOT_FOUND', 'nope');
    expectLpcError(() => buildGradientModel(scaledSquares(), { objective: 'f', inputs: ['x'], stopGradient: ['x'] }), 'LPC_INVALID_ARGUMENT', "'x'");
  });
});
