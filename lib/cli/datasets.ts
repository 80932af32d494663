/**
 * The datasets `train` and `eval` name (--dataset mnist | fashion-mnist | PATH) with their train/test splits,
 * the fixed test images evaluation scores, and a digest that tells whether two runs saw the same images.
 *
 * A PATH (a folder of PNGs, a .png, .npy or IDX file) has no split of its own: its last tenth (at least one
 * image) is held out as the test split, in file order.
 */
import { createHash } from 'node:crypto';
import { binarizeImages } from '../data/binarize.js';
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { createImageSet, imageSize, type ImageSet } from '../data/image-set.js';
import { loadImages } from '../data/load-images.js';
import { loadMnist } from '../data/mnist.js';
import { LpcError } from '../errors.js';
import type { FeatureDataset } from '../eval/shipped-classifiers.js';
import { Rng } from '../native/rng.js';
import { PhiloxSource } from '../training/random-streams.js';

/** The datasets known by name. */
export const NAMED_DATASETS = ['mnist', 'fashion-mnist'] as const;

/**
 * Seed of the one binarised copy of a test split that every evaluation scores (DESIGN.md §2, Units): the same
 * copy in every run and in `eval`, so their NLLs compare. Uniforms are drawn image after image, so the copy of
 * the first n test images is a prefix of the copy of the first m > n.
 */
export const TEST_BINARIZATION_SEED = 0x7465_7374n;

/** A dataset as the commands use it. */
export interface CliDataset {
  /** 'mnist', 'fashion-mnist', or the absolute path the images came from. */
  readonly name: string;
  readonly train: ImageSet;
  readonly test: ImageSet;
  /** The shipped feature classifier that judges its images (Fréchet distance), or null when there is none. */
  readonly featureDataset: FeatureDataset | null;
}

/**
 * Loads --dataset: a name from NAMED_DATASETS or a path. A path that does not exist is LPC_NOT_FOUND naming
 * the flag.
 *
 * @example
 * const { train, test } = loadCliDataset('mnist');
 */
export function loadCliDataset(value: string, flag = '--dataset'): CliDataset {
  if (value === 'mnist') return { name: value, ...splits(loadMnist()), featureDataset: 'mnist' };
  if (value === 'fashion-mnist') return { name: value, ...splits(loadFashionMnist()), featureDataset: 'fashion-mnist' };
  let images: ImageSet;
  try {
    images = loadImages(value);
  } catch (error) {
    if (error instanceof LpcError && error.code === 'LPC_NOT_FOUND') {
      throw new LpcError('LPC_NOT_FOUND', `${flag} ${JSON.stringify(value)} is neither ${NAMED_DATASETS.join(' nor ')} nor an existing folder of PNGs, .png, .npy or IDX file`, { cause: error });
    }
    throw error;
  }
  if (images.count < 2) throw new LpcError('LPC_INVALID_ARGUMENT', `${flag} ${value} holds ${images.count} image(s); at least 2 are needed (the last tenth is held out for testing)`);
  const held = Math.max(1, Math.round(images.count / 10));
  return { name: value, train: slice(images, 0, images.count - held, 'train'), test: slice(images, images.count - held, images.count, 'test'), featureDataset: null };
}

function splits(d: { train: ImageSet; test: ImageSet }): { train: ImageSet; test: ImageSet } {
  return { train: d.train, test: d.test };
}

/** Images [from, to) of a set, sharing its memory. */
export function slice(set: ImageSet, from: number, to: number, part?: string): ImageSet {
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

/**
 * The first `count` images of a test split (all of them when it has fewer), as evaluation scores them: with
 * `binarize`, the fixed-seed binarised copy (TEST_BINARIZATION_SEED), so the Bernoulli NLL is a proper one.
 */
export function testImages(test: ImageSet, count: number, binarize: boolean): ImageSet {
  const first = slice(test, 0, Math.min(count, test.count));
  if (!binarize) return first;
  const rng = new Rng({ seed: TEST_BINARIZATION_SEED });
  try {
    return binarizeImages(first, new PhiloxSource(rng));
  } finally {
    rng.dispose();
  }
}

/** SHA-256 (hex) of a set's shape, value range and pixels: equal digests mean the same images in the same order. */
export function imagesDigest(set: ImageSet): string {
  const hash = createHash('sha256');
  hash.update(`${set.shape.join('x')} ${set.range.join(',')} ${set.images.constructor.name}\n`);
  hash.update(new Uint8Array(set.images.buffer, set.images.byteOffset, set.images.byteLength));
  return hash.digest('hex');
}

/** SHA-256 (hex) of bytes. */
export function bytesDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
