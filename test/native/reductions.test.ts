import { afterEach, describe, expect, it } from 'vitest';
import { LpcError, getThreads, globalNorm, logSumExpRows, setThreads, weightedMeanRows } from '../../lib/index.js';
import { sameBits } from './support/stats.js';

const defaultThreads = getThreads();
afterEach(() => setThreads(defaultThreads));

/** float64 reference: max-shifted log-sum-exp of one row. */
function lse(row: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) m = Math.max(m, row[i]);
  if (!Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < row.length; i++) s += Math.exp(row[i] - m);
  return m + Math.log(s);
}

describe('logSumExpRows', () => {
  it('matches a float64 reference for K in the thousands, float32 and float64 input', () => {
    const rows = 37;
    const cols = 5000;
    const x = new Float64Array(rows * cols);
    for (let i = 0; i < x.length; i++) x[i] = -1000 + 30 * Math.sin(0.013 * i) + (i % cols === 17 ? 50 : 0);
    const x32 = Float32Array.from(x);
    const out64 = logSumExpRows(x, rows, cols);
    const out32 = logSumExpRows(x32, rows, cols);
    for (let r = 0; r < rows; r++) {
      // Same float64 sums in another order: equal to 1e-13 relative (|lse| about 1000).
      expect(Math.abs(out64[r] - lse(x.subarray(r * cols, (r + 1) * cols)))).toBeLessThan(1e-13 * 1000);
      expect(Math.abs(out32[r] - lse(x32.subarray(r * cols, (r + 1) * cols)))).toBeLessThan(1e-13 * 1000);
    }
  });

  it('handles -Infinity, +Infinity and NaN entries', () => {
    const x = Float32Array.from([-Infinity, -Infinity, 0, -Infinity, Infinity, 1, NaN, 0]);
    const out = logSumExpRows(x, 4, 2);
    expect(out[0]).toBe(-Infinity);
    expect(out[1]).toBe(0);
    expect(out[2]).toBe(Infinity);
    expect(out[3]).toBeNaN();
  });

  it('writes into a given output array and is independent of the thread count', () => {
    const rows = 300;
    const cols = 2000;
    const x = Float32Array.from({ length: rows * cols }, (_, i) => Math.cos(i));
    const out = new Float64Array(rows);
    setThreads(1);
    expect(logSumExpRows(x, rows, cols, out)).toBe(out);
    setThreads(2);
    expect(sameBits(logSumExpRows(x, rows, cols), out)).toBe(true);
  });

  it('rejects a shape that does not match with LPC_SHAPE_MISMATCH', () => {
    expect(() => logSumExpRows(new Float32Array(10), 3, 4)).toThrow(LpcError);
    try {
      logSumExpRows(new Float32Array(10), 3, 4);
    } catch (e) {
      expect((e as LpcError).code).toBe('LPC_SHAPE_MISMATCH');
    }
  });
});

describe('weightedMeanRows', () => {
  it('matches a float64 softmax-weighted mean per row, with the row log-sum-exp', () => {
    const rows = 5;
    const cols = 3000;
    const dim = 4;
    const logw = Float64Array.from({ length: rows * cols }, (_, i) => -500 + 20 * Math.sin(0.01 * i));
    const values = Float32Array.from({ length: rows * cols * dim }, (_, i) => Math.sin(0.7 * i));
    const lseOut = new Float64Array(rows);
    const out = weightedMeanRows(logw, values, rows, cols, dim, { lse: lseOut });
    for (let r = 0; r < rows; r++) {
      const row = logw.subarray(r * cols, (r + 1) * cols);
      const l = lse(row);
      expect(Math.abs(lseOut[r] - l)).toBeLessThan(1e-12 * Math.abs(l));
      for (let k = 0; k < dim; k++) {
        let s = 0;
        for (let c = 0; c < cols; c++) s += Math.exp(row[c] - l) * values[(r * cols + c) * dim + k];
        // float64 sums of the same terms in the same order up to the exp of (x - lse): 1e-12.
        expect(Math.abs(out[r * dim + k] - s)).toBeLessThan(1e-12);
      }
    }
  });

  it('gives NaN for a row whose weights are all zero', () => {
    const out = weightedMeanRows(Float32Array.from([-Infinity, -Infinity]), Float32Array.from([1, 2]), 1, 2, 1);
    expect(out[0]).toBeNaN();
  });
});

describe('globalNorm', () => {
  it('is the float64 L2 norm over several arrays, the same for any thread count', () => {
    const a = Float32Array.from({ length: 200_001 }, (_, i) => Math.sin(i) * 1e-3);
    const b = Float32Array.from({ length: 77 }, (_, i) => i);
    let s = 0;
    for (const arr of [a, b]) for (let i = 0; i < arr.length; i++) s += arr[i] * arr[i];
    setThreads(1);
    const one = globalNorm([a, b]);
    setThreads(2);
    expect(globalNorm([a, b])).toBe(one);
    expect(Math.abs(one - Math.sqrt(s))).toBeLessThan(1e-13 * Math.sqrt(s));
  });
});
