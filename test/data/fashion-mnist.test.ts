import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FASHION_MNIST_DIR, loadFashionMnist } from '../../lib/data/fashion-mnist.js';
import { writeIdx } from '../../lib/data/idx.js';
import type { Dataset } from '../../lib/data/image-set.js';
import { UNIT_RANGE } from '../../lib/data/image-set.js';
import { scaleImages } from '../../lib/data/scale.js';
import { expectLpcError } from '../support/expect-error.js';

// Reference numbers computed independently (Python gzip + numpy, int64 sums) from the files of the
// Debian package dataset-fashion-mnist; pixel sums are integers, so they must match exactly.
const EXPECTED = {
  train: {
    count: 60000,
    sum: 3431114169,
    sumOfSquares: 631470052347,
    sha256: '2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012',
    firstLabels: [9, 0, 0, 3, 0, 2, 7, 2, 5, 5],
    mean01: 0.2860405969887955,
    std01: 0.3530242445149226,
  },
  test: {
    count: 10000,
    sum: 573469082,
    sumOfSquares: 105272563536,
    sha256: 'c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a',
    firstLabels: [9, 2, 1, 1, 6, 1, 4, 6, 5, 7],
    mean01: 0.28684928071228494,
    std01: 0.35244415324744005,
  },
} as const;

let fashion: Dataset<Uint8Array>;
let dir: string;
beforeAll(() => {
  fashion = loadFashionMnist();
  dir = mkdtempSync(path.join(tmpdir(), 'lpc-fashion-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Fashion-MNIST', () => {
  for (const split of ['train', 'test'] as const) {
    it(`has the ${split} split's counts, classes, pixel statistics and checksum`, () => {
      const set = fashion[split];
      const want = EXPECTED[split];
      expect(set.name).toBe(`fashion-mnist/${split}`);
      expect(set.count).toBe(want.count);
      expect(set.shape).toEqual([1, 28, 28]);
      expect(set.range).toEqual([0, 255]);
      expect(set.images).toBeInstanceOf(Uint8Array);
      expect(set.images.length).toBe(want.count * 784);
      const perClass = new Array<number>(10).fill(0);
      for (const label of set.labels!) perClass[label]++;
      expect(perClass).toEqual(new Array(10).fill(want.count / 10));
      expect([...set.labels!.subarray(0, 10)]).toEqual(want.firstLabels);
      let sum = 0;
      let sumOfSquares = 0;
      for (const v of set.images) {
        sum += v;
        sumOfSquares += v * v;
      }
      // Integer sums below 2^53 are exact in float64.
      expect(sum).toBe(want.sum);
      expect(sumOfSquares).toBe(want.sumOfSquares);
      const n = set.images.length;
      const mean = sum / n / 255;
      const std = Math.sqrt(sumOfSquares / n - (sum / n) ** 2) / 255;
      // Derived from exact sums: only a few float64 roundings separate them from numpy's values.
      expect(mean).toBeCloseTo(want.mean01, 12);
      expect(std).toBeCloseTo(want.std01, 12);
      expect(createHash('sha256').update(set.images).digest('hex')).toBe(want.sha256);
    });
  }

  it('scales to [0, 1] with the mean of the bytes divided by 255', () => {
    const scaled = scaleImages(fashion.test, UNIT_RANGE);
    let sum = 0;
    for (const v of scaled.images) sum += v;
    // Each float32 value is within 2^-24 relative of k/255, so the mean is too.
    expect(Math.abs(sum / scaled.images.length - EXPECTED.test.mean01)).toBeLessThan(EXPECTED.test.mean01 * 2 ** -24);
  });

  it('also reads the files already gunzipped, from a directory option', () => {
    for (const base of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      writeFileSync(path.join(dir, base), gunzipSync(readFileSync(path.join(FASHION_MNIST_DIR, `${base}.gz`))));
    }
    for (const base of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']) {
      copyFileSync(path.join(FASHION_MNIST_DIR, base), path.join(dir, base));
    }
    const local = loadFashionMnist({ directory: dir });
    expect(Buffer.compare(local.test.images, fashion.test.images)).toBe(0);
    expect(Buffer.compare(local.test.labels as Uint8Array, fashion.test.labels as Uint8Array)).toBe(0);
  });

  it('names the Debian package and the apt-get command when the files are absent', () => {
    const error = expectLpcError(() => loadFashionMnist({ directory: path.join(dir, 'nowhere') }), 'LPC_NOT_FOUND');
    expect(error.message).toContain('dataset-fashion-mnist');
    expect(error.message).toContain('apt-get install -y dataset-fashion-mnist');
    expect(error.message).toContain(path.join(dir, 'nowhere', 'train-images-idx3-ubyte.gz'));
  });

  it('rejects image and label files that do not fit together', () => {
    const bad = path.join(dir, 'bad');
    mkdirSync(bad);
    const file = (name: string) => path.join(bad, name);
    const images = (shape: number[]) => ({ dtype: 'uint8' as const, shape, data: new Uint8Array(shape.reduce((a, b) => a * b)) });
    const labels = (values: number[]) => ({ dtype: 'uint8' as const, shape: [values.length], data: Uint8Array.from(values) });
    writeIdx(file('train-images-idx3-ubyte.gz'), images([2, 28, 28]));
    writeIdx(file('train-labels-idx1-ubyte.gz'), labels([1, 2, 3]));
    expectLpcError(() => loadFashionMnist({ directory: bad }), 'LPC_CORRUPT_DATA', file('train-labels-idx1-ubyte.gz'));
    writeIdx(file('train-labels-idx1-ubyte.gz'), labels([1, 10]));
    expectLpcError(() => loadFashionMnist({ directory: bad }), 'LPC_CORRUPT_DATA', 'label 10 at index 1');
    writeIdx(file('train-images-idx3-ubyte.gz'), images([2, 27, 28]));
    expectLpcError(() => loadFashionMnist({ directory: bad }), 'LPC_CORRUPT_DATA', '[2, 27, 28]');
  });
});
