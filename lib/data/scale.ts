/**
 * Linear rescaling of pixel values from a set's declared range to another, e.g. bytes [0, 255] to
 * [0, 1] for a sigmoid decoder or to [-1, 1] for a tanh decoder.
 */
import { invalidArgument } from '../errors.js';
import { createImageSet, type ImageSet, type PixelArray, type ValueRange } from './image-set.js';

/**
 * Writes `src` mapped from range `from` to range `to` into `out` (which may be `src` itself when both
 * are Float32Array): v -> to0 + (v - from0) * (to1 - to0) / (from1 - from0), computed in float64 and
 * rounded once to float32. Dividing last keeps bytes k -> k / 255 correctly rounded.
 */
export function scaleInto(src: PixelArray, from: ValueRange, to: ValueRange, out: Float32Array): Float32Array {
  if (out.length !== src.length) invalidArgument('out', `a Float32Array of length ${src.length}`, out);
  checkRange('from', from);
  checkRange('to', to);
  if (src instanceof Uint8Array) {
    const table = byteTable(from, to);
    for (let i = 0; i < src.length; i++) out[i] = table[src[i]];
  } else {
    const [f0, f1] = from;
    const [t0, t1] = to;
    for (let i = 0; i < src.length; i++) out[i] = t0 + ((src[i] - f0) * (t1 - t0)) / (f1 - f0);
  }
  return out;
}

/** The values the 256 bytes map to under scaleInto: one table lookup per pixel instead of arithmetic. */
export function byteTable(from: ValueRange, to: ValueRange): Float32Array {
  const table = new Float32Array(256);
  for (let k = 0; k < 256; k++) table[k] = to[0] + ((k - from[0]) * (to[1] - to[0])) / (from[1] - from[0]);
  return table;
}

/**
 * A float32 copy of `set` with its values mapped linearly from `set.range` to `to`.
 *
 * @example
 * const x = scaleImages(loadMnist().train, UNIT_RANGE); // bytes k -> k / 255
 */
export function scaleImages(set: ImageSet, to: ValueRange): ImageSet<Float32Array> {
  const images = scaleInto(set.images, set.range, to, new Float32Array(set.images.length));
  return createImageSet({ ...set, images, range: to });
}

function checkRange(name: string, range: ValueRange): void {
  if (!(Array.isArray(range) && range.length === 2 && Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[0] < range[1])) {
    invalidArgument(name, 'a range [min, max] with finite min < max', range);
  }
}
