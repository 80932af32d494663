/**
 * The validated study's data for one dataset: the first 50,000 training images (grey values; the trainers
 * binarise each minibatch afresh), the last 10,000 as validation, and the test set, each evaluation copy
 * binarised once with its own fixed seed.
 */
import { binarizeImages, createImageSet, loadFashionMnist, loadMnist, Rng, splitValidation } from '../../../dist/index.js';
import { BATCH, DATA_SEEDS, TEST_IMAGES, TINY, UPDATES_PER_EPOCH, VALIDATION_IMAGES } from './config.mjs';

/** The first `count` images of a set (views, no copy). */
export function firstImages(set, count) {
  const size = set.images.length / set.count;
  return createImageSet({ ...set, name: `${set.name}[0:${count}]`, count, images: set.images.subarray(0, count * size), labels: set.labels?.subarray(0, count) ?? null });
}

function binarized(set, seed) {
  const rng = new Rng({ seed });
  try {
    return binarizeImages(set, rng);
  } finally {
    rng.dispose();
  }
}

/** { train, validation (binarised), test (binarised, all 10,000) } of 'mnist' or 'fashion-mnist'. */
export function studyData(name) {
  const dataset = name === 'mnist' ? loadMnist() : loadFashionMnist();
  const { train, validation } = splitValidation(dataset.train);
  return {
    train: TINY ? firstImages(train, UPDATES_PER_EPOCH * BATCH) : train,
    validation: binarized(firstImages(validation, TINY ? VALIDATION_IMAGES : validation.count), DATA_SEEDS.validation),
    test: binarized(TINY ? firstImages(dataset.test, TEST_IMAGES) : dataset.test, DATA_SEEDS.test),
  };
}
