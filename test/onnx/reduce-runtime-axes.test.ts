import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { opModel } from './support.js';

describe('non-strict inference over forms it does not handle', () => {
  it('gives a reduction over run-time axes unknown types instead of failing, when the node need not be supported', () => {
    const m = opModel(17, (b) => {
      const x = b.input('x', 'float32', ['n', 3]);
      const y = b.op('ReduceSum', [x, b.input('a', 'int64', [1])], { keepdims: 1, noop_with_empty_axes: 1 });
      b.output(b.op('Relu', [y]), 'y');
    });
    expect(inferTypes(m, { strict: () => false }).get('y')?.shape).toBeNull();
    expect(() => inferTypes(m)).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP' }));
  });

  it('lets a Softplus energy be differentiated where a broadcast axis is uncertain (the rewrite re-infers the gradient graph)', async () => {
    // l's first dim is '2*n' after Reshape(-1), which inference cannot relate to c's 'm', so the gradient of
    // Add(l, c) is summed over run-time axes.
    const m = opModel(17, (b) => {
      const l = b.reshape(b.input('v', 'float32', ['n', 4]), [-1, 2]);
      const shifted = b.op('Add', [l, b.input('c', 'float32', ['m', 2])]);
      b.output(b.reduce('ReduceSum', b.op('Softplus', [shifted]), [1], false), 'e');
    });
    const { model } = buildGradientModel(m, { objective: 'e', inputs: ['c'] });
    const out = await runSession(await createSession(model), { v: makeTensor('float32', [1, 4], Float32Array.of(0, 1, -1, 2)), c: makeTensor('float32', [1, 2], Float32Array.of(0.5, -0.5)) });
    // de/dc_j = sum over the two rows of sigmoid(l_rj + c_j).
    const s = (t: number) => 1 / (1 + Math.exp(-t));
    const g = out.grad_c.data as Float32Array;
    expect(g[0]).toBeCloseTo(s(0.5) + s(-0.5), 6);
    expect(g[1]).toBeCloseTo(s(0.5) + s(1.5), 6);
  });
});
