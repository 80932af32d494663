import { describe, expect, it } from 'vitest';
import { emitLogUpperTail, logUpperTailFit, TAIL_SWITCH } from '../../lib/likelihoods/normal-tail.js';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { GraphBuilder } from '../../lib/onnx/builder.js';
import { Graph, Model } from '../../lib/onnx/ir.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { logQ } from './reference.js';

describe('log of the normal upper tail', () => {
  it('the fitted Mills-ratio form is within 1e-7 of the float64 reference for t >= 2', () => {
    let worst = 0;
    for (let t = TAIL_SWITCH; t < 1e4; t *= 1.002) worst = Math.max(worst, Math.abs(logUpperTailFit(t) - logQ(t)));
    expect(worst).toBeLessThan(1e-7);
  });

  it('the float32 graph matches the reference from -40 to 1e15, with finite values and gradients everywhere', async () => {
    const model = new Model(new Graph(), 17);
    const b = new GraphBuilder(model);
    const t = b.input('t', 'float32', ['n']);
    b.output(emitLogUpperTail(b, t), 'lq', 'float32', ['n']);
    const { model: grad } = buildGradientModel(model, { vjp: ['lq'], inputs: ['t'] });
    const ts: number[] = [];
    for (let v = -40; v < 8; v += 0.01) ts.push(v);
    for (let v = 8; v < 1e4; v *= 1.01) ts.push(v);
    ts.push(TAIL_SWITCH, 1e6, 1e15);
    const values = Float32Array.from(ts);
    const out = await runSession(await createSession(grad), {
      t: makeTensor('float32', [values.length], values),
      'grad_in/lq': makeTensor('float32', [values.length], new Float32Array(values.length).fill(1)),
    });
    const lq = out.lq.data as Float32Array;
    const dt = out.grad_t.data as Float32Array;
    for (let i = 0; i < values.length; i++) {
      const ref = logQ(values[i]);
      // Float32 Erf errs by ~5e-8 absolute (<= 3e-6 relative in Q >= 0.023), the fit by 1e-7; large values carry float32's 6e-8 relative rounding.
      const tol = 3e-6 + 2e-7 * Math.abs(ref);
      if (!(Math.abs(lq[i] - ref) <= tol)) expect.fail(`log Q(${values[i]}) = ${lq[i]}, reference ${ref}`);
      expect(Number.isFinite(dt[i])).toBe(true);
      // d log Q / dt = -phi(t) / Q(t), the negated hazard: about -t in the far tail, -> 0 as t -> -inf.
      if (values[i] > -5 && values[i] < 50) {
        const hazard = Math.exp(-0.5 * values[i] ** 2 - 0.5 * Math.log(2 * Math.PI) - ref);
        expect(Math.abs(dt[i] + hazard)).toBeLessThan(1e-4 * (1 + hazard));
      }
    }
  });
});
