/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) from the IDX files that the Debian package
 * dataset-fashion-mnist installs: 60,000 training and 10,000 test images of 28x28 grey values.
 */
import type { ReadArrayOptions } from './file-bytes.js';
import type { Dataset } from './image-set.js';
import { loadIdxDataset } from './idx-dataset.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** Where the Debian package dataset-fashion-mnist puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Environment variable that, when set, replaces FASHION_MNIST_DIR as the default folder. */
export const FASHION_MNIST_DIR_ENV = 'LPC_FASHION_MNIST_DIR';

/** Label i's name, in the order of the label values. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);

/** Where loadFashionMnist finds the files, and the IDX size limit. */
export interface FashionMnistOptions extends ReadArrayOptions {
  /** Folder holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (default: $LPC_FASHION_MNIST_DIR, else FASHION_MNIST_DIR). */
  directory?: string;
}

/** Every key of FashionMnistOptions (a misspelt option is refused, not ignored). */
const FASHION_MNIST_KEYS = { directory: true, maxBytes: true } satisfies OptionKeys<FashionMnistOptions>;

const INSTALL_HINT =
  'Install the Debian package dataset-fashion-mnist (apt-get update && apt-get install -y dataset-fashion-mnist), ' +
  `set ${FASHION_MNIST_DIR_ENV}, or pass { directory } pointing at a folder with the four IDX files`;

/** The folder loadFashionMnist reads when no directory is given. */
export function fashionMnistDirectory(): string {
  const fromEnv = process.env[FASHION_MNIST_DIR_ENV];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : FASHION_MNIST_DIR;
}

/**
 * Loads both splits as raw bytes in [0, 255], shape [1, 28, 28], labels 0..9.
 *
 * @example
 * const fashion = loadFashionMnist();
 * fashion.train.count;   // 60000
 * const x = scaleImages(fashion.test, UNIT_RANGE); // Float32Array values in [0, 1]
 */
export function loadFashionMnist(options: FashionMnistOptions = {}): Dataset<Uint8Array> {
  checkKnownKeys(options, FASHION_MNIST_KEYS, 'loadFashionMnist');
  const directory = options.directory ?? fashionMnistDirectory();
  return loadIdxDataset({ name: 'fashion-mnist', directory, classNames: FASHION_MNIST_CLASSES, installHint: INSTALL_HINT }, { maxBytes: options.maxBytes });
}
