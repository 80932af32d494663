/**
 * The importance-sampled log-likelihood (equivalently the IWAE-K bound, Burda et al. 2016) of each datapoint:
 *
 *   log p^(x) = log (1/K) sum_k w_k,   log w_k = log p(x|z_k) + log N(z_k; 0, I) - log q(z_k|x),  z_k ~ q(.|x)
 *
 * in nats, with fresh draws, chunked over K; each chunk's row log-sum-exp runs in the native addon in float64
 * and chunks are combined here with a float64 log-add-exp, so the result does not depend on the chunking.
 */
import { LpcError } from '../errors.js';
import { logSumExpRows } from '../native/reductions.js';
import { DRAW_OPTION_KEYS, forEachProposalChunk, type DrawOptions, type LikelihoodFunction } from './proposal-draws.js';
import { checkKnownKeys } from '../checks.js';
import type { GaussianProposal } from './proposal.js';

/** Per-datapoint results of importance sampling. */
export interface ImportanceSampleResult {
  /** K, the samples per datapoint. */
  readonly samples: number;
  /** log p^(x) per datapoint, [B], nats: the IWAE-K bound's estimate (a lower bound in expectation). */
  readonly logLikelihood: Float64Array;
  /** Effective sample size of the normalised weights, (sum w)^2 / sum w^2, in [1, K], per datapoint. */
  readonly ess: Float64Array;
  /**
   * Monte Carlo standard error of each log p^(x) by the delta method, sqrt((K / ess - 1) / (K - 1)) (the
   * relative standard error of the mean weight); NaN for K = 1. Unreliable when ess is a handful.
   */
  readonly stdErr: Float64Array;
}

/**
 * Estimates log p(x) for each datapoint of x ([batch, dataSize], in the model's data range) with
 * options.samples fresh draws from `proposal`.
 *
 * @example
 * using rng = new Rng({ seed: 1 });
 * const { mu, logSigma } = await encoder.forward(x, batch);
 * const iw = await importanceSampledLogLikelihood(energyModel, x, batch, { mean: mu, logSigma }, { samples: 1000, rng });
 * iw.logLikelihood[0]; // log p(x_0) in nats (negate for the NLL)
 */
export async function importanceSampledLogLikelihood(model: LikelihoodFunction, x: Float32Array, batch: number, proposal: GaussianProposal, options: DrawOptions): Promise<ImportanceSampleResult> {
  checkKnownKeys(options, DRAW_OPTION_KEYS, 'importanceSampledLogLikelihood');
  const lse = new Float64Array(batch).fill(-Infinity); // log sum w over the chunks so far
  const lse2 = new Float64Array(batch).fill(-Infinity); // log sum w^2
  let logw = new Float64Array(0);
  await forEachProposalChunk(model, x, batch, proposal, options, (chunk) => {
    const n = batch * chunk.size;
    if (logw.length < n) logw = new Float64Array(n);
    const lw = logw.subarray(0, n);
    for (let r = 0; r < n; r++) {
      const v = chunk.logPriorRatio[r] - chunk.nll[r];
      if (Number.isNaN(v)) {
        throw new LpcError(
          'LPC_DIVERGED',
          `-log p(x|z) is NaN for datapoint ${Math.floor(r / chunk.size)}, sample ${chunk.first + (r % chunk.size)}: the decoder or likelihood produced NaN at a finite z`,
        );
      }
      lw[r] = v;
    }
    accumulate(lse, logSumExpRows(lw, batch, chunk.size));
    for (let r = 0; r < n; r++) lw[r] *= 2;
    accumulate(lse2, logSumExpRows(lw, batch, chunk.size));
  });
  const K = options.samples;
  const logLikelihood = lse.map((l) => l - Math.log(K));
  const ess = lse.map((l, b) => Math.exp(2 * l - lse2[b]));
  const stdErr = ess.map((e) => (K > 1 ? Math.sqrt(Math.max(0, K / e - 1) / (K - 1)) : NaN));
  return { samples: K, logLikelihood, ess, stdErr };
}

/** acc[b] = log(exp(acc[b]) + exp(add[b])), exact in float64 for -Infinity on either side. */
function accumulate(acc: Float64Array, add: Float64Array): void {
  for (let b = 0; b < acc.length; b++) {
    const a = acc[b];
    const c = add[b];
    const m = Math.max(a, c);
    acc[b] = m === -Infinity ? -Infinity : m + Math.log1p(Math.exp(Math.min(a, c) - m));
  }
}
