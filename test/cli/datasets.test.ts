/**
 * The CLI's datasets: the fixed binarised test copy (the same on every call, and the copy of fewer images a
 * prefix of the copy of more, so evaluations of different sizes score the same pixels), the split of an image
 * path, and the digest that tells runs on the same images apart from others.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluationImages, evaluationSplit, imagesDigest, loadCliDataset } from '../../lib/cli/datasets.js';
import { createImageSet, sliceImages } from '../../lib/data/image-set.js';
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
    const many = evaluationImages(grey, 30, true);
    const few = evaluationImages(grey, 7, true);
    expect(few.count).toBe(7);
    expect([...few.images]).toEqual([...many.images.subarray(0, 7 * 20)]);
    expect([...evaluationImages(grey, 30, true).images]).toEqual([...many.images]);
    expect(new Set(many.images)).toEqual(new Set([0, 1]));
    // Each pixel is 1 with probability grey/255: over 600 pixels the mean is within 4 standard errors (0.02 each).
    const p = [...grey.images].reduce((a, v) => a + v / 255, 0) / 600;
    const ones = [...many.images].reduce((a, v) => a + v, 0) / 600;
    expect(Math.abs(ones - p)).toBeLessThan(4 * Math.sqrt(0.25 / 600));
    // Without --binarize: the first images as they are; more than there are: all of them.
    expect(evaluationImages(grey, 99, false)).toBe(grey);
    expect([...evaluationImages(grey, 3, false).images]).toEqual([...grey.images.subarray(0, 60)]);
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

  it("holds out the last tenth of a path's training part for validation, and serves either split", () => {
    const file = path.join(tmp.dir, 'ramp-validation.npy');
    writeNpy(file, { dtype: 'uint8', shape: [30, 4, 5], data: grey.images });
    const d = loadCliDataset(file, { validation: true });
    expect([d.train.count, d.validation?.count, d.test.count]).toEqual([24, 3, 3]);
    expect([...d.validation!.images]).toEqual([...grey.images.subarray(24 * 20, 27 * 20)]);
    expect(evaluationSplit(d, 'validation')).toBe(d.validation);
    expect(evaluationSplit(d, 'test')).toBe(d.test);
    expect(loadCliDataset(file).validation).toBeNull();
    expectLpcError(() => evaluationSplit(loadCliDataset(file), 'validation'), 'LPC_INVALID_ARGUMENT', '--split validation');
  });

  it('serves MNIST as 60,000 / 10,000, or 50,000 / 10,000 / 10,000 with validation', () => {
    const plain = loadCliDataset('mnist');
    expect([plain.train.count, plain.validation, plain.test.count, plain.featureDataset]).toEqual([60000, null, 10000, 'mnist']);
    const held = loadCliDataset('mnist', { validation: true });
    expect([held.train.count, held.validation?.count, held.test.count]).toEqual([50000, 10000, 10000]);
    expect([...held.validation!.images.subarray(0, 784)]).toEqual([...plain.train.images.subarray(50000 * 784, 50001 * 784)]);
  });

  it('digests images: equal for the same pixels, different for one changed pixel or another count', () => {
    const copy = createImageSet({ ...grey, images: grey.images.slice() });
    expect(imagesDigest(copy)).toBe(imagesDigest(grey));
    copy.images[123] ^= 1;
    expect(imagesDigest(copy)).not.toBe(imagesDigest(grey));
    expect(imagesDigest(sliceImages(grey, 0, 29))).not.toBe(imagesDigest(grey));
  });
});
