import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeNpy, encodeNpy, readNpy, writeNpy } from '../../lib/data/npy.js';
import type { NdArray } from '../../lib/data/nd-array.js';
import { expectLpcError } from '../support/expect-error.js';

// Files written by numpy 2.4 with np.save, base64-encoded: the reader must accept numpy's own output.
const NUMPY_F32_2x3 =
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPgAAAD8AAEA/AACAPwAAoD8=';
const NUMPY_U8_2x2 = 'k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAgP6';
const NUMPY_F32_3 =
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEA=';
const NUMPY_F64_4 =
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAPA/AAAAAAAAAEAAAAAAAAAIQA==';
const NUMPY_F32_FORTRAN =
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQAAAgD8AAIBAAAAAQAAAoEA=';
const b64 = (s: string) => Buffer.from(s, 'base64');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lpc-npy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('NPY files', () => {
  it('reads what numpy writes', () => {
    const f = decodeNpy(b64(NUMPY_F32_2x3));
    expect(f.dtype).toBe('float32');
    expect(f.shape).toEqual([2, 3]);
    expect([...f.data]).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]); // np.arange(6) / 4
    const u = decodeNpy(b64(NUMPY_U8_2x2));
    expect(u.dtype).toBe('uint8');
    expect(u.shape).toEqual([2, 2]);
    expect([...u.data]).toEqual([1, 2, 3, 250]);
    expect(decodeNpy(b64(NUMPY_F32_3)).shape).toEqual([3]);
  });

  const samples: NdArray[] = [
    { dtype: 'uint8', shape: [2, 3, 4, 1], data: Uint8Array.from({ length: 24 }, (_, i) => (i * 11) % 256) },
    { dtype: 'float32', shape: [5], data: Float32Array.from([-1, 0.1, 1e-30, 3e38, 0.5]) },
    { dtype: 'float32', shape: [0, 28, 28], data: new Float32Array(0) },
    { dtype: 'uint8', shape: [], data: Uint8Array.from([7]) },
  ];
  for (const sample of samples) {
    it(`round-trips ${sample.dtype} of shape [${sample.shape.join(', ')}] through a file`, () => {
      const file = path.join(dir, `${sample.dtype}-${sample.shape.join('x')}.npy`);
      writeNpy(file, sample);
      const back = readNpy(file);
      expect(back.dtype).toBe(sample.dtype);
      expect(back.shape).toEqual(sample.shape);
      expect([...back.data]).toEqual([...sample.data]);
    });
  }

  it('writes a version 1.0 header padded so the data start on a 64-byte boundary', () => {
    const bytes = encodeNpy(samples[0]);
    const headerLength = bytes.readUInt16LE(8);
    expect(bytes[6]).toBe(1);
    expect((10 + headerLength) % 64).toBe(0);
    const header = bytes.toString('latin1', 10, 10 + headerLength);
    expect(header.endsWith('\n')).toBe(true);
    expect(header.trim()).toBe("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 4, 1), }");
    expect(bytes.length).toBe(10 + headerLength + 24);
  });

  it('reads format version 2.0 headers', () => {
    const v1 = b64(NUMPY_U8_2x2);
    const headerLength = v1.readUInt16LE(8);
    const v2 = Buffer.alloc(v1.length + 2);
    v1.copy(v2, 0, 0, 8);
    v2[6] = 2;
    v2.writeUInt32LE(headerLength, 8);
    v1.copy(v2, 12, 10);
    expect([...decodeNpy(v2).data]).toEqual([1, 2, 3, 250]);
  });

  it('rejects other dtypes and Fortran order as LPC_UNSUPPORTED_FORMAT', () => {
    expectLpcError(() => decodeNpy(b64(NUMPY_F64_4), 'f64.npy'), 'LPC_UNSUPPORTED_FORMAT', "'<f8'");
    expectLpcError(() => decodeNpy(b64(NUMPY_F32_FORTRAN), 'f.npy'), 'LPC_UNSUPPORTED_FORMAT', 'Fortran');
  });

  it('reports an absent file as LPC_NOT_FOUND naming it', () => {
    const file = path.join(dir, 'absent.npy');
    expectLpcError(() => readNpy(file), 'LPC_NOT_FOUND', file);
  });

  it('rejects a bad magic number, a bad header and truncated or oversized files', () => {
    const good = b64(NUMPY_F32_2x3);
    const badMagic = Buffer.from(good);
    badMagic[1] = 0x58;
    expectLpcError(() => decodeNpy(badMagic, 'm.npy'), 'LPC_CORRUPT_DATA', 'bad magic');
    expectLpcError(() => decodeNpy(good.subarray(0, good.length - 1), 't.npy'), 'LPC_CORRUPT_DATA', 'truncated');
    expectLpcError(() => decodeNpy(good.subarray(0, 40), 't.npy'), 'LPC_CORRUPT_DATA', 'truncated');
    expectLpcError(() => decodeNpy(good.subarray(0, 6), 't.npy'), 'LPC_CORRUPT_DATA', 'truncated');
    expectLpcError(() => decodeNpy(Buffer.concat([good, Buffer.alloc(4)]), 'l.npy'), 'LPC_CORRUPT_DATA', 'size mismatch');
    const noShape = Buffer.from(good.toString('latin1').replace("'shape'", "'shope'"), 'latin1');
    expectLpcError(() => decodeNpy(noShape, 'h.npy'), 'LPC_CORRUPT_DATA', 'bad header');
    const badShape = Buffer.from(good.toString('latin1').replace('(2, 3)', '(2, x)'), 'latin1');
    expectLpcError(() => decodeNpy(badShape, 'h.npy'), 'LPC_CORRUPT_DATA', 'bad header');
  });

  it('rejects a header claiming 10^12 elements without allocating them', () => {
    const huge = Buffer.from(b64(NUMPY_F32_2x3).toString('latin1').replace('(2, 3), }', '(1000000, 1000000)}'), 'latin1');
    expectLpcError(() => decodeNpy(huge, 'huge.npy'), 'LPC_CORRUPT_DATA', 'more than the limit');
  });
});
