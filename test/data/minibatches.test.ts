import { describe, expect, it } from 'vitest';
import { createImageSet, type ImageSet } from '../../lib/data/image-set.js';
import { MinibatchLoader, type Minibatch } from '../../lib/data/minibatches.js';
import { drawPermutation } from '../../lib/data/random-source.js';
import { expectLpcError } from '../support/expect-error.js';
import { SeededRandom } from '../support/seeded-random.js';

/** 103 images of 2x3 bytes; image i holds (i + j) mod 256 at pixel j, and label i mod 7. */
function byteSet(count = 103): ImageSet<Uint8Array> {
  const images = Uint8Array.from({ length: count * 6 }, (_, t) => (Math.floor(t / 6) + (t % 6)) % 256);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 7);
  return createImageSet({ name: 'bytes', count, shape: [1, 2, 3], images, labels, range: [0, 255] });
}

/** Copies what each batch holds, since the loader reuses its buffers. */
function collect(batches: Iterable<Minibatch>) {
  const copies = [];
  for (const b of batches) {
    copies.push({ size: b.size, index: b.index, x: [...b.x], labels: b.labels && [...b.labels], indices: [...b.indices] });
  }
  return copies;
}

describe('MinibatchLoader', () => {
  it('visits every image exactly once per epoch, keeping the last partial batch', () => {
    const loader = new MinibatchLoader(byteSet(), { batchSize: 10, source: new SeededRandom(1) });
    expect(loader.batchesPerEpoch).toBe(11);
    for (let epoch = 0; epoch < 3; epoch++) {
      const batches = collect(loader.epoch());
      expect(batches.map((b) => b.size)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
      expect(batches.map((b) => b.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const seen = batches.flatMap((b) => b.indices).sort((a, b) => a - b);
      expect(seen).toEqual(Array.from({ length: 103 }, (_, i) => i));
    }
  });

  it('drops the last partial batch on request', () => {
    const loader = new MinibatchLoader(byteSet(), { batchSize: 10, source: new SeededRandom(1), dropLast: true });
    const batches = collect(loader.epoch());
    expect(loader.batchesPerEpoch).toBe(10);
    expect(batches.map((b) => b.size)).toEqual(new Array(10).fill(10));
    expect(new Set(batches.flatMap((b) => b.indices)).size).toBe(100);
  });

  it('is deterministic by seed and reshuffles every epoch', () => {
    const run = (seed: number) => {
      const loader = new MinibatchLoader(byteSet(), { batchSize: 16, source: new SeededRandom(seed) });
      return [0, 1, 2].map(() => collect(loader.epoch()).flatMap((b) => b.indices));
    };
    const a = run(42);
    expect(run(42)).toEqual(a);
    expect(a[1]).not.toEqual(a[0]);
    expect(run(43)[0]).not.toEqual(a[0]);
  });

  it('gathers the right images and labels, scaled to the requested range', () => {
    const set = byteSet();
    for (const range of [
      [0, 1],
      [-1, 1],
    ] as const) {
      const loader = new MinibatchLoader(set, { batchSize: 8, source: new SeededRandom(2), range });
      let wrong = 0;
      for (const batch of loader.epoch()) {
        for (let r = 0; r < batch.size; r++) {
          const i = batch.indices[r];
          if (batch.labels![r] !== set.labels![i]) wrong++;
          for (let j = 0; j < 6; j++) {
            const expected = Math.fround(range[0] + (set.images[i * 6 + j] * (range[1] - range[0])) / 255);
            if (batch.x[r * 6 + j] !== expected) wrong++;
          }
        }
      }
      expect(wrong).toBe(0);
    }
  });

  it('rescales float sets and keeps the order when shuffle is off', () => {
    const floats = createImageSet({
      name: 'floats',
      count: 5,
      shape: [1, 1, 2],
      images: Float32Array.from([0, 0.5, 1, 0.25, 0.75, 0, 1, 1, 0.5, 0.5]),
      labels: null,
      range: [0, 1],
    });
    const loader = new MinibatchLoader(floats, { batchSize: 2, shuffle: false, range: [-1, 1] });
    const batches = collect(loader.epoch());
    expect(batches.map((b) => b.indices)).toEqual([[0, 1], [2, 3], [4]]);
    expect(batches.flatMap((b) => b.x)).toEqual([-1, 0, 1, -0.5, 0.5, -1, 1, 1, 0, 0]);
    expect(batches[0].labels).toBeNull();
  });

  it('binarises each batch afresh from the source', () => {
    const loader = new MinibatchLoader(byteSet(), { batchSize: 103, source: new SeededRandom(3), binarize: true, shuffle: false });
    const first = collect(loader.epoch())[0].x;
    const second = collect(loader.epoch())[0].x;
    expect(first.every((v) => v === 0 || v === 1)).toBe(true);
    expect(second).not.toEqual(first);
    expect(first.some((v) => v === 1)).toBe(true);
    expectLpcError(() => new MinibatchLoader(byteSet(), { batchSize: 4, source: new SeededRandom(3), binarize: true, range: [-1, 1] }), 'LPC_INVALID_ARGUMENT', 'range must be [0, 1]');
  });

  it('reuses its buffers instead of allocating per batch', () => {
    const loader = new MinibatchLoader(byteSet(), { batchSize: 10, source: new SeededRandom(4) });
    const buffers = new Set([...loader.epoch()].map((b) => b.x.buffer));
    expect(buffers.size).toBe(1);
  });

  it('serves a set smaller than one batch as one short batch', () => {
    const loader = new MinibatchLoader(byteSet(5), { batchSize: 64, source: new SeededRandom(4) });
    expect(collect(loader.epoch()).map((b) => b.size)).toEqual([5]);
  });

  it('invalidates an epoch superseded by a newer one', () => {
    const loader = new MinibatchLoader(byteSet(), { batchSize: 10, source: new SeededRandom(5) });
    const old = loader.epoch();
    old.next();
    loader.epoch().next();
    expectLpcError(() => old.next(), 'LPC_INVALID_ARGUMENT', 'superseded');
  });

  it('rejects bad options and broken random sources', () => {
    expectLpcError(() => new MinibatchLoader(byteSet(), { batchSize: 0, source: new SeededRandom(1) }), 'LPC_INVALID_ARGUMENT', 'batchSize');
    expectLpcError(() => new MinibatchLoader(byteSet(), { batchSize: 2.5, source: new SeededRandom(1) }), 'LPC_INVALID_ARGUMENT', 'batchSize');
    expectLpcError(() => new MinibatchLoader(byteSet(), { batchSize: 4 }), 'LPC_INVALID_ARGUMENT', 'source');
    const repeating = { uniform: () => undefined, permutation: (n: number) => new Uint32Array(n) };
    expectLpcError(() => drawPermutation(repeating, 3), 'LPC_INVALID_ARGUMENT', 'repeated');
    const short = { uniform: () => undefined, permutation: () => new Uint32Array(2) };
    expectLpcError(() => drawPermutation(short, 3), 'LPC_INVALID_ARGUMENT', 'length 3');
  });
});
