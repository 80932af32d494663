/**
 * The CLI's datasets: the fixed binarised test copy (the same on every call, and the copy of fewer images a
 * prefix of the copy of more, so evaluations of different sizes score the same pixels), the split of an image
 * path, and the digest that tells runs on the same images apart from others.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imagesDigest, loadCliDataset, slice, testImages } from '../../lib/cli/datasets.js';
import { createImageSet } from '../../lib/data/image-set.js';
import { writeNpy } from '../../lib/data/npy.js';
import { expectLpcError } from '../support/expect-error.js';
import { tempFolder } from './support.js';

const tmp = tempFolder('lpc-datasets-');
afterAll(() => tmp.dispose());

const grey = createImageSet({
  name: 'ramp',
  count: 30,
  shape: [1, 4, 5],
  images: Uint8Array.from({ length: 30 * 20 }, (_, i) => (i * 37) % 256),
  labels: null,
  range: [0, 255],
});

describe('CLI datasets', () => {
  it('binarises the test images with one fixed seed; fewer images get a prefix of the same copy', () => {
    const many = testImages(grey, 30, true);
    const few = testImages(grey, 7, true);
    expect(few.count).toBe(7);
    expect([...few.images]).toEqual([...many.images.subarray(0, 7 * 20)]);
    expect([...testImages(grey, 30, true).images]).toEqual([...many.images]);
    expect(new Set(many.images)).toEqual(new Set([0, 1]));
    // Each pixel is 1 with probability grey/255: over 600 pixels the mean is within 4 standard errors (0.02 each).
    const p = [...grey.images].reduce((a, v) => a + v / 255, 0) / 600;
    const ones = [...many.images].reduce((a, v) => a + v, 0) / 600;
    expect(Math.abs(ones - p)).toBeLessThan(4 * Math.sqrt(0.25 / 600));
    // Without --binarize: the first images as they are; more than there are: all of them.
    expect(testImages(grey, 99, false)).toBe(grey);
    expect([...testImages(grey, 3, false).images]).toEqual([...grey.images.subarray(0, 60)]);
  });

  it('splits an image path into training images and its last tenth, in file order', () => {
    const file = path.join(tmp.dir, 'ramp.npy');
    writeNpy(file, { dtype: 'uint8', shape: [30, 4, 5], data: grey.images });
    const d = loadCliDataset(file);
    expect([d.train.count, d.test.count, d.featureDataset]).toEqual([27, 3, null]);
    expect([...d.test.images]).toEqual([...grey.images.subarray(27 * 20)]);
    const one = path.join(tmp.dir, 'one.npy');
    writeNpy(one, { dtype: 'uint8', shape: [1, 4, 5], data: grey.images.subarray(0, 20) });
    expectLpcError(() => loadCliDataset(one), 'LPC_INVALID_ARGUMENT', 'at least 2');
    expectLpcError(() => loadCliDataset(path.join(tmp.dir, 'absent')), 'LPC_NOT_FOUND', '--dataset');
  });

  it('digests images: equal for the same pixels, different for one changed pixel or another count', () => {
    const copy = createImageSet({ ...grey, images: grey.images.slice() });
    expect(imagesDigest(copy)).toBe(imagesDigest(grey));
    copy.images[123] ^= 1;
    expect(imagesDigest(copy)).not.toBe(imagesDigest(grey));
    expect(imagesDigest(slice(grey, 0, 29))).not.toBe(imagesDigest(grey));
  });
});
