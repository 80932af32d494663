/** `langevin-pc sample` on decoders saved the way torch.onnx.export writes them. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecoderMeans } from '../../lib/models/decoder-means.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { Rng } from '../../lib/native/rng.js';
import { torchConvDecoder } from '../inference/support/decoders.js';
import { pytorchNhwcDecoder } from '../models/fixtures.js';
import { readPng, runCli, saveModel, tempFolder } from './support.js';

const tmp = tempFolder('lpc-sample-');
let convFile: string;

beforeAll(() => {
  convFile = saveModel(torchConvDecoder({ latent: 3, gain: 8 }), path.join(tmp.dir, 'conv.onnx'));
});

afterAll(() => tmp.dispose());

describe('langevin-pc sample', () => {
  it('writes a grid of the decoder means at z ~ N(0, I) drawn by the native Rng from the seed', async () => {
    const out = path.join(tmp.dir, 'grid');
    const run = await runCli(['sample', convFile, '-n', '16', '--seed', '4', '--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ samples: 16, file: path.join(out, 'samples.png'), imageShape: [1, 12, 12], latentDim: 3, latentShape: [3] });
    const grid = readPng(path.join(out, 'samples.png'));
    expect([grid.width, grid.height]).toEqual([4 * 12 + 5 * 2, 4 * 12 + 5 * 2]); // 16 images: 4 x 4 cells, padding 2

    // The same latents decoded here: every cell holds round(255 * mean), pixel for pixel.
    const rng = new Rng({ seed: 4 });
    const z = rng.normal(16 * 3);
    rng.dispose();
    const means = await DecoderMeans.create(await loadDecoder(torchConvDecoder({ latent: 3, gain: 8 })), { threads: 1 });
    const images = await means.decode(z);
    await means.dispose();
    let spread = 0;
    for (let i = 0; i < 16; i++) {
      for (let y = 0; y < 12; y++) {
        for (let x = 0; x < 12; x++) {
          const at = ((2 + Math.floor(i / 4) * 14 + y) * grid.width + 2 + (i % 4) * 14 + x) * 4;
          const v = images[i * 144 + y * 12 + x];
          expect(grid.rgba[at]).toBe(Math.round(255 * v));
          spread += Math.abs(v - images[y * 12 + x]) / (16 * 144);
        }
      }
    }
    expect(spread).toBeGreaterThan(0.05); // the samples differ from each other: the latents reached the decoder
  });

  it('takes --latent for a decoder whose input leaves the latent size open, and otherwise says to pass it', async () => {
    const file = saveModel(pytorchNhwcDecoder({ dynamicLatent: true }), path.join(tmp.dir, 'dynamic.onnx'));
    const missing = await runCli(['sample', file, '--out', path.join(tmp.dir, 'dyn')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^langevin-pc: LPC_INVALID_ARGUMENT: .*--latent/);
    const run = await runCli(['sample', file, '--latent', '4', '-n', '6', '--out', path.join(tmp.dir, 'dyn')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/6 samples of shape \[3, 6, 5\]/);
    const grid = readPng(path.join(tmp.dir, 'dyn', 'samples.png'));
    expect(grid.grey).toBe(false); // three channels: an RGB grid
    expect([grid.width, grid.height]).toEqual([3 * 5 + 4 * 2, 2 * 6 + 3 * 2]); // 6 images in 3 columns
  });

  it('rejects bad arguments with coded errors and exit code 1', async () => {
    const aFile = path.join(tmp.dir, 'a-file');
    writeFileSync(aFile, 'x');
    const cases: [string[], string, string][] = [
      [['sample', convFile, '-n', '0'], 'LPC_INVALID_ARGUMENT', '-n'],
      [['sample', convFile, '-n', 'many'], 'LPC_INVALID_ARGUMENT', '-n'],
      [['sample', convFile, '-n', '5000'], 'LPC_INVALID_ARGUMENT', '-n'],
      [['sample', convFile, '--seed', '1.5'], 'LPC_INVALID_ARGUMENT', '--seed'],
      [['sample', convFile, '--out', aFile], 'LPC_INVALID_ARGUMENT', '--out'],
      [['sample', convFile, '--latent', '5'], 'LPC_SHAPE_MISMATCH', 'latentDim'],
      [['sample', path.join(tmp.dir, 'absent.onnx')], 'LPC_NOT_FOUND', 'absent.onnx'],
      [['sample', aFile], 'LPC_INVALID_MODEL', ''],
    ];
    for (const [args, code, fragment] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stdout, args.join(' ')).toBe('');
      expect(run.stderr, args.join(' ')).toMatch(new RegExp(`^langevin-pc: ${code}: .*${fragment}`, 's'));
    }
  });
});
