import { describe, expect, it } from 'vitest';
import { binarizeImages } from '../../lib/data/binarize.js';
import { createImageSet, type ImageSet } from '../../lib/data/image-set.js';
import { loadMnist } from '../../lib/data/mnist.js';
import { MarginalBernoulli } from '../../lib/eval/marginal-bernoulli.js';
import { SeededRandom } from '../support/seeded-random.js';

/** The baseline written out directly in float64 from the bytes: fit with pseudo-count a, score each image. */
function directNll(train: ImageSet<Uint8Array>, test: ArrayLike<number>, testCount: number, a: number): { p: number[]; nll: number[] } {
  const D = train.images.length / train.count;
  const p: number[] = [];
  for (let j = 0; j < D; j++) {
    let s = 0;
    for (let i = 0; i < train.count; i++) s += Math.fround(train.images[i * D + j] / 255); // the float32 pixel values
    p.push((s + a) / (train.count + 2 * a));
  }
  const nll: number[] = [];
  for (let i = 0; i < testCount; i++) {
    let s = 0;
    for (let j = 0; j < D; j++) {
      const x = test[i * D + j];
      s -= x * Math.log(p[j]) + (1 - x) * Math.log(1 - p[j]);
    }
    nll.push(s);
  }
  return { p, nll };
}

describe('MarginalBernoulli', () => {
  const data = loadMnist();
  const train = createImageSet({ ...data.train, name: 'mnist/train[:1000]', count: 1000, images: data.train.images.subarray(0, 1000 * 784), labels: null });
  const testBytes = createImageSet({ ...data.test, name: 'mnist/test[:200]', count: 200, images: data.test.images.subarray(0, 200 * 784), labels: null });
  const testBin = binarizeImages(testBytes, new SeededRandom(5));

  it('fits pixel frequencies and scores binarised MNIST exactly as a direct float64 computation', () => {
    const baseline = MarginalBernoulli.fit(train);
    const direct = directNll(train, testBin.images, 200, 1);
    for (let j = 0; j < 784; j++) expect(baseline.probabilities[j]).toBeCloseTo(direct.p[j], 14);
    const nll = baseline.negLogLikelihood(testBin);
    // Both float64 sums over 784 terms of size <= 7: they agree to ~1e-12 nats.
    for (let i = 0; i < 200; i++) expect(Math.abs(nll[i] - direct.nll[i])).toBeLessThan(1e-9);
    const score = baseline.score(testBin);
    const mean = direct.nll.reduce((a, v) => a + v, 0) / 200;
    const sd = Math.sqrt(direct.nll.reduce((a, v) => a + (v - mean) ** 2, 0) / 199);
    expect(score.images).toBe(200);
    expect(Math.abs(score.nll - mean)).toBeLessThan(1e-9);
    expect(score.nllStdErr).toBeCloseTo(sd / Math.sqrt(200), 9);
    expect(score.normalised).toBe(true);
    // Sanity of scale: an independent-pixel model of MNIST costs between 100 and 400 nats per digit.
    expect(score.nll).toBeGreaterThan(100);
    expect(score.nll).toBeLessThan(400);
  });

  it('calls grey-valued test data unnormalised and honours the smoothing', () => {
    const baseline = MarginalBernoulli.fit(train, { smoothing: 0.5 });
    const direct = directNll(
      train,
      Float64Array.from(testBytes.images, (v) => Math.fround(v / 255)),
      200,
      0.5,
    );
    const score = baseline.score(testBytes);
    expect(score.normalised).toBe(false);
    expect(Math.abs(score.nll - direct.nll.reduce((a, v) => a + v, 0) / 200)).toBeLessThan(1e-9);
    // Smoothing keeps every p_j inside (0, 1), so pixels never on in training still have finite cost.
    const never = MarginalBernoulli.fit(train, { smoothing: 1 }).probabilities;
    expect(Math.min(...never)).toBeCloseTo(1 / 1002, 12);
  });

  it('rejects mismatched shapes and bad smoothing with coded errors', () => {
    const baseline = MarginalBernoulli.fit(train);
    const small = createImageSet({ name: 'tiny', count: 1, shape: [1, 2, 2], images: new Uint8Array(4), labels: null, range: [0, 255] });
    expect(() => baseline.score(small)).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH' }));
    expect(() => MarginalBernoulli.fit(train, { smoothing: -1 })).toThrow(expect.objectContaining({ code: 'LPC_INVALID_ARGUMENT' }));
  });
});
