/**
 * frechetDistance on real images with the shipped classifiers: real test images are much closer to real
 * training images than to blurred, shifted or noise images; identical sets give 0; the result is symmetric,
 * names its network, and accepts precomputed statistics.
 */
import { describe, expect, it } from 'vitest';
import { loadFashionMnist, loadMnist, scaleImages, UNIT_RANGE } from '../../lib/data/index.js';
import { frechetDistance } from '../../lib/eval/image-frechet-distance.js';
import { loadFeatureClassifier } from '../../lib/eval/shipped-classifiers.js';
import { Rng } from '../../lib/native/index.js';

const N = 2000;
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
  const data = dataset === 'mnist' ? loadMnist() : loadFashionMnist();
  const test = scaleImages(data.test, UNIT_RANGE).images.subarray(0, N * PIXELS);
  const train = scaleImages(data.train, UNIT_RANGE).images;
  // Two disjoint sets of training images: one compared as is, one degraded.
  const realTrain = train.subarray(0, N * PIXELS);
  const other = train.subarray(N * PIXELS, 2 * N * PIXELS);

  it('orders real < blurred < shifted by 2 px < uniform noise, with stated margins', async () => {
    using rng = new Rng({ seed: 3 });
    const fd = async (generated: Float32Array) => (await frechetDistance(test, generated, { dataset })).fd;
    const real = await fd(realTrain);
    const realOther = await fd(other);
    const blurred = await fd(blur(other));
    const shifted = await fd(shiftRight(other, 2));
    const noise = await fd(rng.uniform(N * PIXELS));
    // Measured (2,000 vs 2,000 images): fashion-mnist real 2.1 / 2.3, blur 22.6, shift 106, noise 953;
    // mnist real 5.5 / 4.3, blur 17.5, shift 44, noise 1135. Margins keep a factor >= 1.25 of room.
    expect(Math.max(real, realOther)).toBeLessThan(8);
    expect(blurred).toBeGreaterThan(2.5 * Math.max(real, realOther));
    expect(shifted).toBeGreaterThan(6 * Math.max(real, realOther));
    expect(shifted).toBeGreaterThan(blurred);
    expect(noise).toBeGreaterThan(100 * Math.max(real, realOther));
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
