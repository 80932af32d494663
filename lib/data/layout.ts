/**
 * Image axis orders. The package works in NCHW throughout; NHWC arrays (files written by TensorFlow, decoders
 * exported from it) are transposed once at the boundary.
 */
import type { ImageShape, PixelArray } from './image-set.js';

/** How a 4-D array orders its axes. */
export type ImageLayout = 'nchw' | 'nhwc';

/**
 * A new NCHW array of the same type holding `n` images of shape [c, h, w] read from NHWC `src`.
 *
 * @example
 * const nchw = nhwcToNchw(Float32Array.of(1, 2, 3, 4, 5, 6), 1, [3, 1, 2]); // [1, 4, 2, 5, 3, 6]
 */
export function nhwcToNchw<T extends PixelArray>(src: T, n: number, [c, h, w]: ImageShape): T {
  const out = new (src.constructor as new (length: number) => T)(src.length);
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    const base = i * c * plane;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < c; k++) out[base + k * plane + p] = src[base + p * c + k];
    }
  }
  return out;
}
