/**
 * Pretrained models whose output is not the mean image: a web-demo decoder that ends in `Mul 255 -> Cast
 * uint8` is refused with advice, and after --decoder-tensor (cutGraph) it samples, infers, evaluates, exports,
 * fine-tunes (the run keeping the cut graph) and passes check-grad --outputs like any decoder; --encoder-tensors
 * cuts an encoder the same way.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportDecoder, exportEncoder } from '../../lib/models/export.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { mlpDecoder, mlpEncoder } from '../../lib/models/mlp.js';
import { readModel, writeModel } from '../../lib/onnx/convert.js';
import { cutGraph } from '../../lib/onnx/cut-graph.js';
import type { Model } from '../../lib/onnx/ir.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { runCli, saveImages, tempFolder } from './support.js';

const tmp = tempFolder('lpc-decoder-tensor-');
afterAll(() => tmp.dispose());

const decoder = mlpDecoder({ latentDim: 3, imageShape: [1, 8, 8], hidden: [16], seed: 4 });
const MEAN = decoder.output;
const plainFile = path.join(tmp.dir, 'plain.onnx');
writeFileSync(plainFile, exportDecoder(decoder));

/** `model` with its output `from` turned into a uint8 picture, as web demos feed a canvas. */
function withCanvasOutput(model: Model, from: string): Model {
  const m = model.clone();
  const g = m.graph;
  g.initializers.set('demo/k255', makeTensor('float32', [], Float32Array.of(255)));
  g.nodes.push({ name: 'demo/scale', opType: 'Mul', domain: '', inputs: [from, 'demo/k255'], outputs: ['demo/scaled'], attrs: new Map() });
  g.nodes.push({ name: 'demo/cast', opType: 'Cast', domain: '', inputs: ['demo/scaled'], outputs: ['canvas'], attrs: new Map([['to', { kind: 'int', value: 2 }]]) });
  g.outputs = [{ name: 'canvas', dtype: 'uint8', shape: ['batch', 1, 8, 8] }];
  return m;
}

const webFile = path.join(tmp.dir, 'web-demo.onnx');
writeFileSync(webFile, writeModel(withCanvasOutput(readModel(readFileSync(plainFile)), MEAN)));

describe('cutGraph', () => {
  it('makes the named tensor the output and drops the nodes after it', () => {
    const web = readModel(readFileSync(webFile));
    const cut = cutGraph(web, [MEAN]);
    expect(cut.graph.outputs.map((o) => [o.name, o.dtype])).toEqual([[MEAN, 'float32']]);
    expect(cut.graph.nodes.map((n) => n.name)).not.toContain('demo/cast');
    expect(cut.graph.initializers.has('demo/k255')).toBe(false);
    expect(cut.graph.nodes).toHaveLength(web.graph.nodes.length - 2);
    // The original is untouched.
    expect(web.graph.outputs.map((o) => o.name)).toEqual(['canvas']);
  });

  it('names a tensor the graph lacks with LPC_NOT_FOUND', () => {
    expect(() => cutGraph(readModel(readFileSync(webFile)), ['nope'])).toThrow(expect.objectContaining({ code: 'LPC_NOT_FOUND' }));
  });
});

describe('--decoder-tensor', () => {
  it('is suggested when a decoder outputs integers, naming the activation before the display head', async () => {
    await expect(loadDecoder(readFileSync(webFile))).rejects.toMatchObject({ code: 'LPC_INVALID_MODEL', message: expect.stringContaining(`'${MEAN}'`) });
    const run = await runCli(['sample', webFile, '-n', '4', '--out', path.join(tmp.dir, 'refused')]);
    expect(run.stderr).toMatch(/^langevin-pc: LPC_INVALID_MODEL: the decoder output 'canvas' holds uint8 values.*--decoder-tensor NAME/);
  });

  it('samples, infers and evaluates with the cut decoder as with the plain one', async () => {
    const images = await saveImages(plainFile, path.join(tmp.dir, 'images'), 6, 1);
    const cut = ['--decoder-tensor', MEAN];
    for (const [name, args] of [
      ['sample', ['-n', '4', '--seed', '2']],
      ['infer', ['--images', images.npyFile, '--steps', '10', '--seed', '2']],
    ] as const) {
      const plain = await runCli([name, plainFile, ...args, '--out', path.join(tmp.dir, `${name}-plain`), '--json']);
      const web = await runCli([name, webFile, ...cut, ...args, '--out', path.join(tmp.dir, `${name}-web`), '--json']);
      expect(web.code, web.stderr).toBe(0);
      // Same graph up to the cut, same seed: the same numbers (the file names differ).
      const strip = (s: string) => JSON.stringify(JSON.parse(s), (k, v: unknown) => (k === 'file' ? undefined : v));
      expect(strip(web.stdout)).toBe(strip(plain.stdout));
    }
    const evaluated = await runCli(['eval', webFile, ...cut, '--dataset', images.npyFile, '--iwae', '5', '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(Number.isFinite((JSON.parse(evaluated.stdout) as { nll: number }).nll)).toBe(true);
  });

  it('exports the cut decoder to the browser explorer, and train fine-tunes that file', async () => {
    const site = path.join(tmp.dir, 'site');
    const run = await runCli(['export-web', '--decoder', webFile, ...['--decoder-tensor', MEAN], '--out', site]);
    expect(run.code, run.stderr).toBe(0);
    expect(readModel(readFileSync(path.join(site, 'decoder.onnx'))).graph.outputs.map((o) => o.name)).toEqual([MEAN]);
    // The cut graph is an ordinary decoder file: train fine-tunes it.
    const images = await saveImages(plainFile, path.join(tmp.dir, 'finetune-images'), 20, 3);
    const out = path.join(tmp.dir, 'finetune');
    const trained = await runCli([
      'train',
      '--decoder',
      path.join(site, 'decoder.onnx'),
      '--dataset',
      images.npyFile,
      '--algo',
      'vae',
      '--batch',
      '6',
      '--updates',
      '3',
      '--eval-iwae',
      '5',
      '--out',
      out,
      '--json',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    expect((JSON.parse(trained.stdout) as { updates: number }).updates).toBe(3);
    expect(readModel(readFileSync(path.join(out, 'decoder.onnx'))).graph.outputs.map((o) => o.name)).toEqual([MEAN]);
  });
});

describe('train --decoder-tensor', () => {
  it('fine-tunes a web-demo decoder cut at its mean image; eval and --resume of the run need no flag, and --resume may not change it', async () => {
    const images = await saveImages(plainFile, path.join(tmp.dir, 'train-cut-images'), 20, 5);
    const out = path.join(tmp.dir, 'train-cut');
    const common = ['--threads', '1', '--eval-iwae', '5', '--json'];
    const refused = await runCli(['train', '--decoder', webFile, '--dataset', images.npyFile, '--updates', '1', '--out', path.join(tmp.dir, 'train-uncut'), ...common]);
    expect(refused.stderr).toMatch(/^langevin-pc: LPC_INVALID_MODEL: the decoder output 'canvas' holds uint8 values.*--decoder-tensor NAME with train/);

    const setup = ['--decoder', webFile, '--decoder-tensor', MEAN, '--dataset', images.npyFile, '--batch', '6', '--steps', '3', '--out', out];
    const trained = await runCli(['train', ...setup, '--updates', '2', ...common]);
    expect(trained.code, trained.stderr).toBe(0);
    const metrics = JSON.parse(trained.stdout) as { updates: number; config: { decoderTensor: string; decoder: string } };
    expect(metrics.updates).toBe(2);
    expect(metrics.config.decoderTensor).toBe(MEAN);
    // The run's decoder is the cut graph: a float mean image, no display head.
    const saved = readModel(readFileSync(path.join(out, 'decoder.onnx')));
    expect(saved.graph.outputs.map((o) => [o.name, o.dtype])).toEqual([[MEAN, 'float32']]);
    expect(saved.graph.nodes.map((n) => n.opType)).not.toContain('Cast');
    // Fine-tuned: its weights moved from the file's.
    const before = readModel(readFileSync(webFile)).graph.initializers;
    const moved = [...saved.graph.initializers].some(([name, t]) => before.has(name) && t.data.some((v: number | bigint, i: number) => v !== before.get(name)!.data[i]));
    expect(moved).toBe(true);

    const evaluated = await runCli(['eval', out, '--iwae', '5', '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(Number.isFinite((JSON.parse(evaluated.stdout) as { nll: number }).nll)).toBe(true);

    const resumed = await runCli(['train', '--out', out, '--resume', '--updates', '3', ...common]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((JSON.parse(resumed.stdout) as { updates: number }).updates).toBe(3);
    // Naming the file and the tensor again agrees with the run (the digest is the uncut file's).
    const again = await runCli(['train', ...setup, '--resume', '--updates', '4', ...common]);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { updates: number }).updates).toBe(4);

    // Another tensor would train another graph: refused, naming the flag.
    const other = await runCli(['train', '--out', out, '--resume', '--decoder-tensor', 'demo/scaled', '--updates', '5', ...common]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^langevin-pc: LPC_CONFIG_MISMATCH: --decoder-tensor is "demo\/scaled" but the run in .* was trained with "/);
  });

  it('is refused without --decoder', async () => {
    const images = await saveImages(plainFile, path.join(tmp.dir, 'no-decoder-images'), 10, 6);
    const run = await runCli(['train', '--decoder-tensor', MEAN, '--dataset', images.npyFile, '--updates', '1', '--out', path.join(tmp.dir, 'no-decoder')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^langevin-pc: LPC_INVALID_ARGUMENT: --decoder-tensor .*given only with --decoder/);
  });
});

describe('check-grad --outputs', () => {
  it('differentiates the named tensor with the graph cut there', async () => {
    const run = await runCli(['check-grad', webFile, '--outputs', MEAN, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; maxRelErr: number; outputs: string[]; tensors: unknown[] };
    expect(report.ok).toBe(true);
    expect(report.outputs).toEqual([MEAN]);
    expect(report.tensors.length).toBeGreaterThan(0);
  });
});

describe('--encoder-tensors', () => {
  it('takes an encoder whose outputs lie before a post-processing node', async () => {
    const encoder = mlpEncoder({ latentDim: 3, imageShape: [1, 8, 8], hidden: [16], seed: 5 });
    const model = readModel(exportEncoder(encoder));
    const [mu, scale] = model.graph.outputs.map((o) => o.name);
    // A demo that shows mu, the scale and mu again as one vector: no encoder interface is left.
    const g = model.graph;
    g.nodes.push({ name: 'demo/concat', opType: 'Concat', domain: '', inputs: [mu, scale, mu], outputs: ['display'], attrs: new Map([['axis', { kind: 'int', value: 1 }]]) });
    g.outputs = [{ name: 'display', dtype: 'float32', shape: ['batch', 9] }];
    const file = path.join(tmp.dir, 'encoder-demo.onnx');
    writeFileSync(file, writeModel(model));
    const site = path.join(tmp.dir, 'site-encoder');
    const uncut = await runCli(['export-web', '--decoder', plainFile, '--encoder', file, '--out', site]);
    expect(uncut.code).toBe(1);
    const run = await runCli(['export-web', '--decoder', plainFile, '--encoder', file, '--encoder-tensors', `${mu},${scale}`, '--out', site]);
    expect(run.code, run.stderr).toBe(0);
    const bad = await runCli(['export-web', '--decoder', plainFile, '--encoder', file, '--encoder-tensors', mu, '--out', site]);
    expect(bad.stderr).toMatch(/^langevin-pc: LPC_INVALID_ARGUMENT: --encoder-tensors must be two tensor names/);
  });
});
