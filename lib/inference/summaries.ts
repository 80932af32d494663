/**
 * Per-datapoint summaries of samples laid out datapoint-major: [B*M, d] with rows b*M .. (b+1)*M - 1
 * belonging to datapoint b. Both LangevinResult.samples (M = K) and LangevinResult.kept (M = K*S) have
 * this layout, so the summaries need only B and d.
 */
import { shapeMismatch } from '../errors.js';
import { checkInteger } from '../checks.js';

/** A diagonal Gaussian per datapoint: mean and variance, [B, d] each. */
export interface DiagonalGaussian {
  readonly mean: Float32Array;
  readonly variance: Float32Array;
  /** M, the samples per datapoint it was fitted to. */
  readonly samplesPerDatapoint: number;
}

/**
 * The mean of each datapoint's samples, [B, d] (accumulated in float64).
 *
 * @example
 * const result = await sampler.run(x);
 * const zMean = posteriorMean(result.kept ?? result.samples, result.batch, result.latentDim); // [B, d]
 */
export function posteriorMean(samples: Float32Array, batch: number, latentDim: number): Float32Array {
  const m = samplesPerDatapoint(samples, batch, latentDim);
  const mean = new Float32Array(batch * latentDim);
  const acc = new Float64Array(latentDim);
  for (let b = 0; b < batch; b++) {
    sumRows(samples, b * m, m, latentDim, acc);
    for (let j = 0; j < latentDim; j++) mean[b * latentDim + j] = acc[j] / m;
  }
  return mean;
}

/**
 * Fits N(mean, diag(variance)) to each datapoint's samples: the sample mean and the unbiased sample
 * variance (divisor M - 1, so M >= 2), two-pass in float64. Importance-sampling proposals inflate this
 * variance by their own documented factor.
 *
 * @example
 * const fit = fitDiagonalGaussian(result.kept!, result.batch, result.latentDim);
 * fit.variance[b * d + j]; // variance of latent j for datapoint b
 */
export function fitDiagonalGaussian(samples: Float32Array, batch: number, latentDim: number): DiagonalGaussian {
  const m = samplesPerDatapoint(samples, batch, latentDim);
  if (m < 2) shapeMismatch('samples', `at least 2 samples per datapoint to fit a variance (batch = ${batch}, d = ${latentDim})`, samples);
  const mean = new Float32Array(batch * latentDim);
  const variance = new Float32Array(batch * latentDim);
  const mu = new Float64Array(latentDim);
  const sq = new Float64Array(latentDim);
  for (let b = 0; b < batch; b++) {
    sumRows(samples, b * m, m, latentDim, mu);
    for (let j = 0; j < latentDim; j++) mu[j] /= m;
    sq.fill(0);
    for (let r = b * m; r < (b + 1) * m; r++) {
      for (let j = 0; j < latentDim; j++) {
        const e = samples[r * latentDim + j] - mu[j];
        sq[j] += e * e;
      }
    }
    for (let j = 0; j < latentDim; j++) {
      mean[b * latentDim + j] = mu[j];
      variance[b * latentDim + j] = sq[j] / (m - 1);
    }
  }
  return { mean, variance, samplesPerDatapoint: m };
}

function samplesPerDatapoint(samples: Float32Array, batch: number, latentDim: number): number {
  checkInteger('batch', batch, 1, 2 ** 31 - 1);
  checkInteger('latentDim', latentDim, 1, 2 ** 31 - 1);
  if (!(samples instanceof Float32Array) || samples.length === 0 || samples.length % (batch * latentDim) !== 0) {
    shapeMismatch('samples', `a Float32Array of length batch*M*latentDim = ${batch}*M*${latentDim} with M >= 1`, samples);
  }
  return samples.length / (batch * latentDim);
}

function sumRows(samples: Float32Array, firstRow: number, rows: number, d: number, acc: Float64Array): void {
  acc.fill(0);
  for (let r = firstRow; r < firstRow + rows; r++) {
    for (let j = 0; j < d; j++) acc[j] += samples[r * d + j];
  }
}
