/**
 * A decoder PyTorch exported with keep_initializers_as_inputs=True (scripts/export-initializer-inputs-fixture.py):
 * its weights, listed among the graph inputs too, are parameters like any other. They are dropped from the
 * inputs when read, so frozen ones are constants (no onnxruntime warning per initializer), `check-grad --wrt all`
 * checks them, and `train --decoder` trains them.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheckGrad } from '../../lib/cli/commands/check-grad.js';
import { writeNpy } from '../../lib/data/npy.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { decodeModel } from '../../lib/onnx/codec.js';
import { readModel, writeModel } from '../../lib/onnx/convert.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { runCli, tempFolder } from '../cli/support.js';

const DIR = path.join(import.meta.dirname, 'torch-exports');
const FILE = path.join(DIR, 'mlp-decoder-initializers-as-inputs-opset17.onnx');
const WEIGHTS = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'];
const tmp = tempFolder('lpc-init-inputs-');
afterAll(() => tmp.dispose());

/** What onnxruntime-node prints on stderr while creating a session for `file` (in a child: its log is native). */
function sessionLog(file: string): string {
  const script = `require('onnxruntime-node').InferenceSession.create(process.argv[1]).then(() => {}, (e) => { console.error(String(e)); process.exit(1); });`;
  const run = spawnSync(process.execPath, ['-e', script, file], { encoding: 'utf8', cwd: path.join(import.meta.dirname, '..', '..') });
  expect(run.status, run.stderr).toBe(0);
  return run.stderr;
}

describe('initializers listed as graph inputs', () => {
  it('are read as initializers only, giving PyTorch float64 outputs within 1e-5', async () => {
    const bytes = readFileSync(FILE);
    const model = readModel(bytes);
    expect(model.graph.inputs.map((v) => v.name)).toEqual(['z']);
    const decoder = await loadDecoder(FILE);
    expect(decoder.params.names).toEqual(WEIGHTS);
    const reference = JSON.parse(readFileSync(path.join(DIR, 'mlp-decoder.json'), 'utf8')) as { input: { shape: number[]; data: number[] }; outputs: { data: number[] }[] };
    const session = await createSession(model, { threads: 1 });
    try {
      const out = await runSession(session, { z: makeTensor('float32', reference.input.shape, Float32Array.from(reference.input.data)) });
      const got = out.x.data as Float32Array;
      // float32 weights and arithmetic against float64: sigmoid outputs agree to ~1e-7 (measured 1.0e-7).
      const maxErr = Math.max(...reference.outputs[0].data.map((v, i) => Math.abs(v - got[i])));
      expect(maxErr).toBeLessThan(1e-5);
    } finally {
      await session.release();
    }
  });

  it('become constants onnxruntime accepts without a warning per initializer', () => {
    const rewritten = path.join(tmp.dir, 'rewritten.onnx');
    writeFileSync(rewritten, writeModel(readModel(readFileSync(FILE))));
    // The file as exported draws onnxruntime's warning for each of the four weights...
    const original = sessionLog(FILE);
    expect(original.match(/appears in graph inputs and will not be treated as constant/g)?.length).toBe(WEIGHTS.length);
    // ...the model as this package hands it over draws none.
    expect(sessionLog(rewritten)).not.toMatch(/graph inputs/);
  });

  it('are checked by check-grad --wrt all', async () => {
    let text = '';
    const code = await runCheckGrad(FILE, { wrt: 'all', json: true }, (s) => (text += s));
    const report = JSON.parse(text) as { ok: boolean; tensors: { name: string; kind: string }[] };
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.tensors.filter((t) => t.kind === 'param').map((t) => t.name)).toEqual(WEIGHTS);
    expect(report.tensors.filter((t) => t.kind === 'input').map((t) => t.name)).toEqual(['z']);
  });

  it('are trained by train --decoder, and the trained file keeps the exported form', async () => {
    const data = path.join(tmp.dir, 'images.npy');
    // 12 images of 12x12 from the exported decoder itself, as NPY in its [0, 1] range.
    const decoder = await loadDecoder(FILE);
    const session = await createSession(decoder.model, { threads: 1 });
    const z = Float32Array.from({ length: 12 * 6 }, (_, i) => Math.sin(i * 1.7));
    const images = (await runSession(session, { z: makeTensor('float32', [12, 6], z) })).x.data as Float32Array;
    await session.release();
    writeNpy(data, { dtype: 'float32', shape: [12, 1, 12, 12], data: images });
    const out = path.join(tmp.dir, 'trained');
    const run = await runCli(['train', '--dataset', data, '--decoder', FILE, '--init', 'prior', '--batch', '6', '--steps', '3', '--updates', '2', '--threads', '1', '--eval-iwae', '2', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const trained = readModel(readFileSync(path.join(out, 'decoder.onnx')));
    const before = readModel(readFileSync(FILE));
    for (const name of WEIGHTS) {
      expect(trained.graph.initializers.get(name)!.data, name).not.toEqual(before.graph.initializers.get(name)!.data);
    }
    // The export writes values into the original file, whose input list stays as PyTorch wrote it.
    expect(decodeModel(readFileSync(path.join(out, 'decoder.onnx'))).graph!.input.map((v) => v.name)).toEqual(['z', ...WEIGHTS]);
  });
});
