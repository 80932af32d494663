/**
 * `langevin-pc infer` on decoders saved the way torch.onnx.export writes them: the conv fixture (Linear, view
 * through Shape, ConvTranspose, Resize, Pad, Conv, Sigmoid, NHWC transpose at the end), with images it
 * generated from known latents given as a PNG folder and as an NHWC float NPY file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../lib/data/npy.js';
import { DecoderMeans } from '../../lib/models/decoder-means.js';
import { transpileChildScript, type ChildScript } from '../support/child-script.js';
import { torchBetaVaeDecoder, torchConvDecoder, torchMlpDecoder } from '../inference/support/decoders.js';
import { pytorchNhwcDecoder } from '../models/fixtures.js';
import { readPng, runCli, saveImages, saveModel, tempFolder, type SavedImages } from './support.js';

const COUNT = 8;
const tmp = tempFolder('lpc-infer-');
let convFile: string;
let conv: SavedImages;

beforeAll(async () => {
  convFile = saveModel(torchConvDecoder({ latent: 3, gain: 8 }), path.join(tmp.dir, 'conv.onnx'));
  conv = await saveImages(convFile, tmp.dir, COUNT, 17);
});

afterAll(() => tmp.dispose());

/** The one JSON object infer prints with --json, with its fields checked for type. */
function summaryOf(stdout: string): { images: number; meanEnergy: number; reconMse: number; priorMeanMse: number; acceptRate: number | null } {
  const lines = stdout.trim().split('\n');
  expect(lines.length).toBe(1);
  const summary = JSON.parse(lines[0]);
  expect(Object.keys(summary)).toEqual(['images', 'meanEnergy', 'reconMse', 'priorMeanMse', 'acceptRate']);
  expect(Number.isInteger(summary.images)).toBe(true);
  for (const key of ['meanEnergy', 'reconMse', 'priorMeanMse']) expect(Number.isFinite(summary[key]), key).toBe(true);
  expect(summary.acceptRate === null || typeof summary.acceptRate === 'number').toBe(true);
  return summary;
}

/**
 * reconMse within four times its measured share of priorMeanMse. Both are errors over the same images (paired),
 * so their ratio moves little between machines; a regression of several times fails (the earlier bar, a
 * quarter, let through regressions of 30 to 400 times).
 */
function expectRatioNear(summary: { reconMse: number; priorMeanMse: number }, measured: number): void {
  expect(summary.reconMse).toBeLessThan(4 * measured * summary.priorMeanMse);
}

describe('langevin-pc infer', () => {
  it('infers the latents of a PNG folder, writes the grid, the JSON and the latents, and prints one JSON object', async () => {
    const out = path.join(tmp.dir, 'out-png', 'nested');
    // --batch 3 of 8 images: three sampler runs, the last one partial, each on a slice of the data.
    const run = await runCli(['infer', convFile, '--images', conv.pngDir, '--json', '--out', out, '--batch', '3', '--chains', '2', '--seed', '5']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = summaryOf(run.stdout);
    expect(summary.images).toBe(COUNT);
    expect(summary.acceptRate).toBeNull();
    // Inference against decoding z = 0, errors paired over the same images: measured ratio 0.0080.
    expectRatioNear(summary, 0.008);

    // 8 pairs of 12x12 images in one row: 8 cells of 12 + 1 + 12 pixels, padding 2 around and between.
    const grid = readPng(path.join(out, 'infer.png'));
    expect([grid.width, grid.height]).toEqual([8 * 25 + 9 * 2, 12 + 2 * 2]);
    expect(grid.grey).toBe(true);
    // Each cell's left image is the original, pixel for pixel (bytes k -> k / 255 -> drawn back as k).
    for (let i = 0; i < COUNT; i++) {
      for (let y = 0; y < 12; y++) {
        for (let x = 0; x < 12; x++) {
          const at = ((2 + y) * grid.width + 2 + i * 27 + x) * 4;
          expect(grid.rgba[at]).toBe(conv.bytes[i * 144 + y * 12 + x]);
        }
      }
    }
    const written = JSON.parse(readFileSync(path.join(out, 'infer.json'), 'utf8'));
    expect(written).toMatchObject({
      ...summary,
      latentDim: 3,
      layout: 'nhwc',
      range: '01',
      likelihood: { kind: 'bernoulli' },
      steps: 300,
      stepSize: 0.1,
      preconditioner: 'adam',
      chains: 2,
      batch: 3,
      seed: '5',
    });
    const latents = readNpy(path.join(out, 'latents.npy'));
    expect(latents.shape).toEqual([COUNT, 3]);
    expect(latents.dtype).toBe('float32');
  });

  it('reads NHWC float NPY images, is reproducible with a seed, and measures errors in the [0, 1] scale', async () => {
    const args = ['infer', convFile, '--images', conv.npyFile, '--json', '--steps', '200', '--seed', '3'];
    const first = await runCli([...args, '--out', path.join(tmp.dir, 'npy-1')]);
    const second = await runCli([...args, '--out', path.join(tmp.dir, 'npy-2')]);
    expect(first.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const summary = summaryOf(first.stdout);
    expectRatioNear(summary, 0.0097); // measured, as above

    // priorMeanMse is the error of the decoder's mean at z = 0, here computed independently.
    const means = await DecoderMeans.create(conv.decoder, { threads: 1 });
    const atZero = await means.decode(new Float32Array(3));
    await means.dispose();
    let sq = 0;
    for (let i = 0; i < conv.images.length; i++) sq += (atZero[i % 144] - conv.images[i]) ** 2;
    expect(summary.priorMeanMse).toBeCloseTo(sq / conv.images.length, 7);
  });

  it('maps a tanh decoder and its data to [0, 1] for the errors, and uses the discretised likelihood by default', async () => {
    // NHWC output [batch_size, 6, 5, 3] ending in Tanh: data in [-1, 1], RGB PNGs.
    const file = saveModel(pytorchNhwcDecoder({ head: 'tanh' }), path.join(tmp.dir, 'tanh.onnx'));
    const dir = path.join(tmp.dir, 'tanh-data');
    const saved = await saveImages(file, dir, 4, 23);
    const out = path.join(tmp.dir, 'tanh-out');
    const run = await runCli(['infer', file, '--images', saved.pngDir, '--json', '--steps', '100', '--out', out]);
    expect(run.stderr).toBe('');
    const summary = summaryOf(run.stdout);
    expect(summary.images).toBe(4);
    const means = await DecoderMeans.create(saved.decoder, { threads: 1 });
    const atZero = await means.decode(new Float32Array(4));
    await means.dispose();
    let sq = 0;
    for (let i = 0; i < saved.bytes.length; i++) sq += ((atZero[i % 90] + 1) / 2 - saved.bytes[i] / 255) ** 2;
    // Both sides in [0, 1]: float32 rounding of the [-1, 1] data and means only (1e-7 relative).
    expect(summary.priorMeanMse).toBeCloseTo(sq / saved.bytes.length, 6);
    const written = JSON.parse(readFileSync(path.join(out, 'infer.json'), 'utf8'));
    expect(written.likelihood).toEqual({ kind: 'discretized', sigma: { mode: 'optimal' } });
    expect(written.imageShape).toEqual([3, 6, 5]);
    const grid = readPng(path.join(out, 'infer.png'));
    expect(grid.grey).toBe(false);
    expect([grid.width, grid.height]).toEqual([4 * 11 + 5 * 2, 6 + 2 * 2]); // 4 pairs of 5-pixel-wide images in one row
  });

  it('runs MALA with a fixed sigma and reports its acceptance rate', async () => {
    const run = await runCli([
      'infer',
      convFile,
      '--images',
      conv.pngDir,
      '--json',
      '--sampler',
      'mala',
      '--likelihood',
      'gaussian',
      '--sigma',
      'fixed:0.05',
      '--steps',
      '400',
      '--out',
      path.join(tmp.dir, 'mala'),
    ]);
    expect(run.stderr).toBe('');
    const summary = summaryOf(run.stdout);
    // Step sizes adapt toward 0.57 acceptance during the warm-up (the first half), then stay frozen; measured
    // 0.59 over 8 x 4 chains x 200 proposals (binomial noise 0.006; each chain's adapted step lands a few
    // percent off the target), hence +-0.1.
    expect(Math.abs(summary.acceptRate! - 0.57)).toBeLessThan(0.1);
    expectRatioNear(summary, 0.006); // measured
  });

  it('prints a readable summary without --json', async () => {
    const run = await runCli(['infer', convFile, '--images', conv.pngDir, '--steps', '50', '--limit', '2', '--out', path.join(tmp.dir, 'text')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^images +2$/m);
    expect(run.stdout).toMatch(/recon MSE/);
    expect(run.stdout).toMatch(/infer\.png/);
  });

  // Each form torch.onnx.export writes: Upsample (opset 9) or Resize (with an empty roi at 11, without at 13+),
  // Pad with attributes or inputs, Unsqueeze with attributes or inputs; an NCHW beta-VAE decoder of two
  // ConvTranspose layers; an MLP whose Sigmoid comes before a Shape-built view.
  // With the ratio of reconMse to priorMeanMse measured for each.
  const exported: [string, () => ReturnType<typeof torchConvDecoder>, number][] = [
    ['conv at opset 9', () => torchConvDecoder({ latent: 3, gain: 8, opset: 9 }), 0.0298],
    ['conv at opset 11', () => torchConvDecoder({ latent: 3, gain: 8, opset: 11 }), 0.0298],
    ['conv at opset 21', () => torchConvDecoder({ latent: 3, gain: 8, opset: 21 }), 0.0298],
    ['beta-VAE 28x28', () => torchBetaVaeDecoder({ latent: 4, gain: 4 }), 6.8e-4],
    ['MLP 28x28', () => torchMlpDecoder({ latent: 6, side: 28, gain: 2 }), 1.1e-3],
  ];
  it.each(exported)('infers and samples with the %s decoder', async (name, build, measured) => {
    const dir = path.join(tmp.dir, name.replace(/\W+/g, '-'));
    const file = saveModel(build(), path.join(tmp.dir, `${name.replace(/\W+/g, '-')}.onnx`));
    const saved = await saveImages(file, dir, 4, 29);
    const run = await runCli(['infer', file, '--images', saved.pngDir, '--json', '--steps', '150', '--out', dir]);
    expect(run.stderr).toBe('');
    const summary = summaryOf(run.stdout);
    expectRatioNear(summary, measured);
    const sample = await runCli(['sample', file, '-n', '4', '--out', dir]);
    expect(sample.code).toBe(0);
    const [c, h, w] = saved.decoder.imageShape;
    expect(c).toBe(1);
    const grid = readPng(path.join(dir, 'samples.png'));
    expect([grid.width, grid.height]).toEqual([2 * w + 3 * 2, 2 * h + 3 * 2]); // 4 samples in 2 x 2 cells
  });

  it('documents its options and the measured defaults in --help, which exits 0', async () => {
    const run = await runCli(['infer', '--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--images', '--likelihood', '--sigma', '--steps', '--step-size', '--precond', '--sampler', '--chains', '--latent', '--layout', '--range', '--seed', '--out', '--json']) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toMatch(/Defaults \(300 steps, step size 0\.1, adam, 4 chains\)/);
  });

  it('rejects bad arguments with coded errors and exit code 1', async () => {
    const dynamic = saveModel(pytorchNhwcDecoder({ dynamicLatent: true }), path.join(tmp.dir, 'dynamic.onnx'));
    const aFile = path.join(tmp.dir, 'a-file');
    writeFileSync(aFile, 'x');
    const base = ['infer', convFile, '--images', conv.pngDir, '--out', path.join(tmp.dir, 'bad')];
    const cases: [string[], string, string][] = [
      [['infer', convFile], 'LPC_INVALID_ARGUMENT', '--images'],
      [['infer', convFile, '--images', path.join(tmp.dir, 'absent')], 'LPC_NOT_FOUND', 'absent'],
      [['infer', path.join(tmp.dir, 'absent.onnx'), '--images', conv.pngDir], 'LPC_NOT_FOUND', 'absent.onnx'],
      [['infer', dynamic, '--images', conv.pngDir], 'LPC_INVALID_ARGUMENT', '--latent'],
      [['infer', dynamic, '--images', conv.pngDir, '--latent', '0'], 'LPC_INVALID_ARGUMENT', '--latent'],
      [['infer', dynamic, '--images', conv.pngDir, '--latent', '4'], 'LPC_SHAPE_MISMATCH', '[1, 12, 12]'],
      [[...base, '--steps', '0'], 'LPC_INVALID_ARGUMENT', '--steps'],
      [[...base, '--chains', 'abc'], 'LPC_INVALID_ARGUMENT', '--chains'],
      [[...base, '--step-size', '-1'], 'LPC_INVALID_ARGUMENT', '--step-size'],
      [[...base, '--precond', 'sgd'], 'LPC_INVALID_ARGUMENT', '--precond'],
      [[...base, '--sampler', 'hmc'], 'LPC_INVALID_ARGUMENT', '--sampler'],
      [[...base, '--likelihood', 'poisson'], 'LPC_INVALID_ARGUMENT', '--likelihood'],
      [[...base, '--sigma', 'fixed:0.1'], 'LPC_INVALID_ARGUMENT', '--sigma'],
      [[...base, '--likelihood', 'gaussian', '--sigma', 'fixed:-1'], 'LPC_INVALID_ARGUMENT', '--sigma'],
      [[...base, '--likelihood', 'gaussian', '--sampler', 'mala'], 'LPC_INVALID_ARGUMENT', 'optimal sigma'],
      [[...base, '--layout', 'chw'], 'LPC_INVALID_ARGUMENT', '--layout'],
      [[...base, '--range', '0255'], 'LPC_INVALID_ARGUMENT', '--range'],
      [[...base, '--seed', '-3'], 'LPC_INVALID_ARGUMENT', '--seed'],
      [[...base, '--seed', String(2n ** 64n)], 'LPC_INVALID_ARGUMENT', '--seed'],
      [['infer', convFile, '--images', conv.pngDir, '--out', aFile], 'LPC_INVALID_ARGUMENT', '--out'],
      [[...base, '--unknown-flag'], 'LPC_INVALID_ARGUMENT', '--unknown-flag'],
      [['infer'], 'LPC_INVALID_ARGUMENT', 'decoder'],
    ];
    for (const [args, code, fragment] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stdout, args.join(' ')).toBe('');
      expect(run.stderr, args.join(' ')).toMatch(new RegExp(`^langevin-pc: ${code}: .*${fragment.replace(/[[\]]/g, '\\$&')}`, 's'));
    }
    expect(existsSync(path.join(tmp.dir, 'bad', 'infer.json'))).toBe(false);
  });
});

describe('the langevin-pc process', () => {
  let child: ChildScript;
  beforeAll(() => {
    child = transpileChildScript('lib/cli/main.ts');
    // main.ts reads its version from the package.json two folders up; the transpiled copy's holds none.
    const root = path.resolve(path.dirname(child.file), '..', '..');
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ type: 'module', version: '0.0.0-test' }));
  });
  afterAll(() => child?.dispose());

  it('prints exactly one JSON object on stdout with --json, and exits 1 with a coded error on bad input', () => {
    const ok = spawnSync(process.execPath, [child.file, 'infer', convFile, '--images', conv.npyFile, '--json', '--steps', '20', '--out', path.join(tmp.dir, 'proc')], { encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    summaryOf(ok.stdout);
    const bad = spawnSync(process.execPath, [child.file, 'infer', convFile, '--images', conv.npyFile, '--chains', 'abc'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^langevin-pc: LPC_INVALID_ARGUMENT: --chains/);
  });
});
