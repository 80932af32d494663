import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { imageGridPng, writeImageGrid } from '../../lib/data/image-grid.js';
import { expectLpcError } from '../support/expect-error.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lpc-grid-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Decodes a grid and returns a reader of channel k at (x, y). */
function decode(png: Buffer) {
  const image = PNG.sync.read(png);
  return { width: image.width, height: image.height, colorType: image.colorType, at: (x: number, y: number, k = 0) => image.data[4 * (y * image.width + x) + k] };
}

/** n grey 2x3 images; image i is the constant i / 10 except pixel (x=2, y=1), which is 1. */
function greyBatch(n: number): Float32Array {
  const x = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    x.fill(i / 10, i * 6, (i + 1) * 6);
    x[i * 6 + 5] = 1;
  }
  return x;
}

describe('image grids', () => {
  it('lays images out in rows with padding and a grey background', () => {
    const grid = decode(imageGridPng(greyBatch(5), [5, 1, 2, 3], { columns: 3, padding: 2 }));
    expect(grid.colorType).toBe(0);
    expect([grid.width, grid.height]).toEqual([3 * 3 + 4 * 2, 2 * 2 + 3 * 2]);
    for (let i = 0; i < 5; i++) {
      const left = 2 + (i % 3) * 5;
      const top = 2 + Math.floor(i / 3) * 4;
      expect(grid.at(left, top)).toBe(Math.round((i / 10) * 255));
      expect(grid.at(left + 2, top + 1)).toBe(255);
    }
    expect(grid.at(0, 0)).toBe(128); // background 0.5
    expect(grid.at(2 + 2 * 5, 2 + 4)).toBe(128); // the empty sixth cell
  });

  it('draws each image beside its pair', () => {
    const originals = greyBatch(2);
    const pairs = new Float32Array(12).fill(0.2);
    const grid = decode(imageGridPng(originals, [2, 1, 2, 3], { columns: 2, padding: 1, pairGap: 1, pairs }));
    const cellWidth = 3 + 1 + 3;
    expect(grid.width).toBe(2 * cellWidth + 3);
    for (let i = 0; i < 2; i++) {
      const left = 1 + i * (cellWidth + 1);
      expect(grid.at(left, 1)).toBe(Math.round((i / 10) * 255));
      expect(grid.at(left + 3, 1)).toBe(128); // the gap between an image and its pair
      expect(grid.at(left + 4, 1)).toBe(51); // 0.2 * 255
    }
  });

  it('writes RGB grids from planar channels', () => {
    // one 1x2 image: pixel 0 is red, pixel 1 is (0, 0.5, 1)
    const rgb = Float32Array.from([1, 0, 0, 0.5, 0, 1]);
    const grid = decode(imageGridPng(rgb, [1, 3, 1, 2], { padding: 0 }));
    expect(grid.colorType).toBe(2);
    expect([grid.at(0, 0, 0), grid.at(0, 0, 1), grid.at(0, 0, 2)]).toEqual([255, 0, 0]);
    expect([grid.at(1, 0, 0), grid.at(1, 0, 1), grid.at(1, 0, 2)]).toEqual([0, 128, 255]);
  });

  it('maps a [-1, 1] range, clamps outliers and draws NaN black', () => {
    const grid = decode(imageGridPng(Float32Array.from([-1, 0, 1, 3, -5, NaN]), [1, 1, 1, 6], { padding: 0, range: [-1, 1] }));
    expect([0, 1, 2, 3, 4, 5].map((x) => grid.at(x, 0))).toEqual([0, 128, 255, 255, 0, 0]);
    const bytes = decode(imageGridPng(Uint8Array.from([0, 77, 255]), [1, 1, 1, 3], { padding: 0 }));
    expect([0, 1, 2].map((x) => bytes.at(x, 0))).toEqual([0, 77, 255]);
  });

  it('writes the same bytes to a file, creating its folder', () => {
    const file = path.join(dir, 'nested', 'grid.png');
    writeImageGrid(file, greyBatch(4), [4, 1, 2, 3]);
    expect(Buffer.compare(readFileSync(file), imageGridPng(greyBatch(4), [4, 1, 2, 3]))).toBe(0);
    expect(decode(readFileSync(file)).width).toBe(2 * 3 + 3 * 2); // default: ceil(sqrt(4)) = 2 columns
  });

  it('rejects shapes and options it cannot draw', () => {
    expectLpcError(() => imageGridPng(new Float32Array(5), [1, 1, 2, 3]), 'LPC_SHAPE_MISMATCH', 'needs 6');
    expectLpcError(() => imageGridPng(new Float32Array(8), [1, 2, 2, 2]), 'LPC_SHAPE_MISMATCH', '1 (grey) or 3 (RGB)');
    expectLpcError(() => imageGridPng(new Float32Array(6), [1, 1, 2, 3], { pairs: new Float32Array(3) }), 'LPC_SHAPE_MISMATCH', 'options.pairs');
    expectLpcError(() => imageGridPng(new Float32Array(6), [1, 1, 2, 3], { columns: 0 }), 'LPC_INVALID_ARGUMENT', 'options.columns');
    expectLpcError(() => imageGridPng(new Float32Array(6), [1, 1, 2, 3], { padding: -1 }), 'LPC_INVALID_ARGUMENT', 'options.padding');
    expectLpcError(() => imageGridPng(new Float32Array(6), [1, 1, 2, 3], { range: [1, 0] }), 'LPC_INVALID_ARGUMENT', 'options.range');
  });
});
