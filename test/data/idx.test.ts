import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeIdx, encodeIdx, readIdx, writeIdx } from '../../lib/data/idx.js';
import type { NdArray } from '../../lib/data/nd-array.js';
import { expectLpcError } from '../support/expect-error.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lpc-idx-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const samples: NdArray[] = [
  { dtype: 'uint8', shape: [3, 2, 2], data: Uint8Array.from([0, 1, 2, 3, 127, 128, 200, 255, 9, 8, 7, 6]) },
  { dtype: 'int8', shape: [4], data: Int8Array.from([-128, -1, 0, 127]) },
  { dtype: 'int16', shape: [2, 2], data: Int16Array.from([-32768, -2, 300, 32767]) },
  { dtype: 'int32', shape: [3], data: Int32Array.from([-2147483648, 70000, 2147483647]) },
  { dtype: 'float32', shape: [2, 1, 2], data: Float32Array.from([-1.5, 0, 1e-20, 3.4e38]) },
  { dtype: 'float64', shape: [2], data: Float64Array.from([Math.PI, -1e300]) },
];

describe('IDX files', () => {
  it('writes the big-endian layout MNIST uses', () => {
    const bytes = encodeIdx({ dtype: 'uint8', shape: [2, 3], data: Uint8Array.from([1, 2, 3, 4, 5, 6]) });
    expect([...bytes]).toEqual([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
    const ints = encodeIdx({ dtype: 'int32', shape: [1], data: Int32Array.from([0x01020304]) });
    expect([...ints]).toEqual([0, 0, 0x0c, 1, 0, 0, 0, 1, 1, 2, 3, 4]);
  });

  for (const sample of samples) {
    for (const gzip of [false, true]) {
      it(`round-trips ${sample.dtype} through a ${gzip ? 'gzipped' : 'plain'} file`, () => {
        const file = path.join(dir, `${sample.dtype}${gzip ? '.gz' : ''}`);
        writeIdx(file, sample);
        const back = readIdx(file);
        expect(back.dtype).toBe(sample.dtype);
        expect(back.shape).toEqual(sample.shape);
        expect(back.data.constructor).toBe(sample.data.constructor);
        expect([...back.data]).toEqual([...sample.data]);
        expect(back.data.byteOffset).toBe(0);
        expect(back.data.buffer.byteLength).toBe(back.data.byteLength);
      });
    }
  }

  it('reports an absent file as LPC_NOT_FOUND naming it', () => {
    const file = path.join(dir, 'absent-idx1-ubyte.gz');
    expectLpcError(() => readIdx(file), 'LPC_NOT_FOUND', file);
  });

  it('rejects a bad magic number and an unknown type code', () => {
    expectLpcError(() => decodeIdx(Buffer.from([1, 0, 8, 1, 0, 0, 0, 1, 5]), 'x.idx'), 'LPC_CORRUPT_DATA', 'bad magic');
    expectLpcError(() => decodeIdx(Buffer.from([0, 0, 0x0a, 1, 0, 0, 0, 1, 5]), 'x.idx'), 'LPC_CORRUPT_DATA', 'type code 0x0a');
    expectLpcError(() => decodeIdx(gzipSync(Buffer.from('PK\x03\x04 not idx')), 'x.gz'), 'LPC_CORRUPT_DATA', 'bad magic');
  });

  it('rejects truncated files, plain and gzipped', () => {
    const full = encodeIdx(samples[0]);
    expectLpcError(() => decodeIdx(full.subarray(0, full.length - 1), 'cut.idx'), 'LPC_CORRUPT_DATA', 'truncated');
    expectLpcError(() => decodeIdx(full.subarray(0, 7), 'cut.idx'), 'LPC_CORRUPT_DATA', 'truncated');
    expectLpcError(() => decodeIdx(gzipSync(full.subarray(0, full.length - 4)), 'cut.gz'), 'LPC_CORRUPT_DATA', 'truncated');
    const gz = gzipSync(full);
    expectLpcError(() => decodeIdx(gz.subarray(0, gz.length - 6), 'cut.gz'), 'LPC_CORRUPT_DATA', 'truncated');
  });

  it('rejects data beyond what the header declares', () => {
    const full = encodeIdx(samples[0]);
    const longer = Buffer.concat([full, Buffer.from([1, 2])]);
    expectLpcError(() => decodeIdx(longer, 'long.idx'), 'LPC_CORRUPT_DATA', 'size mismatch');
    expectLpcError(() => decodeIdx(gzipSync(longer), 'long.gz'), 'LPC_CORRUPT_DATA', 'more than');
  });

  it('rejects a header claiming 10^12 elements without allocating them', () => {
    // dims 10^6 x 10^6 of uint8 followed by a few bytes of data
    const header = Buffer.from([0, 0, 0x08, 2, 0, 0x0f, 0x42, 0x40, 0, 0x0f, 0x42, 0x40, 1, 2, 3]);
    expectLpcError(() => decodeIdx(header, 'huge.idx'), 'LPC_CORRUPT_DATA', 'more than');
    expectLpcError(() => decodeIdx(gzipSync(header), 'huge.gz'), 'LPC_CORRUPT_DATA', 'more than');
    // A claim under the limit is checked against the real data instead: 2000 x 2000 bytes claimed.
    const large = Buffer.from([0, 0, 0x08, 2, 0, 0, 0x07, 0xd0, 0, 0, 0x07, 0xd0, 1, 2, 3]);
    expectLpcError(() => decodeIdx(gzipSync(large), 'large.gz'), 'LPC_CORRUPT_DATA', 'truncated');
    expectLpcError(() => decodeIdx(large, 'large.idx'), 'LPC_CORRUPT_DATA', 'truncated');
  });

  it('honours a lower maxBytes', () => {
    const full = encodeIdx(samples[0]);
    expect(decodeIdx(full, 'ok.idx', { maxBytes: 12 }).data.length).toBe(12);
    expectLpcError(() => decodeIdx(full, 'small.idx', { maxBytes: 11 }), 'LPC_CORRUPT_DATA', 'more than');
  });

  it('refuses to write data that disagree with the shape or dtype', () => {
    expectLpcError(() => encodeIdx({ dtype: 'uint8', shape: [5], data: new Uint8Array(4) }), 'LPC_SHAPE_MISMATCH', '[5]');
    expectLpcError(() => encodeIdx({ dtype: 'int32', shape: [4], data: new Uint8Array(4) } as unknown as NdArray), 'LPC_INVALID_ARGUMENT', 'int32');
  });
});
