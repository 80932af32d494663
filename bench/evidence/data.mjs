/**
 * The evidence benchmark's data: the 60,000 Fashion-MNIST training images (grey values; the trainers binarise
 * each minibatch afresh) and the 10,000 test images binarised once with TEST_SEED, of which the first
 * TEST_SUBSET are the evaluation subset used during training.
 */
import { binarizeImages, createImageSet, loadFashionMnist, Rng } from '../../dist/index.js';
import { BATCH, FULL_TEST, TEST_SEED, TEST_SUBSET, TINY, UPDATES_PER_EPOCH } from './config.mjs';

/** The first `count` images of a set (views, no copy). */
export function firstImages(set, count) {
  const size = set.images.length / set.count;
  return createImageSet({ ...set, name: `${set.name}[0:${count}]`, count, images: set.images.subarray(0, count * size), labels: set.labels.subarray(0, count) });
}

/** { train (at tiny scale only its first epoch's worth), test (binarised, FULL_TEST images), subset (its first TEST_SUBSET) }. */
export function evidenceData() {
  const fashion = loadFashionMnist();
  const rng = new Rng({ seed: TEST_SEED });
  const test = binarizeImages(firstImages(fashion.test, FULL_TEST), rng);
  rng.dispose();
  const train = TINY ? firstImages(fashion.train, UPDATES_PER_EPOCH * BATCH) : fashion.train;
  return { train, test, subset: firstImages(test, TEST_SUBSET) };
}

/** Images per class in a set (to state that the subset is balanced). */
export function classCounts(set) {
  const counts = new Array(10).fill(0);
  for (const l of set.labels) counts[l]++;
  return counts;
}
