/**
 * The full Fashion-MNIST files of the Debian package dataset-fashion-mnist, which `npm test` does not need
 * (it uses the fixture in test/fixtures/fashion-mnist). Run by `npm run test:datasets` after
 * scripts/install-datasets.sh: the split sizes, classes, pixel statistics and checksums, and the shipped
 * Fashion-MNIST feature classifier's recorded accuracy on the whole test split.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../../lib/data/fashion-mnist.js';
import type { Dataset } from '../../lib/data/image-set.js';
import { loadFeatureClassifier, readFeatureClassifierRecord } from '../../lib/eval/shipped-classifiers.js';
import { classCounts, pixelSums } from '../support/image-facts.js';

// Reference numbers computed independently (Python gzip + numpy, int64 sums) from the files of the Debian
// package dataset-fashion-mnist; pixel sums are integers, so they must match exactly.
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
beforeAll(() => {
  fashion = loadFashionMnist();
});

describe('Fashion-MNIST, the full files', () => {
  for (const split of ['train', 'test'] as const) {
    it(`has the ${split} split's counts, classes, pixel statistics and checksum`, () => {
      const set = fashion[split];
      const want = EXPECTED[split];
      expect(set.count).toBe(want.count);
      expect(classCounts(set.labels!)).toEqual(new Array(10).fill(want.count / 10));
      expect([...set.labels!.subarray(0, 10)]).toEqual(want.firstLabels);
      const { sum, sumOfSquares } = pixelSums(set);
      // Integer sums below 2^53 are exact in float64.
      expect([sum, sumOfSquares]).toEqual([want.sum, want.sumOfSquares]);
      const n = set.images.length;
      // Derived from exact sums: only a few float64 roundings separate them from numpy's values.
      expect(sum / n / 255).toBeCloseTo(want.mean01, 12);
      expect(Math.sqrt(sumOfSquares / n - (sum / n) ** 2) / 255).toBeCloseTo(want.std01, 12);
      expect(createHash('sha256').update(set.images).digest('hex')).toBe(want.sha256);
    });
  }

  it('gives the shipped classifier its recorded accuracy on the whole test split', async () => {
    const record = readFeatureClassifierRecord('fashion-mnist');
    expect([record.trainImages, record.testImages]).toEqual([fashion.train.count, fashion.test.count]);
    const net = await loadFeatureClassifier('fashion-mnist');
    const score = await net.score(fashion.test);
    await net.dispose();
    // Same weights and onnxruntime build; only a different thread count could reorder sums and flip an image
    // whose two top logits tie to float32 rounding: 0.002 allows 20 such images out of 10,000.
    expect(Math.abs(score.accuracy - record.testAccuracy)).toBeLessThanOrEqual(0.002);
    expect(Math.abs(score.meanNll - record.testNll)).toBeLessThan(1e-3);
  });
});
