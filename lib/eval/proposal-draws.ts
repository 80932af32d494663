/**
 * Fresh draws from a diagonal Gaussian proposal, K per datapoint, evaluated under the model in chunks of
 * samples so that memory stays bounded for K in the thousands: the largest buffers hold B * chunkSize rows
 * of z (d values each) and of per-sample numbers, never B * K * D values.
 */
import { LpcError, invalidArgument, shapeMismatch } from '../errors.js';
import { Rng } from '../native/rng.js';
import { checkInteger, type OptionKeys } from '../checks.js';
import { checkProposal, HALF_LOG_2PI, type GaussianProposal } from './proposal.js';

/**
 * What importance sampling needs of a model: -log p(x|z) for K chains per datapoint (row b*K + k), with every
 * normalising constant of the likelihood. EnergyModel implements it.
 */
export interface LikelihoodFunction {
  readonly latentDim: number;
  readonly dataSize: number;
  negLogLikelihood(x: Float32Array, batch: number, z: Float32Array): Promise<Float32Array>;
}

/** Rows (datapoints times samples) per model call when no chunk size is given. */
export const DEFAULT_CHUNK_ROWS = 4096;

/** How many samples to draw and how to split them. */
export interface DrawOptions {
  /** K, samples per datapoint. */
  samples: number;
  /**
   * Samples per datapoint in one model call (default: the largest multiple of 4 with batch * chunkSize <=
   * DEFAULT_CHUNK_ROWS, at least 1). For the same generator state, every chunk size that is a multiple of 4
   * sees the same draws (normals are drawn sample-major in whole Philox blocks of 4).
   */
  chunkSize?: number;
  /** The generator of the draws (advanced). */
  rng: Rng;
}

/** Every key of DrawOptions (a misspelt option is refused, not ignored). */
export const DRAW_OPTION_KEYS = { samples: true, chunkSize: true, rng: true } satisfies OptionKeys<DrawOptions>;

/** One chunk of draws: samples first .. first + size - 1 of every datapoint. */
export interface ProposalChunk {
  readonly first: number;
  readonly size: number;
  /** The draws, [B * size, d], row b * size + k. Reused by the next chunk: copy to keep. */
  readonly z: Float32Array;
  /** log N(z; 0, I) - log q(z | x) per row, [B * size], float64. Reused by the next chunk. */
  readonly logPriorRatio: Float64Array;
  /** -log p(x | z) per row, [B * size]. */
  readonly nll: Float32Array;
}

/** The chunk size `options` asks for, checked, or the default for `batch` datapoints. */
function resolveChunkSize(options: DrawOptions, batch: number): number {
  const samples = checkInteger('samples', options.samples, 1, 2 ** 31 - 1);
  if (options.chunkSize !== undefined) return Math.min(checkInteger('chunkSize', options.chunkSize, 1, 2 ** 31 - 1), samples);
  const fit = Math.floor(DEFAULT_CHUNK_ROWS / batch);
  return Math.max(1, Math.min(samples, fit >= 4 ? fit - (fit % 4) : fit));
}

/**
 * Draws options.samples values z = mean + sigma * eps for each datapoint of x ([batch, dataSize]) in chunks,
 * evaluates -log p(x|z) for each chunk in one model call, and hands every chunk to `visit` in order.
 *
 * log q is computed from eps (-|eps|^2 / 2 - sum log sigma - (d/2) log 2 pi) rather than from z - mean, so it
 * carries no cancellation error; the prior is log N(z; 0, I) with its -(d/2) log 2 pi.
 */
export async function forEachProposalChunk(
  model: LikelihoodFunction,
  x: Float32Array,
  batch: number,
  proposal: GaussianProposal,
  options: DrawOptions,
  visit: (chunk: ProposalChunk) => void,
): Promise<void> {
  const d = model.latentDim;
  checkInteger('batch', batch, 1, 2 ** 31 - 1);
  if (!(x instanceof Float32Array) || x.length !== batch * model.dataSize) {
    shapeMismatch('x', `a Float32Array of batch * ${model.dataSize} = ${batch * model.dataSize} values`, x);
  }
  if (typeof options !== 'object' || options === null) invalidArgument('options', '{ samples, chunkSize?, rng }', options);
  if (!(options.rng instanceof Rng)) invalidArgument('options.rng', 'an Rng (the native generator of the draws)', options.rng);
  const { mean, logSigma } = checkProposal(proposal, batch, d);
  const chunk = resolveChunkSize(options, batch);
  if (batch * chunk * d > 2 ** 31 - 1) shapeMismatch('batch * chunkSize * d', 'at most 2^31 - 1 values', batch * chunk * d);
  const sigma = Float64Array.from(logSigma, Math.exp);
  const logNormaliser = new Float64Array(batch); // sum_j log sigma_bj + (d/2) log 2 pi
  for (let b = 0; b < batch; b++) {
    let s = d * HALF_LOG_2PI;
    for (let j = 0; j < d; j++) s += logSigma[b * d + j];
    logNormaliser[b] = s;
  }
  const eps = new Float32Array(batch * chunk * d);
  const zAll = new Float32Array(batch * chunk * d);
  const ratioAll = new Float64Array(batch * chunk);
  for (let first = 0; first < options.samples; first += chunk) {
    const size = Math.min(chunk, options.samples - first);
    const e = eps.subarray(0, batch * size * d);
    const z = zAll.subarray(0, batch * size * d);
    const logPriorRatio = ratioAll.subarray(0, batch * size);
    options.rng.normal(e);
    for (let k = 0; k < size; k++) {
      for (let b = 0; b < batch; b++) {
        const src = (k * batch + b) * d; // eps is sample-major, so the stream does not depend on the chunking
        const row = b * size + k;
        let ee = 0;
        let zz = 0;
        for (let j = 0; j < d; j++) {
          const ej = e[src + j];
          const zj = Math.fround(mean[b * d + j] + sigma[b * d + j] * ej);
          z[row * d + j] = zj;
          ee += ej * ej;
          zz += zj * zj;
        }
        const logPrior = -0.5 * zz - d * HALF_LOG_2PI;
        const logQ = -0.5 * ee - logNormaliser[b];
        logPriorRatio[row] = logPrior - logQ;
      }
    }
    const nll = await model.negLogLikelihood(x, batch, z);
    if (!(nll instanceof Float32Array) || nll.length !== batch * size) {
      throw new LpcError('LPC_SHAPE_MISMATCH', `negLogLikelihood returned ${nll?.length} values for ${batch * size} chains`);
    }
    visit({ first, size, z, logPriorRatio, nll });
  }
}
