import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCheckGrad } from '../../lib/cli/commands/check-grad.js';
import { main } from '../../lib/cli/main.js';
import { checkGradients } from '../../lib/onnx/check-grad.js';
import { writeModel } from '../../lib/onnx/convert.js';
import type { GradRule } from '../../lib/onnx/ops/types.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { pytorchMlp } from './fixtures.js';
import { opModel } from './support.js';

/** Wrong rules that each look plausible: the check must catch every one. */
const WRONG: Record<string, GradRule> = {
  // Relu passing gradients where it is off.
  Relu: (_ctx, [dy]) => [dy],
  // Sigmoid with y instead of y (1 - y).
  Sigmoid: (ctx, [dy]) => [ctx.b.op('Mul', [ctx.tensor(dy!), ctx.output(0)])],
  // Gemm forgetting transB for dA.
  Gemm: (ctx, [dy]) => {
    const g = ctx.tensor(dy!);
    return [ctx.b.op('MatMul', [g, ctx.b.transpose(ctx.input(1), [1, 0])]), ctx.b.op('Gemm', [g, ctx.input(0)], { transA: 1 }), ctx.b.reduce('ReduceSum', g, [0], false)];
  },
};

const dir = mkdtempSync(join(tmpdir(), 'lpc-check-grad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gradient check', () => {
  for (const precision of ['float32', 'float64'] as const) {
    it(`passes on a correct MLP decoder in ${precision}`, async () => {
      const result = await checkGradients(pytorchMlp(13, [3, 8, 4]), { precision, batch: 3 });
      expect(result.ok).toBe(true);
      expect(result.precision).toBe(precision);
      expect(result.maxRelErr).toBeLessThanOrEqual(result.tolerance);
    });
    for (const [op, rule] of Object.entries(WRONG)) {
      // Transposed weights need a square Gemm for the wrong rule to produce a gradient of the right shape.
      const sizes = op === 'Gemm' ? [4, 4, 4] : [3, 8, 4];
      it(`fails in ${precision} when the ${op} rule is wrong`, async () => {
        const result = await checkGradients(pytorchMlp(13, sizes), { precision, batch: 3, overrides: { [op]: rule } });
        expect(result.ok).toBe(false);
        expect(result.maxRelErr).toBeGreaterThan(10 * result.tolerance);
      });
    }
  }

  it('checks a model that is float64 throughout', async () => {
    const m = opModel(13, (b) => {
      const x = b.input('x', 'float64', ['n', 3]);
      const w = b.initializer('w', makeTensor('float64', [3, 2], Float64Array.from([0.1, -0.4, 0.7, 0.2, -0.3, 0.5])));
      b.output(b.op('Tanh', [b.op('MatMul', [x, w])]), 'y');
    });
    for (const precision of ['auto', 'float32'] as const) {
      const result = await checkGradients(m, { precision });
      expect(result.ok).toBe(true);
      expect(result.tensors.map((t) => t.name)).toEqual(['x', 'w']);
    }
  });

  it('checks only parameters, or only inputs, when asked', async () => {
    const params = await checkGradients(pytorchMlp(13, [3, 4, 2]), { wrt: 'params' });
    expect(params.tensors.map((t) => t.kind)).toEqual(['param', 'param', 'param', 'param']);
    const inputs = await checkGradients(pytorchMlp(13, [3, 4, 2]), { wrt: 'inputs' });
    expect(inputs.tensors.map((t) => [t.name, t.kind])).toEqual([['z', 'input']]);
  });
});

describe('langevin-pc check-grad', () => {
  const path = join(dir, 'mlp.onnx');
  writeFileSync(path, writeModel(pytorchMlp(17, [3, 6, 4])));

  it('prints one JSON object and exits 0 on a correct model', async () => {
    let out = '';
    const code = await runCheckGrad(path, { json: true, batch: '3', seed: '2' }, (s) => (out += s));
    expect(code).toBe(0);
    // One line, one object, with the fields the issue names and their types.
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    const report = JSON.parse(out);
    expect(report).toMatchObject({ ok: true, maxRelErr: expect.any(Number), tolerance: expect.any(Number), precision: 'float64', rule: expect.any(String) });
    for (const t of report.tensors) expect(t).toEqual({ name: expect.any(String), kind: expect.stringMatching(/^(input|param)$/), maxRelErr: expect.any(Number), noise: expect.any(Number) });
    expect(report.tensors.map((t: { name: string; kind: string }) => `${t.kind}:${t.name}`)).toEqual(['input:z', 'param:fc1.weight', 'param:fc1.bias', 'param:fc2.weight', 'param:fc2.bias']);
    expect(report.maxRelErr).toBe(Math.max(...report.tensors.map((t: { maxRelErr: number }) => t.maxRelErr)));
    expect(report.maxRelErr).toBeLessThanOrEqual(report.tolerance);
  });

  it('exits 1 and reports the failing tensors when a rule is wrong', async () => {
    let out = '';
    const code = await runCheckGrad(path, {}, (s) => (out += s), { overrides: { Relu: WRONG.Relu } });
    expect(code).toBe(1);
    expect(out).toMatch(/FAILED/);
    expect(out).toMatch(/fc1.weight\s+param\s+\S+\s+FAIL/);
    expect(out).toMatch(/tolerance /);
  });

  it('is registered on the program and sets the exit code', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const code = await main(['node', 'langevin-pc', 'check-grad', path, '--wrt', 'params']);
      expect(code).toBe(0);
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(/OK: max relative error/);
    } finally {
      write.mockRestore();
      process.exitCode = undefined;
    }
  });

  it('rejects bad options and missing files with coded errors', async () => {
    const ignore = () => undefined;
    await expect(runCheckGrad(path, { wrt: 'weights' }, ignore)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    await expect(runCheckGrad(path, { batch: '0' }, ignore)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    await expect(runCheckGrad(path, { seed: '-1' }, ignore)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    await expect(runCheckGrad(join(dir, 'absent.onnx'), {}, ignore)).rejects.toMatchObject({ code: 'LPC_NOT_FOUND' });
  });
});
