/**
 * The Fashion-MNIST fixture committed under test/fixtures/fashion-mnist: the first 500 training and the first
 * 500 test images with their labels, cut from the Debian package dataset-fashion-mnist by
 * scripts/make-fashion-mnist-fixture.py and kept in the dataset's own format (gzipped IDX). Tests that need
 * Fashion-MNIST images use it, so `npm test` needs no data set installed.
 */
import path from 'node:path';
import { loadFashionMnist } from '../../lib/data/fashion-mnist.js';
import type { Dataset } from '../../lib/data/image-set.js';

/** The fixture's folder. */
export const FASHION_MNIST_FIXTURE_DIR = path.join(import.meta.dirname, '..', 'fixtures', 'fashion-mnist');

/** Images in each of the fixture's splits. */
export const FASHION_MNIST_FIXTURE_IMAGES = 500;

let cached: Dataset<Uint8Array> | null = null;

/** The fixture as loadFashionMnist reads it (loaded once per test file). */
export function fashionMnistFixture(): Dataset<Uint8Array> {
  cached ??= loadFashionMnist({ directory: FASHION_MNIST_FIXTURE_DIR });
  return cached;
}
