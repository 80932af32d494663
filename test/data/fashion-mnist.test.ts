/**
 * The Fashion-MNIST loader on the committed fixture (test/fixtures/fashion-mnist, the first 500 images of each
 * split in the dataset's gzipped IDX format), read gzipped and plain, from the default folder, from the
 * environment variable and from an option; and its errors. The full files are checked by
 * test/datasets/fashion-mnist-files.test.ts (`npm run test:datasets`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, FASHION_MNIST_DIR_ENV, fashionMnistDirectory, loadFashionMnist } from '../../lib/data/fashion-mnist.js';
import { writeIdx } from '../../lib/data/idx.js';
import { UNIT_RANGE } from '../../lib/data/image-set.js';
import { scaleImages } from '../../lib/data/scale.js';
import { FASHION_MNIST_FIXTURE_DIR, fashionMnistFixture } from '../support/fashion-mnist-fixture.js';
import { expectLpcError } from '../support/expect-error.js';
import { classCounts, pixelSums } from '../support/image-facts.js';

// Printed by scripts/make-fashion-mnist-fixture.py, computed with numpy (int64 sums) from the Debian files,
// independently of the package's IDX reader; pixel sums are integers, so they must match exactly.
const EXPECTED = {
  train: {
    perClass: [52, 54, 47, 49, 53, 51, 53, 49, 50, 42],
    firstLabels: [9, 0, 0, 3, 0, 2, 7, 2, 5, 5],
    sum: 28368245,
    sumOfSquares: 5211843969,
    sha256: 'a2a303f7d309e0a855eeb32799ba2228f8fc7abfcb13cbc2aa3535fdabd082bb',
  },
  test: {
    perClass: [55, 52, 65, 46, 57, 39, 47, 47, 44, 48],
    firstLabels: [9, 2, 1, 1, 6, 1, 4, 6, 5, 7],
    sum: 29494551,
    sumOfSquares: 5466049215,
    sha256: '00cc52584679205ab764cf9e1e98915407f8bb5a0ab0bd054345f1805679a298',
  },
} as const;

const tmp = { dir: mkdtempSync(path.join(tmpdir(), 'lpc-fashion-')) };
afterAll(() => rmSync(tmp.dir, { recursive: true, force: true }));
const savedEnv = process.env[FASHION_MNIST_DIR_ENV];
afterEach(() => {
  if (savedEnv === undefined) delete process.env[FASHION_MNIST_DIR_ENV];
  else process.env[FASHION_MNIST_DIR_ENV] = savedEnv;
});

describe('Fashion-MNIST loader', () => {
  for (const split of ['train', 'test'] as const) {
    it(`reads the ${split} split's counts, classes, pixel sums and checksum from gzipped IDX`, () => {
      const set = fashionMnistFixture()[split];
      const want = EXPECTED[split];
      expect(set.name).toBe(`fashion-mnist/${split}`);
      expect(set.count).toBe(500);
      expect(set.shape).toEqual([1, 28, 28]);
      expect(set.range).toEqual([0, 255]);
      expect(set.images).toBeInstanceOf(Uint8Array);
      expect(classCounts(set.labels!)).toEqual(want.perClass);
      expect([...set.labels!.subarray(0, 10)]).toEqual(want.firstLabels);
      const { sum, sumOfSquares } = pixelSums(set);
      // Integer sums below 2^53 are exact in float64.
      expect([sum, sumOfSquares]).toEqual([want.sum, want.sumOfSquares]);
      expect(createHash('sha256').update(set.images).digest('hex')).toBe(want.sha256);
      expect(fashionMnistFixture().classNames?.[set.labels![0]]).toBe('Ankle boot');
    });
  }

  it('scales to [0, 1] with the mean of the bytes divided by 255', () => {
    const scaled = scaleImages(fashionMnistFixture().test, UNIT_RANGE);
    let sum = 0;
    for (const v of scaled.images) sum += v;
    const mean01 = EXPECTED.test.sum / (500 * 784) / 255;
    // Each float32 value is within 2^-24 relative of k/255, so the mean is too.
    expect(Math.abs(sum / scaled.images.length - mean01)).toBeLessThan(mean01 * 2 ** -24);
  });

  it('reads the same bytes from plain (gunzipped) IDX files and from a mix of both', () => {
    const dir = path.join(tmp.dir, 'plain');
    mkdirSync(dir);
    for (const base of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte']) {
      writeFileSync(path.join(dir, base), gunzipSync(readFileSync(path.join(FASHION_MNIST_FIXTURE_DIR, `${base}.gz`))));
    }
    writeFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'), readFileSync(path.join(FASHION_MNIST_FIXTURE_DIR, 'train-labels-idx1-ubyte.gz')));
    const plain = loadFashionMnist({ directory: dir });
    const gz = fashionMnistFixture();
    for (const split of ['train', 'test'] as const) {
      expect(Buffer.compare(plain[split].images, gz[split].images)).toBe(0);
      expect(Buffer.compare(plain[split].labels as Uint8Array, gz[split].labels as Uint8Array)).toBe(0);
    }
  });

  it(`reads the folder named by ${FASHION_MNIST_DIR_ENV} by default, else the Debian package's folder`, () => {
    delete process.env[FASHION_MNIST_DIR_ENV];
    expect(fashionMnistDirectory()).toBe(FASHION_MNIST_DIR);
    process.env[FASHION_MNIST_DIR_ENV] = FASHION_MNIST_FIXTURE_DIR;
    expect(fashionMnistDirectory()).toBe(FASHION_MNIST_FIXTURE_DIR);
    expect(loadFashionMnist().test.count).toBe(500);
    process.env[FASHION_MNIST_DIR_ENV] = path.join(tmp.dir, 'empty-env');
    expectLpcError(() => loadFashionMnist(), 'LPC_NOT_FOUND', path.join(tmp.dir, 'empty-env', 'train-images-idx3-ubyte.gz'));
  });

  it('names the Debian package, the apt-get command and the environment variable when the files are absent', () => {
    const error = expectLpcError(() => loadFashionMnist({ directory: path.join(tmp.dir, 'nowhere') }), 'LPC_NOT_FOUND');
    expect(error.message).toContain('apt-get install -y dataset-fashion-mnist');
    expect(error.message).toContain(FASHION_MNIST_DIR_ENV);
    expect(error.message).toContain(path.join(tmp.dir, 'nowhere', 'train-images-idx3-ubyte.gz'));
  });

  it('rejects image and label files that do not fit together', () => {
    const bad = path.join(tmp.dir, 'bad');
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
