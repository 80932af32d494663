import { describe, expect, it } from 'vitest';
import { nhwcToNchw } from '../../lib/data/layout.js';

describe('nhwcToNchw', () => {
  it("moves each pixel's channels into planes, image by image, keeping the array type", () => {
    // Two 1x2 images of 3 channels: pixel p of image i holds (100 i + 10 p + k) in channel k.
    const nhwc = Uint8Array.from([0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]);
    const nchw = nhwcToNchw(nhwc, 2, [3, 1, 2]);
    expect(nchw).toBeInstanceOf(Uint8Array);
    expect(Array.from(nchw)).toEqual([0, 10, 1, 11, 2, 12, 100, 110, 101, 111, 102, 112]);
    expect(Array.from(nhwcToNchw(Float32Array.of(1, 2, 3, 4, 5, 6), 1, [3, 1, 2]))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});
