/**
 * Datasets: images as one NCHW typed array per split, loaders for MNIST, Fashion-MNIST, IDX, NPY and
 * PNG folders, scaling, binarisation and minibatches. All randomness comes from a RandomSource.
 */
export { BYTE_RANGE, createImageSet, type Dataset, type ImageSet, type ImageShape, imageSize, type LabelArray, type PixelArray, SYMMETRIC_RANGE, UNIT_RANGE, type ValueRange } from './image-set.js';
export type { RandomSource } from './random-source.js';
export type { Dtype, DtypeArrays, NdArray } from './nd-array.js';
export { DEFAULT_MAX_BYTES, type ReadArrayOptions } from './file-bytes.js';
export { decodeIdx, encodeIdx, readIdx, writeIdx } from './idx.js';
export { decodeNpy, encodeNpy, type NpyDtype, readNpy, writeNpy } from './npy.js';
export { type ImageLayout, nhwcToNchw } from './layout.js';
export { imageSetFromArray, type ImageSetFromArrayOptions } from './from-array.js';
export { type PngReadOptions, readPngFiles, readPngFolder, writePngFolder } from './png-folder.js';
export { loadImages, type LoadImagesOptions } from './load-images.js';
export { loadMnist, locateMnistPackage, MNIST_TRAIN_FRACTION, type MnistOptions } from './mnist.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, type FashionMnistOptions, loadFashionMnist } from './fashion-mnist.js';
export { scaleImages, scaleInto } from './scale.js';
export { binarize, binarizeImages } from './binarize.js';
export { type Minibatch, MinibatchLoader, type MinibatchOptions } from './minibatches.js';
