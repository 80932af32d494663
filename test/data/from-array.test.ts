import { describe, expect, it } from 'vitest';
import { imageSetFromArray } from '../../lib/data/from-array.js';
import type { NdArray } from '../../lib/data/nd-array.js';
import { expectLpcError } from '../support/expect-error.js';

const f32 = (shape: number[], f: (i: number) => number): NdArray<'float32'> => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => f(i)),
});

describe('imageSetFromArray', () => {
  it('treats [n, h, w] bytes as one channel in [0, 255] without copying', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const set = imageSetFromArray({ dtype: 'uint8', shape: [2, 3, 4], data }, { name: 'digits', labels: Uint8Array.from([4, 7]) });
    expect(set.shape).toEqual([1, 3, 4]);
    expect(set.count).toBe(2);
    expect(set.range).toEqual([0, 255]);
    expect(set.images).toBe(data);
    expect([...set.labels!]).toEqual([4, 7]);
  });

  it('detects NHWC and transposes it to NCHW', () => {
    // value = 1000 n + 100 y + 10 x + c, so each element says where it belongs
    const [n, h, w, c] = [2, 4, 5, 3];
    const data = new Float32Array(n * h * w * c);
    for (let i = 0; i < n; i++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let k = 0; k < c; k++) {
            data[((i * h + y) * w + x) * c + k] = 1000 * i + 100 * y + 10 * x + k;
          }
    const set = imageSetFromArray({ dtype: 'float32', shape: [n, h, w, c], data });
    expect(set.shape).toEqual([3, 4, 5]);
    let wrong = 0;
    for (let i = 0; i < n; i++)
      for (let k = 0; k < c; k++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            if (set.images[((i * c + k) * h + y) * w + x] !== 1000 * i + 100 * y + 10 * x + k) wrong++;
          }
    expect(wrong).toBe(0);
    expect(set.range).toEqual([0, 1342]); // observed: outside [0, 1], [-1, 1] and [0, 255]
  });

  it('detects NCHW, and asks for the layout when both readings fit', () => {
    expect(imageSetFromArray(f32([2, 3, 4, 5], () => 0.5)).shape).toEqual([3, 4, 5]);
    expectLpcError(() => imageSetFromArray(f32([2, 3, 4, 3], () => 0.5)), 'LPC_INVALID_ARGUMENT', "layout: 'nchw' or 'nhwc'");
    expect(
      imageSetFromArray(
        f32([2, 3, 4, 3], () => 0.5),
        { layout: 'nhwc' },
      ).shape,
    ).toEqual([3, 3, 4]);
    expectLpcError(() => imageSetFromArray(f32([2, 5], () => 0)), 'LPC_SHAPE_MISMATCH', '[2, 5]');
  });

  it('infers the smallest standard range that holds float values', () => {
    expect(imageSetFromArray(f32([1, 2, 2], (i) => i / 3)).range).toEqual([0, 1]);
    expect(imageSetFromArray(f32([1, 2, 2], (i) => i / 3 - 0.5)).range).toEqual([-1, 1]);
    expect(imageSetFromArray(f32([1, 2, 2], (i) => i * 80)).range).toEqual([0, 255]);
    expect(imageSetFromArray(f32([1, 2, 2], () => 300)).range).toEqual([299.5, 300.5]);
  });

  it('rejects non-finite values and values outside a declared range', () => {
    expectLpcError(() => imageSetFromArray(f32([1, 2, 2], (i) => (i === 2 ? NaN : 0))), 'LPC_INVALID_ARGUMENT', 'index 2 is not finite');
    expectLpcError(
      () =>
        imageSetFromArray(
          f32([1, 2, 2], (i) => i),
          { range: [0, 1] },
        ),
      'LPC_INVALID_ARGUMENT',
      'value 2 at index 2',
    );
  });

  it('converts other dtypes to float32', () => {
    const set = imageSetFromArray({ dtype: 'int16', shape: [1, 1, 3], data: Int16Array.from([-5, 0, 300]) });
    expect(set.images).toBeInstanceOf(Float32Array);
    expect([...set.images]).toEqual([-5, 0, 300]);
  });

  it('rejects labels of the wrong length', () => {
    expectLpcError(
      () =>
        imageSetFromArray(
          f32([2, 2, 2], () => 0),
          { labels: new Uint8Array(3) },
        ),
      'LPC_SHAPE_MISMATCH',
      '3 entries for 2 images',
    );
  });
});
