/**
 * Facts of a labelled image set that data tests compare with numbers computed elsewhere (numpy, published
 * counts): images per class and exact integer pixel sums.
 */
import type { ImageSet } from '../../lib/data/image-set.js';

/** Images per class 0..classes-1. */
export function classCounts(labels: ArrayLike<number>, classes = 10): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

/** The sum and the sum of squares of the pixel values (exact in float64 for byte images below 2^53). */
export function pixelSums(set: ImageSet): { sum: number; sumOfSquares: number } {
  let sum = 0;
  let sumOfSquares = 0;
  for (const v of set.images) {
    sum += v;
    sumOfSquares += v * v;
  }
  return { sum, sumOfSquares };
}
