/**
 * Turns a plain array read from a file ([n, h, w], [n, c, h, w] or [n, h, w, c]) into an ImageSet:
 * NCHW layout, uint8 kept as bytes, other dtypes as float32, and a declared value range.
 */
import { LpcError } from '../errors.js';
import { BYTE_RANGE, createImageSet, type ImageSet, type LabelArray, type PixelArray, type ValueRange } from './image-set.js';
import { nhwcToNchw, type ImageLayout } from './layout.js';
import type { NdArray } from './nd-array.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** How imageSetFromArray reads an array's axes, names it and declares its range. */
export interface ImageSetFromArrayOptions {
  /** Names the set in messages (default "images"). */
  name?: string;
  /** Axis order of a 4-D array; detected when one of axes 1 and 3 has size 1 or 3 and the other does not. */
  layout?: ImageLayout;
  /**
   * The interval the values are encoded in. Default: [0, 255] for uint8; for floats the first of
   * [0, 1], [-1, 1], [0, 255] that holds every value, else the observed [min, max].
   */
  range?: ValueRange;
  labels?: LabelArray | null;
}

/** Every key of ImageSetFromArrayOptions (a misspelt option is refused, not ignored). */
const FROM_ARRAY_KEYS = { name: true, layout: true, range: true, labels: true } satisfies OptionKeys<ImageSetFromArrayOptions>;

/**
 * Builds an ImageSet from an array. NHWC input is transposed into a new NCHW array; uint8 and float32
 * NCHW data are used as they are (no copy).
 *
 * @example
 * const set = imageSetFromArray(readNpy('cifar.npy'), { name: 'cifar' }); // [n,32,32,3] -> shape [3,32,32]
 */
export function imageSetFromArray(array: NdArray, options: ImageSetFromArrayOptions = {}): ImageSet {
  checkKnownKeys(options, FROM_ARRAY_KEYS, 'imageSetFromArray');
  const name = options.name ?? 'images';
  const { shape } = array;
  let layout: ImageLayout;
  let dims: [number, number, number, number]; // n, c, h, w
  if (shape.length === 3) {
    layout = 'nchw';
    dims = [shape[0], 1, shape[1], shape[2]];
  } else if (shape.length === 4) {
    layout = options.layout ?? detectLayout(name, shape);
    dims = layout === 'nchw' ? [shape[0], shape[1], shape[2], shape[3]] : [shape[0], shape[3], shape[1], shape[2]];
  } else {
    throw new LpcError('LPC_SHAPE_MISMATCH', `${name}: images must have shape [n, h, w], [n, c, h, w] or [n, h, w, c]; received [${shape.join(', ')}]`);
  }
  const [n, c, h, w] = dims;
  const source: PixelArray = array.dtype === 'uint8' || array.dtype === 'float32' ? (array.data as PixelArray) : Float32Array.from(array.data);
  const images = layout === 'nchw' ? source : nhwcToNchw(source, n, [c, h, w]);
  const range = options.range ?? (images instanceof Uint8Array ? BYTE_RANGE : floatRange(name, images));
  checkWithin(name, images, range);
  return createImageSet({ name, count: n, shape: [c, h, w], images, labels: options.labels ?? null, range });
}

function detectLayout(name: string, shape: readonly number[]): ImageLayout {
  const channelLike = (d: number) => d === 1 || d === 3;
  if (channelLike(shape[1]) && !channelLike(shape[3])) return 'nchw';
  if (channelLike(shape[3]) && !channelLike(shape[1])) return 'nhwc';
  throw new LpcError('LPC_INVALID_ARGUMENT', `${name}: cannot tell whether shape [${shape.join(', ')}] is NCHW or NHWC; pass layout: 'nchw' or 'nhwc'`);
}

function floatRange(name: string, values: Float32Array): ValueRange {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new LpcError('LPC_INVALID_ARGUMENT', `${name}: value ${v} at index ${i} is not finite`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (values.length === 0) return [0, 1];
  for (const candidate of [
    [0, 1],
    [-1, 1],
    [0, 255],
  ] as const) {
    if (min >= candidate[0] && max <= candidate[1]) return candidate;
  }
  // A constant array has no spread; widen it so the range stays a proper interval.
  return min < max ? [min, max] : [min - 0.5, max + 0.5];
}

/** Every value must be finite and inside the declared range, or scaling would leave the target interval. */
function checkWithin(name: string, values: PixelArray, range: ValueRange): void {
  if (values instanceof Uint8Array && range[0] <= 0 && range[1] >= 255) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= range[0] && v <= range[1])) {
      const what = Number.isFinite(v) ? `outside the range [${range.join(', ')}]` : 'not finite';
      throw new LpcError('LPC_INVALID_ARGUMENT', `${name}: value ${v} at index ${i} is ${what}`);
    }
  }
}
