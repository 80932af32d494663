/**
 * The datasets `train` and `eval` name (--dataset mnist | fashion-mnist | PATH) with their splits, the fixed
 * images evaluation scores, and a digest that tells whether two runs saw the same images.
 *
 * A PATH (a folder of PNGs, a .png, .npy or IDX file) has no split of its own: its last tenth (at least one
 * image) is held out as the test split, in file order. With validation, the training split's validation part
 * (lib/data/validation-split.ts: the last 10,000 of MNIST's and Fashion-MNIST's, the last tenth of a path's
 * training part) is held out too, and training sees the rest.
 */
import { createHash } from 'node:crypto';
import { binarizeImages } from '../data/binarize.js';
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { type ImageSet, sliceImages } from '../data/image-set.js';
import { loadImages } from '../data/load-images.js';
import { loadMnist } from '../data/mnist.js';
import { splitValidation } from '../data/validation-split.js';
import { LpcError } from '../errors.js';
import type { FeatureDataset } from '../eval/shipped-classifiers.js';
import { Rng } from '../native/rng.js';

/** The datasets known by name. */
export const NAMED_DATASETS = ['mnist', 'fashion-mnist'] as const;

/** The splits evaluation can score. */
export const EVALUATION_SPLITS = ['validation', 'test'] as const;
export type EvaluationSplit = (typeof EVALUATION_SPLITS)[number];

/**
 * Seed of the one binarised copy of a validation or test split that every evaluation scores (docs: Units):
 * the same copy in every run and in `eval`, so their NLLs compare. Uniforms are drawn image after image, so the
 * copy of the first n images is a prefix of the copy of the first m > n.
 */
const EVALUATION_BINARIZATION_SEED = 0x7465_7374n;

/** A dataset as the commands use it. */
export interface CliDataset {
  /** 'mnist', 'fashion-mnist', or the path the images came from. */
  readonly name: string;
  /** The images training may use: the whole training split, or what validation leaves of it. */
  readonly train: ImageSet;
  /** The held-out validation images, or null when none were held out. */
  readonly validation: ImageSet | null;
  readonly test: ImageSet;
  /** The shipped feature classifier that judges its images (Fréchet distance), or null when there is none. */
  readonly featureDataset: FeatureDataset | null;
}

/** How loadCliDataset reads a dataset. */
export interface CliDatasetOptions {
  /** Hold out the validation part of the training split. Default false. */
  validation?: boolean;
  /** The flag named in messages. Default '--dataset'. */
  flag?: string;
}

/**
 * Loads --dataset: a name from NAMED_DATASETS or a path. A path that does not exist is LPC_NOT_FOUND naming
 * the flag.
 *
 * @example
 * const { train, validation, test } = loadCliDataset('mnist', { validation: true }); // 50,000 / 10,000 / 10,000
 */
export function loadCliDataset(value: string, options: CliDatasetOptions = {}): CliDataset {
  const flag = options.flag ?? '--dataset';
  const { train, test, featureDataset } = loadSplits(value, flag);
  if (options.validation !== true) return { name: value, train, validation: null, test, featureDataset };
  const held = splitValidation(train);
  return { name: value, train: held.train, validation: held.validation, test, featureDataset };
}

function loadSplits(value: string, flag: string): { train: ImageSet; test: ImageSet; featureDataset: FeatureDataset | null } {
  if (value === 'mnist' || value === 'fashion-mnist') {
    const d = value === 'mnist' ? loadMnist() : loadFashionMnist();
    return { train: d.train, test: d.test, featureDataset: value };
  }
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
  return { train: sliceImages(images, 0, images.count - held, 'train'), test: sliceImages(images, images.count - held, images.count, 'test'), featureDataset: null };
}

/** The split `split` of a dataset; LPC_INVALID_ARGUMENT naming the flag when validation was not held out. */
export function evaluationSplit(dataset: CliDataset, split: EvaluationSplit, flag = '--split'): ImageSet {
  if (split === 'test') return dataset.test;
  if (dataset.validation === null) throw new LpcError('LPC_INVALID_ARGUMENT', `${flag} validation: ${dataset.name} was loaded without a validation split`);
  return dataset.validation;
}

/**
 * The first `count` images of a validation or test split (all of them when it has fewer), as evaluation scores
 * them: with `binarize`, the fixed-seed binarised copy (EVALUATION_BINARIZATION_SEED), so the Bernoulli NLL is
 * a proper one.
 */
export function evaluationImages(split: ImageSet, count: number, binarize: boolean): ImageSet {
  const first = sliceImages(split, 0, Math.min(count, split.count));
  if (!binarize) return first;
  using rng = new Rng({ seed: EVALUATION_BINARIZATION_SEED });
  return binarizeImages(first, rng);
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
