/**
 * The gradient check on models with open input dims (lib/onnx/open-dims.ts): Conv gradients need static
 * spatial extents, so the check fixes open dims first (the batch size for leading axes, the smallest size
 * the model runs at for the rest, or sizes given by name) and reports the sizes it used.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCheckGrad } from '../../lib/cli/commands/check-grad.js';
import { checkGradients } from '../../lib/onnx/check-grad.js';
import { readModel } from '../../lib/onnx/convert.js';
import { chooseDims, fixDims, openDims, sizedDims } from '../../lib/onnx/open-dims.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { findOp } from '../../lib/onnx/ops/index.js';
import type { GradRule } from '../../lib/onnx/ops/types.js';
import { opModel, randn } from './support.js';

/** PyTorch export (scripts/export-spatial-decoder.py): latent [batch, 4, height, width], image 4x larger. */
const SPATIAL = new URL('../models/fixtures/spatial-decoder.onnx', import.meta.url).pathname;
const spatial = () => readModel(readFileSync(SPATIAL));

/** Conv's rule with the input gradient 10% too large (the weight and bias gradients right). */
const convInputTenPercent: GradRule = (ctx, dOut) => findOp(ctx.node, ctx.opset)!.grad!(ctx, dOut).map((g, i) => (i === 0 && g !== undefined ? ctx.b.op('Mul', [ctx.tensor(g), ctx.scalar(1.1)]) : g));

/** x [n, 2, k] flattened into a MatMul with a [6, 3] weight: only k = 3 runs. */
function flattening(rows = 6) {
  return opModel(17, (b) => {
    const x = b.input('x', 'float32', ['n', 2, 'k']);
    const w = b.initializer('w', randn([rows, 3], 4, 0.5));
    b.output(b.op('Tanh', [b.op('MatMul', [b.reshape(x, [0, -1]), w])]), 'y');
  });
}

describe('open dims', () => {
  it('are named by symbol or by input:axis, with batch axes marked', () => {
    const m = opModel(17, (b) => {
      const x = b.input('x', 'float32', ['n', null, 'k']);
      const y = b.input('y', 'float32', ['m', 'k']);
      b.output(b.op('Add', [b.op('ReduceSum', [x], { keepdims: 0 }), b.op('ReduceSum', [y], { keepdims: 0 })]), 's');
    });
    expect(openDims(m)).toEqual([
      { name: 'n', batch: true, at: [{ input: 'x', axis: 0 }] },
      { name: 'x:1', batch: false, at: [{ input: 'x', axis: 1 }] },
      {
        name: 'k',
        batch: false,
        at: [
          { input: 'x', axis: 2 },
          { input: 'y', axis: 1 },
        ],
      },
      { name: 'm', batch: true, at: [{ input: 'y', axis: 0 }] },
    ]);
    const fixed = fixDims(m, { n: 2, 'x:1': 3, k: 4, m: 5 });
    expect(fixed.graph.inputs.map((v) => v.shape)).toEqual([
      [2, 3, 4],
      [5, 4],
    ]);
    // Dims not named stay open.
    expect(fixDims(m, { k: 4 }).graph.inputs.map((v) => v.shape)).toEqual([
      ['n', null, 4],
      ['m', 4],
    ]);
    expect(sizedDims(m.graph.inputs[0], { n: 2, 'x:1': 3, k: 4 })).toEqual([2, 3, 4]);
    expect(sizedDims(m.graph.inputs[0], { n: 2, k: 4 })).toBeNull();
    expect(() => fixDims(m, { k: 0 })).toThrow(expect.objectContaining({ code: 'LPC_INVALID_ARGUMENT' }));
    expect(() => fixDims(m, { n: 2, 'x:1': 3, k: 4, m: 5, depth: 1 })).toThrow(expect.objectContaining({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining("'depth'") }));
  });

  it('the smallest size the model runs at is found by trying, and given sizes and input values win', async () => {
    expect(await chooseDims(flattening(), { batch: 2 })).toEqual({ n: 2, k: 3 });
    expect(await chooseDims(spatial(), { batch: 3 })).toEqual({ batch: 3, height: 1, width: 1 });
    expect(await chooseDims(spatial(), { batch: 2, given: { width: 5 } })).toEqual({ batch: 2, width: 5, height: 1 });
    const latent = makeTensor('float32', [1, 4, 2, 6], new Float32Array(48));
    expect(await chooseDims(spatial(), { batch: 2, inputs: { latent } })).toEqual({ batch: 1, height: 2, width: 6 });
    await expect(chooseDims(spatial(), { batch: 2, given: { height: 3 }, inputs: { latent } })).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    // A [200, 3] weight needs k = 100, beyond the sizes tried.
    await expect(chooseDims(flattening(200), { batch: 2 })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining("'k'") });
    expect(await chooseDims(flattening(200), { batch: 2, given: { k: 100 } })).toEqual({ k: 100, n: 2 });
  });
});

describe('gradient check with open spatial dims', () => {
  it('passes on the PyTorch decoder with symbolic height and width at the smallest size, and names the sizes', async () => {
    const result = await checkGradients(spatial(), { seed: 1 });
    expect(result.dims).toEqual({ batch: 2, height: 1, width: 1 });
    expect(result.ok).toBe(true);
    expect(result.tensors.map((t) => t.name)).toContain('latent');
    // One size given, the other still found.
    await expect(checkGradients(spatial(), { dims: { height: 1 } })).resolves.toMatchObject({ ok: true, dims: { batch: 2, height: 1, width: 1 } });
  });

  it('fails at open dims when a Conv rule is wrong: the check is not vacuous there', async () => {
    const result = await checkGradients(spatial(), { seed: 1, dims: { height: 2, width: 2 }, overrides: { Conv: convInputTenPercent } });
    expect(result.dims).toEqual({ batch: 2, height: 2, width: 2 });
    expect(result.ok).toBe(false);
    // Three convolutions 10% off each put the latent's gradient ~33% off, far beyond float rounding.
    expect(result.tensors.find((t) => t.name === 'latent')!.maxRelErr).toBeGreaterThan(100 * result.tolerance);
  });

  it('check-grad --dims fixes sizes by name and its JSON names them', async () => {
    let out = '';
    const code = await runCheckGrad(SPATIAL, { json: true, dims: 'height=3, width=2', batch: '1', wrt: 'inputs' }, (s) => (out += s));
    const report = JSON.parse(out);
    expect(report.dims).toEqual({ batch: 1, height: 3, width: 2 });
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    let text = '';
    expect(await runCheckGrad(SPATIAL, { wrt: 'inputs' }, (s) => (text += s))).toBe(0);
    expect(text).toContain('open dims batch=2, height=1, width=1');
  });

  it('check-grad refuses malformed or unknown --dims', async () => {
    const ignore = () => undefined;
    await expect(runCheckGrad(SPATIAL, { dims: 'height:3' }, ignore)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    await expect(runCheckGrad(SPATIAL, { dims: 'height=0' }, ignore)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    await expect(runCheckGrad(SPATIAL, { dims: 'height=2,height=3' }, ignore)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    await expect(runCheckGrad(SPATIAL, { dims: 'depth=2' }, ignore)).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT', message: expect.stringContaining('height') });
  });
});
