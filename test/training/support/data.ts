/** Small MNIST subsets for the training tests (the first n images of a split: classes interleaved). */
import { createImageSet, type ImageSet } from '../../../lib/data/image-set.js';
import { loadMnist } from '../../../lib/data/mnist.js';

/** The first n images of a set, sharing its memory. */
export function firstImages(set: ImageSet, n: number): ImageSet {
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  return createImageSet({ ...set, name: `${set.name}[0:${n}]`, count: n, images: set.images.subarray(0, n * size), labels: set.labels?.subarray(0, n) ?? null });
}

let cached: ReturnType<typeof loadMnist> | null = null;

/** MNIST (8,000 train / 2,000 test), loaded once per test file. */
export function mnist(): ReturnType<typeof loadMnist> {
  cached ??= loadMnist();
  return cached;
}
