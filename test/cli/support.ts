/**
 * CLI test helpers: running the program in this process with stdout and stderr captured, decoders saved as
 * .onnx files the way users bring them, and images those decoders generated, saved as PNG folders and NPY.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import { main } from '../../lib/cli/main.js';
import { createImageSet } from '../../lib/data/image-set.js';
import { writeNpy } from '../../lib/data/npy.js';
import { writePngFolder } from '../../lib/data/png-folder.js';
import { decodePng, type DecodedPng } from '../../lib/data/png-codec.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import type { Decoder } from '../../lib/models/networks.js';
import { writeModel } from '../../lib/onnx/convert.js';
import type { Model } from '../../lib/onnx/ir.js';
import { generateImages } from '../inference/support/decoders.js';

/** What one CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `langevin-pc ...args` in this process (main() of lib/cli/main.ts), capturing what it writes. */
export async function runCli(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'langevin-pc', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

/** A temporary folder, removed by dispose(). */
export function tempFolder(prefix: string): { dir: string; dispose(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Saves a model as an .onnx file and returns its path. */
export function saveModel(model: Model, file: string): string {
  writeFileSync(file, writeModel(model));
  return file;
}

/** A decoder's images as a PNG folder, an NHWC float32 NPY file, and the 8-bit values the PNGs hold (NCHW). */
export interface SavedImages {
  decoder: Decoder;
  z: Float32Array;
  pngDir: string;
  npyFile: string;
  /** The PNG pixel values, NCHW. */
  bytes: Uint8Array;
  /** The images as generated, NCHW, in the decoder's range. */
  images: Float32Array;
}

/** Generates `count` images from z* ~ N(0, I) with the decoder in `modelFile` and saves them under `dir`. */
export async function saveImages(modelFile: string, dir: string, count: number, seed: number): Promise<SavedImages> {
  const decoder = await loadDecoder(readFileSync(modelFile));
  const { z, images } = await generateImages(decoder, count, { seed });
  const range = decoder.range === '01' ? ([0, 1] as const) : ([-1, 1] as const);
  const set = createImageSet({ name: 'generated', count, shape: decoder.imageShape, images, labels: null, range });
  const pngDir = path.join(dir, 'png');
  writePngFolder(set, pngDir);
  const [c, h, w] = decoder.imageShape;
  const nhwc = new Float32Array(images.length);
  const bytes = new Uint8Array(images.length);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < c; k++) {
      for (let p = 0; p < h * w; p++) {
        const v = images[(i * c + k) * h * w + p];
        nhwc[(i * h * w + p) * c + k] = v;
        bytes[(i * c + k) * h * w + p] = Math.round(((v - range[0]) * 255) / (range[1] - range[0]));
      }
    }
  }
  const npyFile = path.join(dir, 'images.npy');
  // NHWC floats in the decoder's range, as numpy users often keep images.
  writeNpy(npyFile, { dtype: 'float32', shape: [count, h, w, c], data: nhwc });
  return { decoder, z, pngDir, npyFile, bytes, images };
}

/** Reads a PNG file. */
export function readPng(file: string): DecodedPng {
  return decodePng(readFileSync(file), file);
}
