/**
 * The trainers' random streams and their walk through the data: streams derived from one seed are distinct
 * and resumable, every epoch visits every image once, binarisation is Bernoulli with the grey value as
 * probability, and a cursor resumes mid-epoch on the same batches.
 */
import { describe, expect, it } from 'vitest';
import { createImageSet } from '../../lib/data/image-set.js';
import { Rng } from '../../lib/native/rng.js';
import { BatchCursor } from '../../lib/training/batch-cursor.js';
import { initKeys, STREAM_PURPOSES, TrainingStreams } from '../../lib/training/random-streams.js';

function greySet(count: number, value: number) {
  return createImageSet({ name: 'grey', count, shape: [1, 2, 2], images: new Uint8Array(count * 4).fill(value), labels: null, range: [0, 255] });
}

function indexedSet(count: number) {
  // Image i holds the value i in each of its 4 pixels, so a batch says which images it gathered.
  return createImageSet({ name: 'indexed', count, shape: [1, 2, 2], images: Float32Array.from({ length: count * 4 }, (_, j) => Math.floor(j / 4)), labels: null, range: [0, 1000] });
}

describe('TrainingStreams', () => {
  it('derives distinct streams from one seed and resumes each from its saved position', () => {
    using a = new TrainingStreams(5n);
    const first = STREAM_PURPOSES.map((p) => Array.from(a.get(p).uniform(4)));
    expect(new Set(first.map((v) => v.join())).size).toBe(STREAM_PURPOSES.length);
    const saved = a.getState();
    const next = STREAM_PURPOSES.map((p) => Array.from(a.get(p).normal(6)));
    using b = new TrainingStreams(5n);
    b.setState(saved);
    expect(STREAM_PURPOSES.map((p) => Array.from(b.get(p).normal(6)))).toEqual(next);
    // Initialisation keys: fixed by the seed, different per network and per seed.
    expect(initKeys(5n, 2)).toEqual(initKeys(5n, 2));
    expect(new Set([...initKeys(5n, 2), ...initKeys(6n, 2)]).size).toBe(4);
  });
});

describe('BatchCursor', () => {
  const make = (set: ReturnType<typeof indexedSet>, seed: number, batchSize = 4, dropLast = false) =>
    new BatchCursor(set, { batchSize, dropLast, binarize: false, range: [0, 1], order: new Rng({ seed }), binarizer: new Rng({ seed: seed + 1 }) });

  it('visits every image once per epoch in a fresh order, with a short last batch unless dropped', () => {
    const set = indexedSet(10);
    const cursor = make(set, 1);
    expect(cursor.batchesPerEpoch).toBe(3);
    const epochs: number[][] = [[], []];
    for (let b = 0; b < 6; b++) {
      const { x, size, epoch, lastInEpoch } = cursor.next();
      expect([size, lastInEpoch]).toEqual([b % 3 === 2 ? 2 : 4, b % 3 === 2]);
      for (let r = 0; r < size; r++) epochs[epoch].push(Math.round(x[4 * r] * 1000));
    }
    expect(cursor.epoch).toBe(2);
    for (const seen of epochs) expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epochs[0]).not.toEqual(epochs[1]);
    expect(make(set, 1, 4, true).batchesPerEpoch).toBe(2);
  });

  it('resumes mid-epoch on the same batches from a saved position', () => {
    const set = indexedSet(10);
    const whole = make(set, 3);
    const expected = Array.from({ length: 5 }, () => Array.from(whole.next().x));
    const first = make(set, 3);
    first.next();
    const position = first.getPosition();
    expect([position.epoch, position.batch, position.order.length]).toEqual([0, 1, 10]);
    // The order stream of the resumed cursor starts where the first one's stood (as a restored trainer's does).
    const resumedOrder = new Rng({ seed: 3 });
    resumedOrder.uniform(18);
    const resumed = new BatchCursor(set, { batchSize: 4, binarize: false, range: [0, 1], order: resumedOrder, binarizer: new Rng({ seed: 4 }) });
    resumed.setPosition(position);
    expect(Array.from({ length: 4 }, () => Array.from(resumed.next().x))).toEqual(expected.slice(1));
    expect(() => resumed.setPosition({ epoch: 0, batch: 1, order: Uint32Array.of(0, 1, 1, 3, 4, 5, 6, 7, 8, 9) })).toThrow(expect.objectContaining({ code: 'LPC_CHECKPOINT' }));
    expect(() => resumed.setPosition({ epoch: 0, batch: 1, order: new Uint32Array(4) })).toThrow(expect.objectContaining({ code: 'LPC_CHECKPOINT' }));
    expect(() => resumed.setPosition({ epoch: 0, batch: 3, order: position.order })).toThrow(expect.objectContaining({ code: 'LPC_INVALID_ARGUMENT' }));
  });

  it('binarises with the grey value as probability and maps to the decoder range', () => {
    // 64/255 = 0.251 on every pixel: the fraction of ones over 4,000 pixels has standard error 0.0069.
    const set = greySet(1000, 64);
    const cursor = new BatchCursor(set, { batchSize: 1000, binarize: true, range: [-1, 1], order: new Rng({ seed: 5 }), binarizer: new Rng({ seed: 6 }) });
    const { x } = cursor.next();
    expect(x.every((v) => v === -1 || v === 1)).toBe(true);
    const ones = x.filter((v) => v === 1).length / x.length;
    // 4 standard errors.
    expect(Math.abs(ones - 64 / 255)).toBeLessThan(4 * 0.0069);
    // Without binarisation the grey values come through scaled: 64/255 -> 2 * 64/255 - 1.
    const plain = new BatchCursor(set, { batchSize: 10, binarize: false, range: [-1, 1], order: new Rng({ seed: 5 }), binarizer: new Rng({ seed: 6 }) });
    expect(plain.next().x[0]).toBeCloseTo((2 * 64) / 255 - 1, 6);
  });
});
