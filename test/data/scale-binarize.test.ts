import { beforeAll, describe, expect, it } from 'vitest';
import { binarize, binarizeImages } from '../../lib/data/binarize.js';
import { createImageSet, type ImageSet, SYMMETRIC_RANGE, UNIT_RANGE } from '../../lib/data/image-set.js';
import { loadMnist } from '../../lib/data/mnist.js';
import { scaleImages, scaleInto } from '../../lib/data/scale.js';
import { expectLpcError } from '../support/expect-error.js';
import { SeededRandom } from '../support/seeded-random.js';

let grey: ImageSet<Float32Array>; // the MNIST test split in [0, 1]
beforeAll(() => {
  grey = scaleImages(loadMnist().test, UNIT_RANGE);
});

describe('scaling', () => {
  it('maps bytes to the float32 nearest k/255 and to [-1, 1] with exact endpoints', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, k) => k);
    const unit = scaleInto(bytes, [0, 255], UNIT_RANGE, new Float32Array(256));
    const symmetric = scaleInto(bytes, [0, 255], SYMMETRIC_RANGE, new Float32Array(256));
    let wrong = 0;
    for (let k = 0; k < 256; k++) {
      if (unit[k] !== Math.fround(k / 255)) wrong++;
      if (symmetric[k] !== Math.fround(-1 + (2 * k) / 255)) wrong++;
    }
    expect(wrong).toBe(0);
    expect([unit[0], unit[255], symmetric[0], symmetric[255]]).toEqual([0, 1, -1, 1]);
  });

  it('maps float sets between ranges and keeps shape, labels and name', () => {
    const symmetric = scaleImages(grey, SYMMETRIC_RANGE);
    expect(symmetric.range).toEqual([-1, 1]);
    expect(symmetric.shape).toEqual(grey.shape);
    expect(symmetric.labels).toBe(grey.labels);
    const back = scaleImages(symmetric, UNIT_RANGE);
    let maxError = 0;
    for (let i = 0; i < back.images.length; i++) maxError = Math.max(maxError, Math.abs(back.images[i] - grey.images[i]));
    // Two float32 roundings of values of magnitude <= 1: each at most 2^-24 relative, plus the span factor 2.
    expect(maxError).toBeLessThanOrEqual(2 ** -22);
  });

  it('rejects an empty or reversed range', () => {
    expectLpcError(() => scaleImages(grey, [1, 1]), 'LPC_INVALID_ARGUMENT', 'to must be');
    expectLpcError(() => scaleInto(new Float32Array(2), [0, 1], [1, 0], new Float32Array(2)), 'LPC_INVALID_ARGUMENT', 'to must be');
    expectLpcError(() => scaleInto(new Float32Array(2), [0, 1], [0, 2], new Float32Array(3)), 'LPC_INVALID_ARGUMENT', 'out must be');
  });
});

describe('binarisation', () => {
  it('gives ones with the grey value as probability (MNIST test split)', () => {
    const x = grey.images;
    const b = binarize(x, new SeededRandom(11));
    let greySum = 0;
    let ones = 0;
    let variance = 0;
    let notBinary = 0;
    let wrongAtEdges = 0;
    for (let i = 0; i < x.length; i++) {
      greySum += x[i];
      ones += b[i];
      variance += x[i] * (1 - x[i]);
      if (b[i] !== 0 && b[i] !== 1) notBinary++;
      if ((x[i] === 0 && b[i] !== 0) || (x[i] === 1 && b[i] !== 1)) wrongAtEdges++;
    }
    expect(notBinary).toBe(0);
    expect(wrongAtEdges).toBe(0); // u is strictly inside (0, 1)
    // The count of ones is a sum of independent Bernoulli(x_i): its standard error is sqrt(sum x(1-x)).
    const standardError = Math.sqrt(variance);
    expect(Math.abs(ones - greySum)).toBeLessThan(4 * standardError);
  });

  it('is calibrated at every grey level', () => {
    // Group pixels by grey level into 16 bins; in each, ones - sum(x) has standard error sqrt(sum x(1-x)).
    const x = grey.images;
    const b = binarize(x, new SeededRandom(12));
    const ones = new Float64Array(16);
    const expected = new Float64Array(16);
    const variance = new Float64Array(16);
    for (let i = 0; i < x.length; i++) {
      const bin = Math.min(15, Math.floor(x[i] * 16));
      ones[bin] += b[i];
      expected[bin] += x[i];
      variance[bin] += x[i] * (1 - x[i]);
    }
    const zScores = Array.from(ones, (o, bin) => (variance[bin] > 0 ? (o - expected[bin]) / Math.sqrt(variance[bin]) : 0));
    // 4.5 standard errors over 16 bins: a false alarm about once in 10^4 seeds.
    expect(Math.max(...zScores.map(Math.abs))).toBeLessThan(4.5);
    expect(variance.every((v) => v > 10)).toBe(true); // every bin is populated
  });

  it('is deterministic by seed, fresh across draws, and may work in place', () => {
    const x = grey.images.subarray(0, 784 * 50);
    const a = binarize(x, new SeededRandom(5));
    const again = binarize(x, new SeededRandom(5));
    expect(Buffer.compare(Buffer.from(a.buffer), Buffer.from(again.buffer))).toBe(0);
    const source = new SeededRandom(5);
    binarize(x, source);
    const second = binarize(x, source);
    let differ = 0;
    for (let i = 0; i < x.length; i++) if (second[i] !== a[i]) differ++;
    expect(differ).toBeGreaterThan(0);
    const inPlace = Float32Array.from(x);
    binarize(inPlace, new SeededRandom(5), inPlace);
    expect([...inPlace]).toEqual([...a]);
  });

  it('draws a fixed-seed binarised copy of a byte set', () => {
    const set = createImageSet({
      name: 'tiny',
      count: 2,
      shape: [1, 2, 2],
      images: Uint8Array.from([0, 255, 128, 64, 255, 0, 1, 254]),
      labels: null,
      range: [0, 255],
    });
    const first = binarizeImages(set, new SeededRandom(99));
    const second = binarizeImages(set, new SeededRandom(99));
    expect(first.range).toEqual([0, 1]);
    expect(first.name).toBe('tiny (binarised)');
    expect([...first.images]).toEqual([...second.images]);
    expect([first.images[0], first.images[1], first.images[4], first.images[5]]).toEqual([0, 1, 1, 0]);
  });

  it('rejects a missing source and a wrong-sized output', () => {
    expectLpcError(() => binarize(new Float32Array(3), {} as never), 'LPC_INVALID_ARGUMENT', 'uniform(out)');
    expectLpcError(() => binarize(new Float32Array(3), new SeededRandom(1), new Float32Array(2)), 'LPC_INVALID_ARGUMENT', 'out must be');
  });
});

describe('the seeded test generator', () => {
  it('draws uniforms in (0, 1) with mean 1/2 and variance 1/12', () => {
    const u = new Float32Array(200_000);
    new SeededRandom(3).uniform(u);
    let sum = 0;
    let sumOfSquares = 0;
    let outside = 0;
    for (const v of u) {
      sum += v;
      sumOfSquares += v * v;
      if (!(v > 0 && v < 1)) outside++;
    }
    expect(outside).toBe(0);
    // Standard errors: sqrt(Var u / n) with Var u = 1/12, and sqrt(Var u^2 / n) with Var u^2 = 1/5 - 1/9 = 4/45.
    expect(Math.abs(sum / u.length - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / u.length));
    expect(Math.abs(sumOfSquares / u.length - 1 / 3)).toBeLessThan(4 * Math.sqrt(4 / 45 / u.length));
  });
});
