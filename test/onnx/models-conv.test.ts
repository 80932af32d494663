import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCheckGrad } from '../../lib/cli/commands/check-grad.js';
import { main } from '../../lib/cli/main.js';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { readModel, writeModel } from '../../lib/onnx/convert.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import type { Model } from '../../lib/onnx/ir.js';
import { ParameterSet } from '../../lib/onnx/params.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import type { Tensor } from '../../lib/onnx/tensor.js';
import { tensorOf } from '../../lib/onnx/tensor.js';
import { betaVaeDecoder, betaVaeEncoder } from './fixtures/beta-vae.js';
import { type ConvFixture, pytorchConvDecoder, pytorchConvEncoder } from './fixtures/conv-models.js';
import { normals, toArr } from './fixtures/single-op.js';
import { WRONG_RULES } from './fixtures/wrong-rules.js';
import { expectGradOk, opModel } from './support.js';

/** Expects onnxruntime's outputs to equal the fixture's float64 reference, within `tol` of each output's largest magnitude. */
async function expectMatchesReference(f: ConvFixture, feeds: Record<string, Tensor>, tol: number): Promise<void> {
  const out = await runSession(await createSession(f.model), feeds);
  const want = f.reference(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toArr(v)])));
  expect(Object.keys(out).sort()).toEqual(Object.keys(want).sort());
  for (const [name, w] of Object.entries(want)) {
    expect(out[name].dims).toEqual(w.dims);
    const scale = Math.max(1, ...Array.from(w.data, Math.abs));
    const err = Math.max(...Array.from(w.data, (v, i) => Math.abs(v - (out[name].data as Float32Array)[i])));
    expect(err).toBeLessThanOrEqual(tol * scale);
  }
}

/**
 * The gradient check of a whole model, with a margin: correct rules leave every direction within about
 * one standard deviation of the measured finite-difference noise, i.e. relErr <= 0.33 of the tolerance
 * over the whole suite (the tolerance adds 8 standard deviations), so half the tolerance still passes.
 */
async function expectModelGradOk(model: Model, options: Parameters<typeof expectGradOk>[1] = {}) {
  const result = await expectGradOk(model, options);
  expect(result.maxRelErr).toBeLessThan(result.tolerance / 2);
  return result;
}

/** The gradient graph has default-domain operators only, none of onnxruntime's training kernels. */
function expectStandardOps(model: Model, outputs: string[], inputs: string[]): void {
  const grad = buildGradientModel(model, { vjp: outputs, inputs, params: ParameterSet.fromModel(model).names }).model;
  for (const n of grad.graph.nodes) {
    expect(n.domain).toBe('');
    expect(n.opType).not.toMatch(/Grad$/);
  }
}

const params = (m: Model) => ParameterSet.fromModel(m).names;

describe('conv decoder exported the PyTorch way', () => {
  // 22 and 23: the newest opsets, whose operator versions only widened types.
  for (const opset of [11, 13, 17, 21, 22, 23]) {
    const padMode = opset === 13 || opset === 21 || opset === 23 ? 'reflect' : 'constant';
    // At opset 13 the upsampling scales are float initializers, as torch's constant folding writes them.
    const foldedScales = opset === 13;
    it(`opset ${opset} (${padMode} pad${foldedScales ? ', folded scales' : ''}): through the file format, dynamic batch kept, gradients for z and every parameter`, async () => {
      const model = readModel(writeModel(pytorchConvDecoder(opset, { padMode, foldedScales }).model));
      expect(inferTypes(model).get('x_mean')?.shape).toEqual(['batch_size', 12, 12, 1]);
      const ops = model.graph.nodes.map((n) => n.opType);
      for (const op of ['Shape', 'Gather', 'Unsqueeze', 'Concat', 'Reshape', 'ConvTranspose', 'Resize', 'Pad', 'Conv', 'Sigmoid', 'Transpose']) expect(ops).toContain(op);
      const result = await expectModelGradOk(model, { batch: 2 });
      expect(result.tensors.map((t) => t.name)).toEqual(['z', ...params(model)]);
      expect(params(model)).toEqual(['decoder.fc.weight', 'decoder.fc.bias', 'decoder.deconv1.weight', 'decoder.deconv1.bias', 'decoder.conv.weight', 'decoder.conv.bias']);
      expectStandardOps(model, ['x_mean'], ['z']);
    });
  }

  for (const opset of [9, 21, 23]) {
    it(`opset ${opset}: onnxruntime's forward equals the float64 reference of the same weights`, async () => {
      // float32 through four layers of sums of at most 48 terms, then a sigmoid: 1e-5 leaves a factor ~10.
      await expectMatchesReference(pytorchConvDecoder(opset), { z: normals([3, 3], 5) }, 1e-5);
    });
  }

  it('gradients also hold at opset 9 (Upsample, Pad and Unsqueeze attributes) and another batch size', async () => {
    await expectModelGradOk(pytorchConvDecoder(9).model, { batch: 3 });
  });
});

describe('conv encoder exported the PyTorch way', () => {
  for (const opset of [11, 13, 17, 21, 23]) {
    it(`opset ${opset}: gradients of mu and logsigma for x and every parameter`, async () => {
      const model = readModel(writeModel(pytorchConvEncoder(opset).model));
      const types = inferTypes(model);
      expect(types.get('mu')?.shape).toEqual(['batch_size', 2]);
      expect(types.get('logsigma')?.shape).toEqual(['batch_size', 2]);
      const result = await expectModelGradOk(model, { batch: 2 });
      expect(result.outputs).toEqual(['mu', 'logsigma']);
      expect(result.tensors.map((t) => t.name)).toEqual(['x', ...params(model)]);
      expectStandardOps(model, ['mu', 'logsigma'], ['x']);
    });
  }
  it("onnxruntime's forward equals the float64 reference", async () => {
    // float32 sums of at most 36 terms through three layers.
    await expectMatchesReference(pytorchConvEncoder(13), { x: normals([2, 1, 8, 8], 6) }, 1e-5);
  });
});

describe('beta-VAE style 28x28 decoder and encoder (4x4 kernels, stride 2)', () => {
  it("decoder: onnxruntime's forward equals the float64 reference; gradients for z and every parameter", async () => {
    const f = betaVaeDecoder(17);
    // float32 sums of at most 392 terms through four layers.
    await expectMatchesReference(f, { z: normals([2, 4], 7) }, 1e-5);
    const result = await expectModelGradOk(f.model, { batch: 2 });
    expect(result.tensors.map((t) => t.name)).toEqual(['z', ...params(f.model)]);
  });
  it("encoder: onnxruntime's forward equals the float64 reference; gradients for x and every parameter", async () => {
    const f = betaVaeEncoder(17);
    await expectMatchesReference(f, { x: normals([2, 1, 28, 28], 8) }, 1e-5);
    const result = await expectModelGradOk(f.model, { batch: 2 });
    expect(result.tensors.map((t) => t.name)).toEqual(['x', ...params(f.model)]);
  });
  it('at opset 11, energy-style: d/dz of a summed objective matches the vector-Jacobian product', async () => {
    await expectModelGradOk(betaVaeDecoder(11).model, { batch: 2, wrt: 'inputs' });
  });
});

describe('langevin-pc check-grad on a saved conv decoder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpc-conv-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'conv-decoder.onnx');
  writeFileSync(path, writeModel(pytorchConvDecoder(17).model));

  it('exits 0 through the command line program', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'langevin-pc', 'check-grad', path, '--batch', '2', '--wrt', 'inputs'])).toBe(0);
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(/OK: max relative error/);
    } finally {
      write.mockRestore();
      process.exitCode = undefined;
    }
  });

  it('prints per-tensor errors as JSON, every parameter of the decoder included', async () => {
    let out = '';
    expect(await runCheckGrad(path, { json: true, seed: '3' }, (s) => (out += s))).toBe(0);
    const report = JSON.parse(out);
    expect(report.ok).toBe(true);
    expect(report.tensors.map((t: { name: string }) => t.name)).toEqual([
      'z',
      'decoder.fc.weight',
      'decoder.fc.bias',
      'decoder.deconv1.weight',
      'decoder.deconv1.bias',
      'decoder.conv.weight',
      'decoder.conv.bias',
    ]);
  });

  it('exits 1 when the Resize rule is wrong, failing the tensors upstream of it only (margins: check-grad.test.ts)', async () => {
    let out = '';
    expect(await runCheckGrad(path, { json: true }, (s) => (out += s), { overrides: { Resize: WRONG_RULES.resizeSubsample } })).toBe(1);
    const report = JSON.parse(out);
    expect(report.ok).toBe(false);
    const failing = report.tensors.filter((t: { maxRelErr: number }) => t.maxRelErr > report.tolerance).map((t: { name: string }) => t.name);
    expect(failing).toEqual(['z', 'decoder.fc.weight', 'decoder.fc.bias', 'decoder.deconv1.weight', 'decoder.deconv1.bias']);
  });
});

const WEIGHTS = ['decoder.fc.weight', 'decoder.fc.bias', 'decoder.deconv1.weight', 'decoder.deconv1.bias', 'decoder.conv.weight', 'decoder.conv.bias'];

describe('conv decoder whose upsampling scales torch folded into float initializers', () => {
  // Upsample (9), Resize with roi (11) and without (13).
  for (const opset of [9, 11, 13]) {
    it(`opset ${opset}: the scales are frozen, inference reads them, and z and every weight have gradients`, async () => {
      const model = readModel(writeModel(pytorchConvDecoder(opset, { foldedScales: true }).model));
      const folded = [...model.graph.initializers.keys()].filter((n) => n.startsWith('onnx::'));
      expect(folded.length).toBe(opset === 11 ? 2 : 1); // roi too at opsets 11-12
      expect(ParameterSet.fromModel(model).names).toEqual(WEIGHTS);
      expect(inferTypes(model).get('x_mean')?.shape).toEqual(['batch_size', 12, 12, 1]);
      // The gradient graph builds; it is the one Constant scales give (models-conv.test.ts checks it numerically
      // with folded scales at opset 13).
      const { gradients } = buildGradientModel(model, { vjp: ['x_mean'], inputs: ['z'], params: WEIGHTS });
      expect([...gradients.keys()]).toEqual(['z', ...WEIGHTS]);
      // The same function as the fixture written with Constant nodes.
      const z = normals([2, 3], 4);
      const [a, b] = await Promise.all([model, pytorchConvDecoder(opset).model].map(async (m) => (await runSession(await createSession(m), { z })).x_mean.data));
      expect(Array.from(a as Float32Array)).toEqual(Array.from(b as Float32Array));
    });
  }

  it('made a parameter on request, Resize scales are fed, and the gradient error names them', async () => {
    const model = opModel(13, (b) => {
      const scales = b.initializer('onnx::Resize_7', tensorOf('float32', [4], [1, 1, 2, 2]));
      b.output(b.op('Resize', [b.input('x', 'float32', ['n', 2, 3, 3]), '', scales], { mode: 'nearest' }), 'y');
    });
    await expectGradOk(model, { batch: 2 });
    const all = ParameterSet.fromModel(model, { include: () => true }).names;
    expect(all).toEqual(['onnx::Resize_7']);
    expect(() => buildGradientModel(model, { vjp: ['y'], inputs: ['x'], params: all })).toThrow(
      expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining("'onnx::Resize_7' is computed or fed at run time") }),
    );
  });
});
