/**
 * Datasets: images as one NCHW typed array per split, loaders for MNIST, Fashion-MNIST, IDX, NPY and
 * PNG folders, scaling, binarisation and minibatches. All randomness comes from a RandomSource.
 *
 * @module data
 */
export {
  BYTE_RANGE,
  createImageSet,
  sliceImages,
  type Dataset,
  type ImageSet,
  type ImageShape,
  imageSize,
  type LabelArray,
  type PixelArray,
  SYMMETRIC_RANGE,
  UNIT_RANGE,
  type ValueRange,
} from './image-set.js';
export type { RandomSource } from './random-source.js';
export type { Dtype, DtypeArrays, NdArray } from './nd-array.js';
export { DEFAULT_MAX_BYTES, type ReadArrayOptions } from './file-bytes.js';
export { decodeIdx, encodeIdx, readIdx, writeIdx } from './idx.js';
export { decodeNpy, encodeNpy, type NpyDtype, readNpy, writeNpy } from './npy.js';
export { type ImageLayout, nhwcToNchw } from './layout.js';
export { imageSetFromArray, type ImageSetFromArrayOptions } from './from-array.js';
export { type PngReadOptions, readPngFiles, readPngFolder, writePngFolder } from './png-folder.js';
export { loadImages, type LoadImagesOptions } from './load-images.js';
export { loadMnist, locateMnistPackage, type MnistOptions } from './mnist.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, FASHION_MNIST_DIR_ENV, type FashionMnistOptions, fashionMnistDirectory, loadFashionMnist } from './fashion-mnist.js';
export { NAMED_VALIDATION_IMAGES, splitValidation, validationCount, type ValidationSplit } from './validation-split.js';
export { scaleImages, scaleInto } from './scale.js';
export { binarize, binarizeImages } from './binarize.js';
export { type Minibatch, MinibatchLoader, type MinibatchOptions } from './minibatches.js';
export { type BatchShape, imageGridPng, type ImageGridOptions, writeImageGrid } from './image-grid.js';
