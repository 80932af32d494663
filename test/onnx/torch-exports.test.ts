/**
 * Models exported by PyTorch itself (scripts/export-torch-fixtures.py, torch.onnx.export with the TorchScript
 * exporter at opsets 9, 13 and 17 and the dynamo exporter at 18 and 21): the package must read them, run
 * them, differentiate them and give them back unchanged in form. References are PyTorch's float64 forward
 * pass and autograd on the same weights.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { checkGradients } from '../../lib/onnx/check-grad.js';
import { readModel } from '../../lib/onnx/convert.js';
import { exportModel } from '../../lib/onnx/export.js';
import { ParameterSet } from '../../lib/onnx/params.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { loadEncoder } from '../../lib/models/load-encoder.js';

const DIR = join(import.meta.dirname, 'torch-exports');

interface Stored {
  shape: number[];
  data: number[];
}
interface Reference {
  input: Stored;
  outputs: Stored[];
  upstream: Stored[];
  inputGradient: Stored;
}
interface Entry {
  file: string;
  model: string;
  exporter: 'torchscript' | 'dynamo';
  opset: number;
  input: string;
  outputs: string[];
  reference: string;
  matchesTorch: boolean;
}

const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as { torch: string; models: Entry[] };
const bytesOf = (e: Entry) => new Uint8Array(readFileSync(join(DIR, e.file)));
const referenceOf = (e: Entry) => JSON.parse(readFileSync(join(DIR, e.reference), 'utf8')) as Reference;
const tensorOf = (s: Stored) => makeTensor('float32', s.shape, Float32Array.from(s.data));

/** max |got - want| / max(1, max |want|): float32 arithmetic against a float64 reference. */
function scaledError(got: ArrayLike<number>, want: readonly number[]): number {
  let err = 0;
  let scale = 1;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return err / scale;
}

// What each exported model is, as the loaders should detect it.
const DECODERS: Record<string, { layout: string; range: string; imageShape: number[] }> = {
  'mlp-decoder': { layout: 'nchw', range: '01', imageShape: [1, 12, 12] },
  'conv-decoder': { layout: 'nchw', range: '01', imageShape: [1, 16, 16] },
  'tanh-nhwc-decoder': { layout: 'nhwc', range: '11', imageShape: [3, 8, 8] },
};

describe(`PyTorch ${manifest.torch} exports`, () => {
  it('cover both exporters at five opsets for every model', () => {
    expect(manifest.models.length).toBe(25);
    expect(new Set(manifest.models.map((e) => e.opset))).toEqual(new Set([9, 13, 17, 18, 21]));
  });

  for (const entry of manifest.models) {
    describe(entry.file, () => {
      it('runs forward and gives the input gradient of PyTorch autograd', async () => {
        const ref = referenceOf(entry);
        const input = tensorOf(ref.input);
        const plain = await createSession(readModel(bytesOf(entry)));
        const original = await runSession(plain, { [entry.input]: input });
        await plain.release();
        const grad = buildGradientModel(readModel(bytesOf(entry)), { vjp: entry.outputs, inputs: [entry.input] });
        const session = await createSession(grad.model);
        const feeds: Record<string, ReturnType<typeof tensorOf>> = { [entry.input]: input };
        entry.outputs.forEach((o, i) => (feeds[grad.upstream.get(o)!] = tensorOf(ref.upstream[i]!)));
        const out = await runSession(session, feeds);
        await session.release();
        entry.outputs.forEach((o, i) => {
          const want = ref.outputs[i]!;
          expect(out[o]!.dims).toEqual(want.shape);
          // The gradient model computes the file's own function: 1e-6 leaves room for ORT fusing differently.
          expect(scaledError(out[o]!.data as Float32Array, Array.from(original[o]!.data as Float32Array))).toBeLessThan(1e-6);
          // 1e-5: float32 rounding through a few layers of width <= 144 stays near 1e-6 of the output scale.
          // Files marked otherwise hold a different function (opset 9 Upsample lacks half-pixel coordinates).
          const err = scaledError(out[o]!.data as Float32Array, want.data);
          if (entry.matchesTorch) expect(err).toBeLessThan(1e-5);
          else expect(err).toBeGreaterThan(1e-2);
        });
        // PyTorch's autograd differentiates its own function, so only files that compute it can match it.
        if (entry.matchesTorch) {
          const g = out[grad.gradients.get(entry.input)!]!;
          expect(g.dims).toEqual(ref.inputGradient.shape);
          expect(scaledError(g.data as Float32Array, ref.inputGradient.data)).toBeLessThan(1e-5);
        }
      });

      it('passes the gradient check for inputs and parameters', async () => {
        const result = await checkGradients(readModel(bytesOf(entry)), { wrt: 'all', batch: 2, seed: 3 });
        expect(result.tensors.some((t) => t.kind === 'param')).toBe(true);
        expect(result.ok).toBe(true);
      });

      it('is detected as what it is, and exports back with its inputs, outputs and opset', async () => {
        const bytes = bytesOf(entry);
        const loaded = entry.model.endsWith('-encoder') ? await loadEncoder(bytes) : await loadDecoder(bytes);
        expect(loaded.latentDim).toBe(6);
        if ('layout' in loaded) {
          const want = DECODERS[entry.model]!;
          expect([loaded.layout, loaded.range, loaded.imageShape]).toEqual([want.layout, want.range, want.imageShape]);
        } else {
          // The scale output's name says which it holds: log_var is a log variance.
          const scale = entry.model === 'mlp-encoder' ? 'log_var' : 'logsigma';
          expect(loaded.scale).toBe(entry.model === 'mlp-encoder' ? 'logvar' : 'logsigma');
          expect(loaded.outputs).toEqual({ mu: 'mu', scale });
        }
        // Scaled parameters written back: the saved file has the original interface and every value moved.
        const params = ParameterSet.fromModel(readModel(bytes));
        const values = new Map(params.names.map((n) => [n, params.get(n).data.map((v) => 2 * v)]));
        const saved = readModel(exportModel(bytes, values));
        const original = readModel(bytes);
        expect(saved.opset).toBe(original.opset);
        expect(saved.graph.inputs.map((v) => v.name)).toEqual(original.graph.inputs.map((v) => v.name));
        expect(saved.graph.outputs.map((v) => v.name)).toEqual(original.graph.outputs.map((v) => v.name));
        const again = ParameterSet.fromModel(saved);
        for (const [name, v] of values) expect(again.get(name).data).toEqual(v);
      });
    });
  }
});
