import { describe, expect, it } from 'vitest';
import { swapToLittleEndian } from '../../lib/training/byte-order.js';
import { decodeState, encodeState, type StateRecord, stateValue } from '../../lib/training/state-blob.js';
import { expectLpcError } from '../support/expect-error.js';

/** The raw bytes of a typed array, for bit-for-bit comparison (toEqual treats -0 and 0, NaNs loosely). */
const bitsOf = (a: ArrayBufferView) => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];

/** A float32 array whose elements have the given bit patterns. */
function float32FromBits(bits: number[]): Float32Array {
  return new Float32Array(new Uint32Array(bits).buffer);
}

describe('encodeState / decodeState', () => {
  it('round-trips every kind bit for bit: -0, subnormals, infinities, NaN payloads, extreme integers', () => {
    const record: StateRecord = {
      // -0, smallest and largest subnormal, smallest normal, max, -inf, a quiet NaN, a signalling NaN with payload
      m: float32FromBits([0x80000000, 0x00000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0xff800000, 0x7fc00000, 0x7f800123]),
      v: new Float64Array([-0, 5e-324, 2.2250738585072009e-308, Number.MAX_VALUE, Infinity, NaN, Math.PI]),
      counts: new Int32Array([-(2 ** 31), -1, 0, 2 ** 31 - 1]),
      key: new Uint32Array([0, 1, 0xdeadbeef, 0xffffffff]),
      flags: new Uint8Array([0, 1, 255]),
      step: -0,
      eta: 5e-324,
      counter: -(2n ** 100n) + 7n,
      empty: new Float32Array(0),
    };
    const decoded = decodeState(encodeState(record));
    expect(Object.keys(decoded)).toEqual(Object.keys(record));
    for (const name of ['m', 'v', 'counts', 'key', 'flags', 'empty']) {
      const original = record[name] as Float32Array;
      expect(decoded[name].constructor, name).toBe(original.constructor);
      expect(bitsOf(decoded[name] as Float32Array), name).toEqual(bitsOf(original));
    }
    expect(Object.is(decoded.step, -0)).toBe(true);
    expect(decoded.eta).toBe(5e-324);
    expect(decoded.counter).toBe(-(2n ** 100n) + 7n);
  });

  it('copies arrays out of a larger buffer and into independent ones', () => {
    const backing = new Float64Array([1, 2, 3, 4, 5]);
    const view = backing.subarray(1, 4); // byteOffset 8: only its own three elements are stored
    const blob = encodeState({ view, after: new Float32Array([7]) });
    const decoded = decodeState(blob);
    expect([...(decoded.view as Float64Array)]).toEqual([2, 3, 4]);
    (decoded.view as Float64Array)[0] = 99;
    expect(decodeState(blob).view).toEqual(new Float64Array([2, 3, 4]));
    // Decoding from an unaligned, offset view of the bytes works too (e.g. a slice of a bigger file).
    const shifted = new Uint8Array(blob.length + 3);
    shifted.set(blob, 3);
    expect(decodeState(shifted.subarray(3)).after).toEqual(new Float32Array([7]));
  });

  it('writes the documented little-endian layout', () => {
    const blob = encodeState({ a: new Float32Array([1]), n: 2 });
    const header = '{"entries":[{"name":"a","type":"float32","length":1},{"name":"n","type":"number"}]}';
    expect(Buffer.from(blob.subarray(0, 8)).toString('ascii')).toBe('LPCSTATE');
    const view = new DataView(blob.buffer);
    expect(view.getUint32(8, true)).toBe(1);
    expect(view.getUint32(12, true)).toBe(header.length);
    expect(Buffer.from(blob.subarray(16, 16 + header.length)).toString('utf8')).toBe(header);
    const a = Math.ceil((16 + header.length) / 8) * 8; // each entry starts on an 8-byte boundary
    expect([...blob.subarray(a, a + 4)]).toEqual([0x00, 0x00, 0x80, 0x3f]); // 1.0f, little-endian
    expect(view.getFloat64(a + 8, true)).toBe(2);
    expect(blob.length).toBe(a + 16);
  });

  it('keeps names such as "__proto__" as ordinary entries', () => {
    const record = JSON.parse('{"__proto__": 1, "constructor": 2}') as StateRecord;
    const decoded = decodeState(encodeState(record));
    expect(Object.keys(decoded)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(stateValue(decoded, '__proto__', 'number')).toBe(1);
  });

  it('rejects values it cannot store exactly', () => {
    expectLpcError(() => encodeState({ a: new Int16Array(2) as unknown as Int32Array }), 'LPC_INVALID_ARGUMENT', 'record["a"]');
    expectLpcError(() => encodeState({ a: 'text' as unknown as number }), 'LPC_INVALID_ARGUMENT', 'record["a"]');
    expectLpcError(() => encodeState({ '': 1 }), 'LPC_INVALID_ARGUMENT', 'record key');
    expectLpcError(() => encodeState(null as unknown as StateRecord), 'LPC_INVALID_ARGUMENT', 'record');
  });

  it('rejects damaged blobs with LPC_CHECKPOINT naming the source', () => {
    const blob = encodeState({ m: new Float32Array([1, 2, 3]), c: 5n });
    const headerLength = new DataView(blob.buffer).getUint32(12, true);
    const withHeader = (header: string) => {
      const text = Buffer.from(header, 'utf8');
      const out = new Uint8Array(Math.ceil((16 + text.length) / 8) * 8 + 16);
      out.set(blob.subarray(0, 12));
      new DataView(out.buffer).setUint32(12, text.length, true);
      out.set(text, 16);
      return out;
    };
    const cases: Array<[string, Uint8Array, string]> = [
      ['wrong magic', Uint8Array.from(blob, (b, i) => (i === 0 ? 0 : b)), 'does not start with "LPCSTATE"'],
      ['too short', blob.subarray(0, 10), 'does not start'],
      ['truncated data', blob.subarray(0, blob.length - 8), 'describes'],
      ['trailing bytes', Uint8Array.from([...blob, 0, 0, 0, 0, 0, 0, 0, 0]), 'describes'],
      ['header past the end', Uint8Array.from(blob, (b, i) => (i === 13 ? 0xff : b)), 'header claims'],
      ['newer version', Uint8Array.from(blob, (b, i) => (i === 8 ? 2 : b)), 'version 2'],
      ['header not JSON', Uint8Array.from(blob, (b, i) => (i === 16 ? 0x41 : b)), 'not JSON'],
      ['unknown type', withHeader('{"entries":[{"name":"m","type":"float16","length":2}]}'), 'unknown type'],
      ['negative length', withHeader('{"entries":[{"name":"m","type":"float32","length":-2}]}'), 'valid length'],
      ['duplicate name', withHeader('{"entries":[{"name":"m","type":"number"},{"name":"m","type":"number"}]}'), 'twice'],
      ['bad bigint', withHeader('{"entries":[{"name":"c","type":"bigint","value":"1e5"}]}'), 'decimal value'],
      ['no entries', withHeader('{"items":[]}'), 'no entries'],
    ];
    expect(headerLength).toBeGreaterThan(0);
    for (const [what, bytes, fragment] of cases) {
      const error = expectLpcError(() => decodeState(bytes, 'optimizer.state'), 'LPC_CHECKPOINT', fragment);
      expect(error.message, what).toContain('optimizer.state');
    }
  });
});

describe('stateValue', () => {
  it('returns a value of the asked kind and names what is missing or of another kind', () => {
    const record = decodeState(encodeState({ m: new Float32Array([1]), t: 3, rng: 9n }));
    expect(stateValue(record, 'm', 'float32')).toEqual(new Float32Array([1]));
    expect(stateValue(record, 't', 'number')).toBe(3);
    expect(stateValue(record, 'rng', 'bigint')).toBe(9n);
    expectLpcError(() => stateValue(record, 'v', 'float32', 'optimizer.state'), 'LPC_CHECKPOINT', 'optimizer.state has no value named "v"');
    expectLpcError(() => stateValue(record, 'm', 'float64'), 'LPC_CHECKPOINT', '"m" is float32, expected float64');
    expectLpcError(() => stateValue(record, 'toString', 'number'), 'LPC_CHECKPOINT', 'no value named');
  });
});

describe('swapToLittleEndian', () => {
  it('leaves bytes alone on a little-endian host and reverses each element on a big-endian one', () => {
    const bytes = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    swapToLittleEndian(bytes, 4, true);
    expect([...bytes]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    swapToLittleEndian(bytes, 4, false);
    expect([...bytes]).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
    swapToLittleEndian(bytes, 8, false);
    expect([...bytes]).toEqual([5, 6, 7, 8, 1, 2, 3, 4]);
    swapToLittleEndian(bytes, 1, false);
    expect([...bytes]).toEqual([5, 6, 7, 8, 1, 2, 3, 4]);
  });
});
