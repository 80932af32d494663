/**
 * The in-memory form of an image dataset: one contiguous typed array per split, laid out
 * [count, channels, height, width] row-major (NCHW), never an object per image. Contiguity lets a
 * split be handed to ONNX Runtime, the native addon or a worker thread without copying.
 */
import { LpcError } from '../errors.js';

/** Pixel storage: raw 8-bit values, or float values. */
export type PixelArray = Uint8Array | Float32Array;

/** Class labels, one per image. */
export type LabelArray = Uint8Array | Int32Array;

/** The closed interval [min, max] that pixel values are encoded in, e.g. [0, 255], [0, 1] or [-1, 1]. */
export type ValueRange = readonly [min: number, max: number];

/** Values in [0, 1]: what a sigmoid decoder and the Bernoulli likelihood expect. */
export const UNIT_RANGE: ValueRange = [0, 1];
/** Values in [-1, 1]: what a tanh decoder and the discretised Gaussian expect. */
export const SYMMETRIC_RANGE: ValueRange = [-1, 1];
/** Raw 8-bit values. */
export const BYTE_RANGE: ValueRange = [0, 255];

/** Per-image shape [channels, height, width]. */
export type ImageShape = readonly [channels: number, height: number, width: number];

/**
 * One split of images. Image i occupies `images[i*c*h*w, (i+1)*c*h*w)`.
 *
 * @example
 * const { train } = loadFashionMnist();
 * const [c, h, w] = train.shape;                       // [1, 28, 28]
 * const first = train.images.subarray(0, c * h * w);   // image 0, no copy
 */
export interface ImageSet<T extends PixelArray = PixelArray> {
  /** Where the images came from, e.g. "fashion-mnist/train"; used in messages. */
  readonly name: string;
  /** Number of images. */
  readonly count: number;
  readonly shape: ImageShape;
  readonly images: T;
  /** One label per image, or null when the source has none. */
  readonly labels: LabelArray | null;
  /** The interval the values are encoded in (not their observed min and max). */
  readonly range: ValueRange;
}

/** A named dataset with its fixed train/test split. */
export interface Dataset<T extends PixelArray = PixelArray> {
  readonly name: string;
  readonly train: ImageSet<T>;
  readonly test: ImageSet<T>;
  /** Label i's name, or null when the dataset has no labels. */
  readonly classNames: readonly string[] | null;
}

/** Number of values in one image. */
export function imageSize(shape: ImageShape): number {
  return shape[0] * shape[1] * shape[2];
}

/**
 * Builds an ImageSet after checking that the arrays agree with the shape: every consumer indexes
 * `images` by `count * imageSize(shape)`, so a mismatch here would surface far away.
 */
export function createImageSet<T extends PixelArray>(fields: ImageSet<T>): ImageSet<T> {
  const { name, count, shape, images, labels, range } = fields;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `${name}: count must be a non-negative integer; received ${count}`);
  }
  if (shape.length !== 3 || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `${name}: shape must be [channels, height, width] of positive integers; received [${shape.join(', ')}]`);
  }
  if (images.length !== count * imageSize(shape)) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `${name}: images has ${images.length} values but ${count} images of shape [${shape.join(', ')}] need ${count * imageSize(shape)}`);
  }
  if (labels !== null && labels.length !== count) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `${name}: labels has ${labels.length} entries for ${count} images`);
  }
  if (!(Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[0] < range[1])) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `${name}: range must be [min, max] with finite min < max; received [${range.join(', ')}]`);
  }
  return Object.freeze({ name, count, shape: Object.freeze([...shape]) as ImageShape, images, labels, range: Object.freeze([...range]) as ValueRange });
}

/**
 * Images [from, to) of a set, sharing its memory. `part` names the result "<name> (<part>)"; without it the
 * name records the range. The whole set with no part is returned as it is.
 */
export function sliceImages(set: ImageSet, from: number, to: number, part?: string): ImageSet {
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && 0 <= from && from <= to && to <= set.count)) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `${set.name}: images [${from}, ${to}) are not a range of its ${set.count} images`);
  }
  if (from === 0 && to === set.count && part === undefined) return set;
  const size = imageSize(set.shape);
  return createImageSet({
    ...set,
    name: part === undefined ? `${set.name}[${from}:${to}]` : `${set.name} (${part})`,
    count: to - from,
    images: set.images.subarray(from * size, to * size),
    labels: set.labels?.subarray(from, to) ?? null,
  });
}
