/**
 * The Fréchet distance between two Gaussians N(mu1, S1) and N(mu2, S2) (the squared 2-Wasserstein
 * distance between them):
 *
 *   d^2 = ||mu1 - mu2||^2 + Tr(S1) + Tr(S2) - 2 Tr((S1^{1/2} S2 S1^{1/2})^{1/2})
 *
 * The last trace equals Tr((S1 S2)^{1/2}) of the usual statement, but S1^{1/2} S2 S1^{1/2} is symmetric
 * PSD, so both square roots come from symmetric eigen-decompositions in float64 (no complex parts to
 * discard, as a general matrix square root of S1 S2 produces). Eigenvalues that rounding pushed slightly
 * below zero are clamped to zero and counted (see sqrtPsd); S1 and S2 may be singular, as covariances of
 * ReLU features with dead units are.
 */
import { invalidArgument, LpcError } from '../errors.js';
import { clampedRoots, multiply, sqrtPsd, symmetricEigen } from './symmetric-eigen.js';

/** A Gaussian by its moments: a mean of length d and a row-major d x d covariance. FeatureStatistics is one. */
export interface GaussianMoments {
  readonly mean: Float64Array;
  readonly covariance: Float64Array;
}

/** The distance and its two parts. */
export interface FrechetParts {
  /** ||mu1 - mu2||^2 + covarianceTerm. */
  readonly distance: number;
  /** ||mu1 - mu2||^2. */
  readonly meanTerm: number;
  /** Tr(S1) + Tr(S2) - 2 Tr((S1^{1/2} S2 S1^{1/2})^{1/2}), at least 0. */
  readonly covarianceTerm: number;
  /** Eigenvalues clamped from rounding-level negatives to zero, over both decompositions. */
  readonly clamped: number;
}

/**
 * The Fréchet distance between Gaussians with the given moments (see the file comment).
 *
 * @example
 * const a = featureStatistics(realFeatures, 128);
 * const b = featureStatistics(generatedFeatures, 128);
 * frechetDistanceOfMoments(a, b).distance;
 */
export function frechetDistanceOfMoments(first: GaussianMoments, second: GaussianMoments): FrechetParts {
  const d = checkMoments('first', first);
  if (checkMoments('second', second) !== d) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `the two Gaussians have dimensions ${d} and ${second.mean.length}; features must come from the same network`);
  }
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (first.mean[i] - second.mean[i]) ** 2;

  const root1 = sqrtPsd(first.covariance, d, 'the first covariance');
  const second2 = symmetricEigen(second.covariance, d, 'the second covariance');
  // Only checks that S2 is PSD (the roots themselves are not needed).
  const clampedSecond = clampedRoots(second2.values, 'the second covariance').clamped;
  const inner = multiply(multiply(root1.sqrt, second.covariance, d), root1.sqrt, d);
  const innerRoots = clampedRoots(symmetricEigen(inner, d, 'S1^(1/2) S2 S1^(1/2)').values, 'S1^(1/2) S2 S1^(1/2)');
  let traceRoot = 0;
  for (const r of innerRoots.values) traceRoot += r;
  let traces = 0;
  for (let i = 0; i < d; i++) traces += first.covariance[i * d + i] + second.covariance[i * d + i];
  // Exactly >= 0 (it is a squared Wasserstein distance between the zero-mean Gaussians); rounding of
  // identical inputs can leave ~1e-13 Tr below zero, which is reported as 0.
  const covarianceTerm = Math.max(0, traces - 2 * traceRoot);
  return { distance: meanTerm + covarianceTerm, meanTerm, covarianceTerm, clamped: root1.clamped + clampedSecond + innerRoots.clamped };
}

function checkMoments(name: string, g: GaussianMoments): number {
  if (typeof g !== 'object' || g === null) invalidArgument(name, 'an object with mean and covariance', g);
  if (!(g.mean instanceof Float64Array) || g.mean.length === 0) invalidArgument(`${name}.mean`, 'a non-empty Float64Array', g.mean);
  const d = g.mean.length;
  if (!(g.covariance instanceof Float64Array) || g.covariance.length !== d * d) {
    throw new LpcError(
      'LPC_SHAPE_MISMATCH',
      `${name}.covariance must be a Float64Array of ${d} x ${d} = ${d * d} values for a mean of length ${d}; received ${g.covariance instanceof Float64Array ? g.covariance.length : typeof g.covariance} values`,
    );
  }
  for (let i = 0; i < d; i++) if (!Number.isFinite(g.mean[i])) throw new LpcError('LPC_INVALID_ARGUMENT', `${name}.mean has a non-finite value ${g.mean[i]} at ${i}`);
  const c = g.covariance;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      // Covariances computed in float64 are symmetric to rounding; 1e-9 relative is far beyond that.
      if (Math.abs(c[i * d + j] - c[j * d + i]) > 1e-9 * (Math.abs(c[i * d + j]) + Math.abs(c[j * d + i]))) {
        throw new LpcError('LPC_INVALID_ARGUMENT', `${name}.covariance is not symmetric: entries (${i}, ${j}) and (${j}, ${i}) are ${c[i * d + j]} and ${c[j * d + i]}`);
      }
    }
  }
  return d;
}
