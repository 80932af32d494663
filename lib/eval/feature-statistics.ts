/**
 * The Gaussian summary of a set of feature vectors: their mean and covariance, in float64.
 *
 * Two passes (mean first, then the centred cross-products) rather than one pass of sums and sums of
 * squares: features of a ReLU network have means large against their spread in some coordinates, and the
 * one-pass formula E[xx^T] - mu mu^T loses those digits to cancellation.
 */
import { invalidArgument, LpcError } from '../errors.js';

/** Mean and covariance of `count` feature vectors of length `dim`. */
export interface FeatureStatistics {
  readonly count: number;
  readonly dim: number;
  readonly mean: Float64Array;
  /** Row-major dim x dim, with the unbiased 1 / (count - 1) normalisation (as numpy.cov and pytorch-fid). */
  readonly covariance: Float64Array;
}

/**
 * Mean and covariance of the rows of `features`, a row-major [count, dim] array.
 *
 * @example
 * const stats = featureStatistics(Float32Array.of(0, 1, 2, 3, 4, 5), 2); // 3 vectors of length 2
 * stats.mean;       // [2, 3]
 * stats.covariance; // [4, 4, 4, 4]
 */
export function featureStatistics(features: Float32Array | Float64Array, dim: number): FeatureStatistics {
  if (!Number.isSafeInteger(dim) || dim < 1) invalidArgument('dim', 'a positive integer', dim);
  if (!(features instanceof Float32Array || features instanceof Float64Array)) invalidArgument('features', 'a Float32Array or Float64Array', features);
  if (features.length % dim !== 0) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `features has ${features.length} values, not a whole number of vectors of length ${dim}`);
  }
  const count = features.length / dim;
  if (count < 2) throw new LpcError('LPC_INVALID_ARGUMENT', `a covariance needs at least 2 feature vectors; received ${count}`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let a = 0; a < dim; a++) {
      const x = features[i * dim + a];
      if (!Number.isFinite(x)) throw new LpcError('LPC_INVALID_ARGUMENT', `features has a non-finite value ${x} in vector ${i}, coordinate ${a}`);
      mean[a] += x;
    }
  }
  for (let a = 0; a < dim; a++) mean[a] /= count;

  const covariance = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let a = 0; a < dim; a++) centred[a] = features[i * dim + a] - mean[a];
    // Upper triangle only; mirrored below.
    for (let a = 0; a < dim; a++) {
      const ca = centred[a];
      if (ca === 0) continue;
      const row = a * dim;
      for (let b = a; b < dim; b++) covariance[row + b] += ca * centred[b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const c = covariance[a * dim + b] / (count - 1);
      covariance[a * dim + b] = c;
      covariance[b * dim + a] = c;
    }
  }
  return { count, dim, mean, covariance };
}
