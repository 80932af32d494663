/**
 * The CLI with a spatial-latent decoder (PyTorch export, latent [batch, 4, h, w] with symbolic h, w and a plain
 * output): sample needs --latent-shape, infer finds the latent shape from the images, and infer --mask
 * completes hidden pixels of images the decoder generated.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../lib/data/npy.js';
import { convSpatialDecoder } from '../../lib/models/conv-spatial.js';
import { DecoderMeans } from '../../lib/models/decoder-means.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import type { Decoder } from '../../lib/models/networks.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { runCli, saveModel, tempFolder } from './support.js';

const TORCH_DECODER = new URL('../models/fixtures/spatial-decoder.onnx', import.meta.url).pathname;
const SIDE = 12;
const D = SIDE * SIDE;

/**
 * n images in [0, 1]: the decoder's means at prior draws plus Gaussian noise of standard deviation `noise`,
 * clipped (the latents drawn first, then the noise, from one stream seeded with `seed`).
 */
async function noisyDecodes(decoder: Decoder, seed: number, n: number, noise: number): Promise<Float32Array> {
  const rng = new Mulberry32(seed);
  await using means = await DecoderMeans.create(decoder);
  const clean = await means.decode(rng.normals(n * decoder.latentDim));
  return clean.map((v) => Math.min(1, Math.max(0, v + noise * rng.normal())));
}

describe('CLI with a spatial-latent decoder', () => {
  const tmp = tempFolder('lpc-spatial-');
  afterAll(() => tmp.dispose());

  it('sample needs --latent-shape when h and w are open, and reports it', async () => {
    const refused = await runCli(['sample', TORCH_DECODER, '--range', '01', '-n', '4', '--out', tmp.dir, '--json']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--latent-shape');
    const run = await runCli(['sample', TORCH_DECODER, '--range', '01', '--latent-shape', '4,2,3', '-n', '4', '--out', tmp.dir, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ samples: 4, imageShape: [1, 8, 12], latentDim: 24, latentShape: [4, 2, 3] });
  });

  it('infer --mask: finds the latent shape from the images and completes the hidden rows better than the prior mean', async () => {
    const decoder = await loadDecoder(TORCH_DECODER, { imageShape: [1, SIDE, SIDE], range: '01' });
    const n = 4;
    const images = path.join(tmp.dir, 'images.npy');
    writeNpy(images, { dtype: 'float32', shape: [n, 1, SIDE, SIDE], data: await noisyDecodes(decoder, 21, n, 0.02) });
    const mask = path.join(tmp.dir, 'mask.npy');
    writeNpy(mask, { dtype: 'uint8', shape: [SIDE, SIDE], data: Uint8Array.from({ length: D }, (_, p) => (Math.floor(p / SIDE) % 4 < 2 ? 1 : 0)) });
    const out = path.join(tmp.dir, 'infer');
    const args = [
      'infer',
      TORCH_DECODER,
      '--images',
      images,
      '--range',
      '01',
      '--likelihood',
      'gaussian',
      '--sigma',
      'fixed:0.02',
      '--precond',
      'none',
      '--step-size',
      '0.002',
      '--steps',
      '400',
      '--out',
      out,
      '--json',
    ];
    const run = await runCli([...args, '--mask', mask]);
    expect(run.stderr).toBe('');
    const summary = JSON.parse(run.stdout);
    // Measured: predictive-mean MSE on hidden pixels about a tenth of the prior mean's (see masked-inference.test.ts).
    expect(summary.hidden.predictiveMse).toBeLessThan(0.3 * summary.hidden.priorMeanMse);
    const saved = JSON.parse(readFileSync(path.join(out, 'infer.json'), 'utf8'));
    expect(saved.latentShape).toEqual([4, 3, 3]);
    expect(existsSync(path.join(out, 'completed.png')) && existsSync(path.join(out, 'samples.png'))).toBe(true);
    const wrong = path.join(tmp.dir, 'wrong.npy');
    writeNpy(wrong, { dtype: 'uint8', shape: [SIDE, SIDE + 1], data: new Uint8Array(SIDE * (SIDE + 1)) });
    const refused = await runCli([...args, '--mask', wrong]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`[${SIDE}, ${SIDE + 1}]`);
    expect(refused.stderr).toContain(`[${SIDE}, ${SIDE}]`);
  });

  it('eval scores a decoder with open h, w, and with --mask the observed pixels only', async () => {
    const decoder = await loadDecoder(TORCH_DECODER, { imageShape: [1, SIDE, SIDE], range: '01' });
    // 40 images: the last tenth (4) is the test split eval scores.
    const n = 40;
    const clean = await noisyDecodes(decoder, 23, n, 0.05);
    const observed = Uint8Array.from({ length: D }, (_, p) => (p % SIDE < SIDE / 2 ? 1 : 0));
    const images = path.join(tmp.dir, 'eval-images.npy');
    writeNpy(images, { dtype: 'float32', shape: [n, 1, SIDE, SIDE], data: clean });
    // The same images with junk in the hidden pixels: a masked evaluation must not see it.
    const junked = path.join(tmp.dir, 'eval-junk.npy');
    writeNpy(junked, { dtype: 'float32', shape: [n, 1, SIDE, SIDE], data: clean.map((v, i) => (observed[i % D] === 0 ? 1 - v : v)) });
    const mask = path.join(tmp.dir, 'eval-mask.npy');
    writeNpy(mask, { dtype: 'uint8', shape: [SIDE, SIDE], data: observed });
    const args = (data: string) => ['eval', TORCH_DECODER, '--dataset', data, '--range', '01', '--likelihood', 'gaussian', '--sigma', 'fixed:0.05', '--iwae', '50', '--seed', '3', '--json'];

    const full = await runCli(args(images));
    expect(full.stderr).toBe('');
    const whole = JSON.parse(full.stdout);
    expect(whole).toMatchObject({ images: 4, mask: null, observedPixels: null, negElbo: null, proposal: 'langevin' });
    expect(Number.isFinite(whole.nll)).toBe(true);

    const masked = JSON.parse((await runCli([...args(images), '--mask', mask])).stdout);
    expect(masked).toMatchObject({ images: 4, mask, observedPixels: D / 2 });
    expect(masked.nll).not.toBe(whole.nll);
    const junk = JSON.parse((await runCli([...args(junked), '--mask', mask])).stdout);
    expect(junk.nll).toBe(masked.nll);
    expect(junk.reconMse).toBe(masked.reconMse);
    // Without the mask the junk is scored.
    expect(JSON.parse((await runCli(args(junked))).stdout).nll).not.toBe(whole.nll);

    const encoder = await runCli([...args(images), '--mask', mask, '--encoder', TORCH_DECODER]);
    expect(encoder.code).not.toBe(0);
    expect(encoder.stderr).toContain('LPC_INVALID_ARGUMENT');
    const wrong = path.join(tmp.dir, 'eval-wrong.npy');
    writeNpy(wrong, { dtype: 'uint8', shape: [SIDE + 1, SIDE], data: new Uint8Array(SIDE * (SIDE + 1)) });
    const refused = await runCli([...args(images), '--mask', wrong]);
    expect(refused.stderr).toContain('LPC_SHAPE_MISMATCH');
  });

  it('a spatial decoder from the conv builder: sample and infer read its latent shape, and infer --mask completes hidden rows', async () => {
    const built = convSpatialDecoder({ latentShape: [2, 3, 3], imageShape: [1, SIDE, SIDE], channels: [8, 8], seed: 4 });
    const file = saveModel(built.model, path.join(tmp.dir, 'built.onnx'));
    const sampled = await runCli(['sample', file, '-n', '4', '--out', path.join(tmp.dir, 'built-samples'), '--json']);
    expect(sampled.stderr).toBe('');
    expect(JSON.parse(sampled.stdout)).toMatchObject({ samples: 4, imageShape: [1, SIDE, SIDE], latentDim: 18, latentShape: [2, 3, 3] });

    const decoder = await loadDecoder(file, { imageShape: [1, SIDE, SIDE] });
    const n = 4;
    const images = path.join(tmp.dir, 'built-images.npy');
    writeNpy(images, { dtype: 'float32', shape: [n, 1, SIDE, SIDE], data: await noisyDecodes(decoder, 25, n, 0.01) });
    const mask = path.join(tmp.dir, 'built-mask.npy');
    writeNpy(mask, { dtype: 'uint8', shape: [SIDE, SIDE], data: Uint8Array.from({ length: D }, (_, p) => (Math.floor(p / SIDE) < SIDE / 2 ? 1 : 0)) });
    const out = path.join(tmp.dir, 'built-infer');
    const run = await runCli([
      'infer',
      file,
      '--images',
      images,
      '--mask',
      mask,
      '--likelihood',
      'gaussian',
      '--sigma',
      'fixed:0.01',
      '--precond',
      'none',
      '--step-size',
      '0.0002',
      '--steps',
      '400',
      '--out',
      out,
      '--json',
    ]);
    expect(run.stderr).toBe('');
    const summary = JSON.parse(run.stdout);
    expect(JSON.parse(readFileSync(path.join(out, 'infer.json'), 'utf8')).latentShape).toEqual([2, 3, 3]);
    // Measured: the predictive mean's error on the hidden half about 1/50 of the prior mean's (0.00045 / 0.024).
    expect(summary.hidden.predictiveMse).toBeLessThan(0.1 * summary.hidden.priorMeanMse);
  });

  it('train --decoder with open h, w: the latent shape is found from the images, and eval and --resume of the run need no flag', async () => {
    const decoder = await loadDecoder(TORCH_DECODER, { imageShape: [1, SIDE, SIDE], range: '01' });
    // 40 images: 36 to train on, the last tenth (4) the test split.
    const n = 40;
    const images = path.join(tmp.dir, 'train-images.npy');
    writeNpy(images, { dtype: 'float32', shape: [n, 1, SIDE, SIDE], data: await noisyDecodes(decoder, 27, n, 0.05) });
    const out = path.join(tmp.dir, 'train');
    const common = ['--threads', '1', '--eval-every', '1000', '--eval-iwae', '10'];
    const first = await runCli([
      'train',
      '--decoder',
      TORCH_DECODER,
      '--dataset',
      images,
      '--range',
      '01',
      '--likelihood',
      'gaussian',
      '--sigma',
      'fixed:0.1',
      '--batch',
      '12',
      '--steps',
      '5',
      '--updates',
      '2',
      '--out',
      out,
      ...common,
    ]);
    // Progress goes to stderr; an error would end the run with another code.
    expect(first.code).toBe(0);
    // The exported decoder keeps its open spatial dims; the images' size fixes them again.
    const trained = await loadDecoder(path.join(out, 'decoder.onnx'), { imageShape: [1, SIDE, SIDE], range: '01' });
    expect(trained.latentShape).toEqual([4, 3, 3]);

    const scored = await runCli(['eval', out, '--iwae', '10', '--json']);
    expect(scored.stderr).toBe('');
    const summary = JSON.parse(scored.stdout);
    expect(summary.images).toBe(4);
    expect(Number.isFinite(summary.nll) && Number.isFinite(summary.negElbo)).toBe(true);

    // The shape found is recorded in the run's configuration.
    expect(JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')).config.latentShape).toEqual([4, 3, 3]);

    const resumed = await runCli(['train', '--resume', '--out', out, '--updates', '4', ...common]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')).updates).toBe(4);
  });

  for (const algo of ['lpc', 'vae']) {
    it(`train --algo ${algo} --arch conv --latent-shape builds fully convolutional networks with a spatial latent; eval and --resume read it from the run`, async () => {
      const out = path.join(tmp.dir, `conv-${algo}`);
      const tiny = ['--dataset', 'mnist', '--train-images', '100', '--batch', '25', '--binarize', '--threads', '1', '--eval-images', '10', '--eval-iwae', '10', '--seed', '3'];
      const lpc = algo === 'lpc' ? ['--steps', '8'] : [];
      const run = await runCli(['train', '--algo', algo, '--arch', 'conv', '--latent-shape', '2,7,7', '--hidden', '8,8', '--updates', '2', '--out', out, ...tiny, ...lpc]);
      expect(run.code).toBe(0);
      const config = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')).config;
      expect(config).toMatchObject({ arch: 'conv', latentShape: [2, 7, 7], latent: 98, hidden: [8, 8] });
      // The exported decoder takes [batch, 2, 7, 7] latents.
      const decoder = await loadDecoder(path.join(out, 'decoder.onnx'), { imageShape: [1, 28, 28] });
      expect(decoder.latentShape).toEqual([2, 7, 7]);
      const scored = JSON.parse((await runCli(['eval', out, '--images', '10', '--iwae', '10', '--json'])).stdout);
      expect(Number.isFinite(scored.nll) && Number.isFinite(scored.negElbo)).toBe(true);
      expect((await runCli(['train', '--resume', '--out', out, '--updates', '3', '--threads', '1'])).code).toBe(0);
      const changed = await runCli(['train', '--resume', '--out', out, '--updates', '4', '--latent-shape', '8,7,7']);
      expect(changed.stderr).toContain('LPC_CONFIG_MISMATCH');
    });
  }

  it('train refuses --latent-shape with the mlp builder and a --latent that disagrees with it', async () => {
    const base = ['train', '--dataset', 'mnist', '--train-images', '50', '--updates', '1', '--out', path.join(tmp.dir, 'refused')];
    const mlp = await runCli([...base, '--latent-shape', '2,7,7']);
    expect(mlp.stderr).toContain('LPC_INVALID_ARGUMENT');
    expect(mlp.stderr).toContain('--arch conv');
    const latent = await runCli([...base, '--arch', 'conv', '--latent-shape', '2,7,7', '--latent', '16']);
    expect(latent.stderr).toContain('LPC_INVALID_ARGUMENT');
    expect(latent.stderr).toContain('98');
  });
});
