import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeIdx } from '../../lib/data/idx.js';
import { createImageSet } from '../../lib/data/image-set.js';
import { loadImages } from '../../lib/data/load-images.js';
import { writeNpy } from '../../lib/data/npy.js';
import { writePngFolder } from '../../lib/data/png-folder.js';
import { expectLpcError } from '../support/expect-error.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lpc-load-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadImages', () => {
  it('recognises a PNG folder, a single PNG, an NPY and a gzipped IDX by their bytes', () => {
    const images = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => i * 4);
    const set = createImageSet({ name: 's', count: 3, shape: [1, 4, 5], images, labels: null, range: [0, 255] });
    const files = writePngFolder(set, path.join(dir, 'pngs'));
    const fromFolder = loadImages(path.join(dir, 'pngs'));
    expect(fromFolder.count).toBe(3);
    expect(fromFolder.images).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(fromFolder.images as Uint8Array, images)).toBe(0);
    const single = loadImages(files[1]);
    expect([...single.images]).toEqual([...images.subarray(20, 40)]);

    // NHWC float32 in [0, 1], saved under a name that says nothing
    const nhwc = Float32Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i / 24);
    writeNpy(path.join(dir, 'data.bin'), { dtype: 'float32', shape: [2, 2, 2, 3], data: nhwc });
    const fromNpy = loadImages(path.join(dir, 'data.bin'));
    expect(fromNpy.shape).toEqual([3, 2, 2]);
    expect(fromNpy.range).toEqual([0, 1]);
    expect(fromNpy.images[1]).toBe(nhwc[3]); // channel 0 of pixel 1

    writeIdx(path.join(dir, 'images.gz'), { dtype: 'uint8', shape: [3, 4, 5], data: images });
    const fromIdx = loadImages(path.join(dir, 'images.gz'));
    expect(fromIdx.shape).toEqual([1, 4, 5]);
    expect(fromIdx.images).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(fromIdx.images as Uint8Array, images)).toBe(0);
  });

  it('reports absent paths and unknown formats', () => {
    expectLpcError(() => loadImages(path.join(dir, 'missing.npy')), 'LPC_NOT_FOUND', 'missing.npy');
    writeFileSync(path.join(dir, 'notes.txt'), 'plain text');
    expectLpcError(() => loadImages(path.join(dir, 'notes.txt')), 'LPC_UNSUPPORTED_FORMAT', 'not a PNG, NPY or IDX');
  });
});
