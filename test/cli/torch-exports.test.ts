/**
 * The CLI on models that PyTorch exported itself (test/onnx/torch-exports, made by
 * scripts/export-torch-fixtures.py): posterior inference on images the decoders generated from known
 * latents, sampling, and fine-tuning a decoder with its encoder, whose trained files plain onnxruntime runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { readModel } from '../../lib/onnx/convert.js';
import { readPng, runCli, saveImages, tempFolder } from './support.js';
import { readMetrics } from './train-support.js';

const EXPORTS = path.join(import.meta.dirname, '..', 'onnx', 'torch-exports');
const exported = (file: string) => path.join(EXPORTS, file);
const tmp = tempFolder('lpc-torch-');
afterAll(() => tmp.dispose());

describe('the CLI on PyTorch exports', () => {
  // Bars on reconMse / priorMeanMse, four times the measured ratio: both errors are over the same images
  // (paired), so the ratio moves little between machines, and a regression of several times fails.
  for (const [file, source, measured] of [
    ['conv-decoder-torchscript-opset17.onnx', 'png', 6.0e-4],
    ['tanh-nhwc-decoder-dynamo-opset21.onnx', 'npy', 3.6e-5],
    ['mlp-decoder-torchscript-opset9.onnx', 'png', 6.5e-5],
  ] as const) {
    it(`infers the latents of images that ${file} generated, far better than z = 0`, async () => {
      const dir = path.join(tmp.dir, file);
      const saved = await saveImages(exported(file), dir, 6, 31);
      const images = source === 'png' ? saved.pngDir : saved.npyFile;
      // A Gaussian likelihood of small sigma: the Bernoulli one sees little in grey images of modest contrast.
      const likelihood = ['--likelihood', 'gaussian', '--sigma', 'fixed:0.05'];
      const run = await runCli(['infer', exported(file), '--images', images, ...likelihood, '--json', '--steps', '200', '--seed', '2', '--out', path.join(dir, 'out')]);
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(summary.images).toBe(6);
      expect(summary.reconMse).toBeLessThan(4 * measured * summary.priorMeanMse);
    });
  }

  it('samples from a decoder exported by the dynamo exporter', async () => {
    const out = path.join(tmp.dir, 'samples');
    const run = await runCli(['sample', exported('mlp-decoder-dynamo-opset18.onnx'), '-n', '4', '--seed', '1', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const grid = readPng(path.join(out, 'samples.png'));
    expect([grid.width, grid.height]).toEqual([2 * 12 + 3 * 2, 2 * 12 + 3 * 2]); // 4 images of 12x12 in a 2x2 grid, padding 2
  });

  it('fine-tunes an exported decoder with its exported encoder; plain onnxruntime runs the trained files', async () => {
    const data = path.join(tmp.dir, 'fine-tune-data');
    const saved = await saveImages(exported('conv-decoder-torchscript-opset13.onnx'), data, 40, 7);
    const out = path.join(tmp.dir, 'fine-tuned');
    const decoderFile = exported('conv-decoder-torchscript-opset13.onnx');
    const encoderFile = exported('conv-encoder-dynamo-opset18.onnx');
    const run = await runCli([
      'train',
      '--dataset',
      saved.npyFile,
      '--decoder',
      decoderFile,
      '--encoder',
      encoderFile,
      '--init',
      'encoder',
      '--batch',
      '12',
      '--steps',
      '4',
      '--updates',
      '3',
      '--threads',
      '1',
      '--eval-iwae',
      '5',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(readMetrics(out).config).toMatchObject({ latent: 6 });
    for (const [trained, original, input] of [
      [path.join(out, 'decoder.onnx'), decoderFile, 'z'],
      [path.join(out, 'encoder.onnx'), encoderFile, 'x'],
    ] as const) {
      const before = readModel(new Uint8Array(readFileSync(original)));
      const after = readModel(new Uint8Array(readFileSync(trained)));
      expect(after.opset).toBe(before.opset);
      const session = await ort.InferenceSession.create(trained);
      expect(session.inputNames).toEqual([input]);
      expect(session.outputNames).toEqual(before.graph.outputs.map((o) => o.name));
      const dims = input === 'z' ? [2, 6] : [2, 1, 16, 16];
      const feed = new ort.Tensor('float32', new Float32Array(dims.reduce((p, d) => p * d, 1)).fill(0.25), dims);
      const result = await session.run({ [input]: feed });
      for (const name of session.outputNames) expect((result[name]!.data as Float32Array).every(Number.isFinite)).toBe(true);
      await session.release();
      // Training moved the parameters: the files differ.
      expect(Buffer.from(readFileSync(trained)).equals(readFileSync(original))).toBe(false);
    }
  });
});
