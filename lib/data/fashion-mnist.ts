/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) from the IDX files that the Debian package
 * dataset-fashion-mnist installs: 60,000 training and 10,000 test images of 28x28 grey values.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LpcError } from '../errors.js';
import { corruptData, type ReadArrayOptions } from './file-bytes.js';
import { readIdx } from './idx.js';
import { BYTE_RANGE, createImageSet, type Dataset, type ImageSet } from './image-set.js';

/** Where the Debian package dataset-fashion-mnist puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Label i's name, in the order of the label values. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);

/** Where loadFashionMnist finds the files, and the IDX size limit. */
export interface FashionMnistOptions extends ReadArrayOptions {
  /** Folder holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (default FASHION_MNIST_DIR). */
  directory?: string;
}

const INSTALL_HINT =
  'Install the Debian package dataset-fashion-mnist (apt-get update && apt-get install -y dataset-fashion-mnist), ' + 'or pass { directory } pointing at a folder with the four IDX files';

/**
 * Loads both splits as raw bytes in [0, 255], shape [1, 28, 28], labels 0..9.
 *
 * @example
 * const fashion = loadFashionMnist();
 * fashion.train.count;   // 60000
 * const x = scaleImages(fashion.test, UNIT_RANGE); // Float32Array values in [0, 1]
 */
export function loadFashionMnist(options: FashionMnistOptions = {}): Dataset<Uint8Array> {
  const directory = options.directory ?? FASHION_MNIST_DIR;
  return {
    name: 'fashion-mnist',
    train: loadSplit(directory, 'train', options),
    test: loadSplit(directory, 't10k', options),
    classNames: FASHION_MNIST_CLASSES,
  };
}

function loadSplit(directory: string, prefix: 'train' | 't10k', options: ReadArrayOptions): ImageSet<Uint8Array> {
  const imagesFile = locate(directory, `${prefix}-images-idx3-ubyte`);
  const labelsFile = locate(directory, `${prefix}-labels-idx1-ubyte`);
  const images = readIdx(imagesFile, options);
  const labels = readIdx(labelsFile, options);
  if (images.dtype !== 'uint8' || images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw corruptData(imagesFile, `expected uint8 images of shape [n, 28, 28]; found ${images.dtype} [${images.shape.join(', ')}]`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw corruptData(labelsFile, `expected ${images.shape[0]} uint8 labels; found ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  const labelValues = labels.data as Uint8Array;
  const bad = labelValues.findIndex((v) => v >= FASHION_MNIST_CLASSES.length);
  if (bad >= 0) throw corruptData(labelsFile, `label ${labelValues[bad]} at index ${bad} is not a class 0..9`);
  return createImageSet({
    name: `fashion-mnist/${prefix === 'train' ? 'train' : 'test'}`,
    count: images.shape[0],
    shape: [1, 28, 28],
    images: images.data as Uint8Array,
    labels: labelValues,
    range: BYTE_RANGE,
  });
}

/** The gzipped file as distributed, or the same name already gunzipped. */
function locate(directory: string, base: string): string {
  const gz = path.join(directory, `${base}.gz`);
  if (existsSync(gz)) return gz;
  const plain = path.join(directory, base);
  if (existsSync(plain)) return plain;
  throw new LpcError('LPC_NOT_FOUND', `Fashion-MNIST file ${gz} does not exist. ${INSTALL_HINT}`);
}
