/**
 * Diagonal Gaussian proposals q(z|x) = N(mean, diag sigma^2), one per datapoint, for importance sampling and
 * the ELBO: an encoder's output, a fixed Gaussian, or a fit to Langevin states (langevin-proposal.ts).
 */
import { invalidArgument, shapeMismatch } from '../errors.js';
import { checkInteger } from '../checks.js';

/** A diagonal Gaussian per datapoint, [B, d] each (log sigma, not log variance). */
export interface GaussianProposal {
  readonly mean: Float32Array;
  readonly logSigma: Float32Array;
}

/** log(2 pi) / 2: the normaliser of one standard normal coordinate. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Checks that `proposal` holds finite [batch, latentDim] arrays whose sigma neither overflows nor vanishes
 * in float32 (a draw mean + sigma * eps must be finite and must move), and returns it.
 */
export function checkProposal(proposal: GaussianProposal, batch: number, latentDim: number, name = 'proposal'): GaussianProposal {
  checkInteger('batch', batch, 1, 2 ** 31 - 1);
  if (typeof proposal !== 'object' || proposal === null) invalidArgument(name, 'an object { mean, logSigma } of [B, d] Float32Arrays', proposal);
  const n = batch * latentDim;
  for (const key of ['mean', 'logSigma'] as const) {
    const v = proposal[key];
    if (!(v instanceof Float32Array) || v.length !== n) shapeMismatch(`${name}.${key}`, `a Float32Array of B*d = ${batch}*${latentDim} = ${n} values`, v);
    for (let i = 0; i < n; i++) {
      const bad = key === 'mean' ? !Number.isFinite(v[i]) : !(v[i] > -40 && v[i] < 40);
      if (bad) {
        const expected = key === 'mean' ? 'finite values' : 'values in (-40, 40) (sigma between 4e-18 and 2e17)';
        invalidArgument(`${name}.${key}`, `${expected}; datapoint ${Math.floor(i / latentDim)}, latent ${i % latentDim} is not`, v[i]);
      }
    }
  }
  return proposal;
}

/**
 * The proposal with every variance multiplied by `factor` (log sigma + log(factor) / 2). Inflating a
 * Gaussian fitted to posterior samples gives importance weights lighter tails where the posterior is wider
 * or heavier-tailed than the fit.
 */
export function inflateProposal(proposal: GaussianProposal, factor: number): GaussianProposal {
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0) invalidArgument('inflation', 'a finite number > 0', factor);
  const shift = 0.5 * Math.log(factor);
  return { mean: proposal.mean, logSigma: proposal.logSigma.map((l) => l + shift) };
}

/** The proposal of a diagonal Gaussian given by its variance (e.g. fitDiagonalGaussian's). */
export function proposalFromVariance(mean: Float32Array, variance: Float32Array): GaussianProposal {
  // Variances of exactly 0 (a chain that never moved) get a tiny floor instead of log(0) = -Infinity.
  return { mean, logSigma: variance.map((v) => 0.5 * Math.log(Math.max(v, 1e-30))) };
}

/**
 * KL(N(mean, sigma^2) || N(0, I)) per datapoint, analytic, in float64:
 * 0.5 sum_j (mean_j^2 + sigma_j^2 - 1 - 2 log sigma_j). The normalisers of both densities cancel.
 */
export function klToStandardNormal(proposal: GaussianProposal, batch: number, latentDim: number): Float64Array {
  const kl = new Float64Array(batch);
  const { mean, logSigma } = proposal;
  for (let b = 0; b < batch; b++) {
    let s = 0;
    for (let j = b * latentDim; j < (b + 1) * latentDim; j++) {
      const m = mean[j];
      const l = logSigma[j];
      s += m * m + Math.exp(2 * l) - 1 - 2 * l;
    }
    kl[b] = 0.5 * s;
  }
  return kl;
}
