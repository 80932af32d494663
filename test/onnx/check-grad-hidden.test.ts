/**
 * Rules hidden at the stored weights: a wrong Sigmoid rule inside a zero-initialised residual branch or a
 * LayerScale-1e-6 branch contributes nothing (or next to nothing) to the whole model's gradients, so the
 * plain check passes; --perturb-params (parameters moved off their stored values) and --per-node (each node
 * against its own random upstream gradient) catch it, and neither raises a false alarm on correct rules.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCheckGrad } from '../../lib/cli/commands/check-grad.js';
import { main } from '../../lib/cli/main.js';
import { checkGradients } from '../../lib/onnx/check-grad.js';
import { writeModel } from '../../lib/onnx/convert.js';
import type { GradRule } from '../../lib/onnx/ops/types.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { tempFolder } from '../cli/support.js';
import { opModel, randn } from './support.js';

const tmp = tempFolder('lpc-check-grad-hidden-');
afterAll(() => tmp.dispose());

/** Sigmoid with y instead of y (1 - y): the planted wrong rule of check-grad.test.ts. */
const wrongSigmoid: GradRule = (ctx, [dy]) => [ctx.b.op('Mul', [ctx.tensor(dy!), ctx.output(0)])];

/**
 * z [n, 4] -> MatMul -> h [n, 8]; y = Tanh(h + scale * (Sigmoid(h Wa + ba) Wb + bb)): with `wb` 'zero' the
 * branch's last layer is zero-initialised (scale absent); with 'layerscale' Wb is random and scale is a
 * LayerScale vector of 1e-6.
 */
function hiddenBranch(kind: 'zero' | 'layerscale') {
  return opModel(17, (b) => {
    const z = b.input('z', 'float32', ['n', 4]);
    const h = b.op('MatMul', [z, b.initializer('w1', randn([4, 8], 1, 0.5))]);
    const a = b.op('Sigmoid', [b.op('Add', [b.op('MatMul', [h, b.initializer('wa', randn([8, 8], 2, 0.4))]), b.initializer('ba', randn([8], 3, 0.1))])]);
    const wb = kind === 'zero' ? makeTensor('float32', [8, 8], new Float32Array(64)) : randn([8, 8], 4, 0.4);
    let r = b.op('Add', [b.op('MatMul', [a, b.initializer('wb', wb)]), b.initializer('bb', makeTensor('float32', [8], new Float32Array(8)))]);
    if (kind === 'layerscale') r = b.op('Mul', [r, b.initializer('gamma', makeTensor('float32', [8], new Float32Array(8).fill(1e-6)))]);
    b.output(b.op('Tanh', [b.op('Add', [h, r])]), 'y');
  });
}

describe('rules hidden by zero or tiny weights', () => {
  for (const kind of ['zero', 'layerscale'] as const) {
    it(`the plain check misses a wrong Sigmoid in a ${kind} branch; --perturb-params and --per-node catch it`, async () => {
      const model = hiddenBranch(kind);
      // float32, the precision of every model with a Conv (onnxruntime has no float64 Conv): there the gradients
      // a LayerScale of 1e-6 leaves to the branch's parameters are far below the finite differences' noise.
      const overrides = { Sigmoid: wrongSigmoid };
      const options = { overrides, batch: 3, precision: 'float32' } as const;
      const plain = await checkGradients(model, options);
      // The blind spot: at the stored weights the branch's rules do not reach any gradient above the tolerance.
      expect(plain.status).toBe('ok');
      const perturbed = await checkGradients(model, { ...options, perturbParams: true });
      expect(perturbed.status).toBe('wrong');
      expect(perturbed.perturbedParams).toBe(true);
      // The parameters upstream of the Sigmoid and the input see the wrong rule through the moved Wb (and gamma).
      for (const name of ['z', 'w1', 'wa', 'ba']) expect(perturbed.tensors.find((t) => t.name === name)!.maxRelErr, name).toBeGreaterThan(10 * perturbed.tolerance);
      const perNode = await checkGradients(model, { ...options, perNode: true });
      expect(perNode.status).toBe('wrong');
      expect(perNode.nodes!.filter((n) => n.status === 'wrong').map((n) => n.opType)).toEqual(['Sigmoid']);
      const sigmoid = perNode.nodes!.find((n) => n.opType === 'Sigmoid')!;
      expect(sigmoid.maxRelErr!).toBeGreaterThan(10 * perNode.tolerance);
    });

    it(`passes the correct rules of a ${kind} branch with --perturb-params and --per-node`, async () => {
      const result = await checkGradients(hiddenBranch(kind), { batch: 3, precision: 'float32', perturbParams: true, perNode: true });
      expect(result.status).toBe('ok');
      // Every node with a float input to differentiate was checked: 3 MatMul, 3 or 4 Add/Mul, Sigmoid, Tanh.
      expect(result.nodes!.map((n) => n.opType).sort()).toEqual(
        kind === 'zero' ? ['Add', 'Add', 'Add', 'MatMul', 'MatMul', 'MatMul', 'Sigmoid', 'Tanh'] : ['Add', 'Add', 'Add', 'MatMul', 'MatMul', 'MatMul', 'Mul', 'Sigmoid', 'Tanh'],
      );
      for (const n of result.nodes!) expect(n.maxRelErr!, n.name).toBeLessThanOrEqual(result.tolerance);
    });
  }

  it('takes --perturb-params and --per-node on the command line and names the failing node', async () => {
    const file = path.join(tmp.dir, 'zero-branch.onnx');
    writeFileSync(file, writeModel(hiddenBranch('zero')));
    let text = '';
    const code = await runCheckGrad(file, { perNode: true, input: ['z=0.5'] }, (s) => (text += s), { overrides: { Sigmoid: wrongSigmoid } });
    expect(code).toBe(1);
    expect(text).toMatch(/node Sigmoid \(Sigmoid\): FAIL/);
    expect(text).toMatch(/FAILED: node Sigmoid \(Sigmoid\) on its own exceeds 1e-6/);
    expect(text).toMatch(/8 nodes checked on their own, 1 wrong/);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'langevin-pc', 'check-grad', file, '--perturb-params', '--per-node', '--input', 'z=0.5', '--json'])).toBe(0);
      const report = JSON.parse(write.mock.calls.map((c) => String(c[0])).join(''));
      expect(report).toMatchObject({ status: 'ok', perturbedParams: true, inputDomain: null });
      expect(report.nodes).toHaveLength(8);
    } finally {
      write.mockRestore();
      process.exitCode = undefined;
    }
  });
});
