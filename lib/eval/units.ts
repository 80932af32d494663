/**
 * What an evaluation's numbers are (docs/ARCHITECTURE.md §3): the log-likelihood of a Bernoulli decoder is a
 * normalised NLL only on binary data; on grey values it is a cross-entropy ("BCE + KL" for the negative
 * ELBO), not the log of any density of the data, and must not be called an NLL. The Gaussian
 * likelihoods are densities of continuous data and the discretised Gaussian a probability mass: both
 * normalised. A Gaussian with the "optimal" sigma recomputes sigma from each batch of draws, so it is not one
 * fixed density: evaluation refuses it.
 */
import type { ValueRange } from '../data/image-set.js';
import { LpcError } from '../errors.js';
import type { LikelihoodSpec } from '../likelihoods/spec.js';

/** True when every value is one end of `range` (0 or 1 for [0, 1]). */
export function isBinary(values: ArrayLike<number>, range: ValueRange): boolean {
  const [lo, hi] = range;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== lo && values[i] !== hi) return false;
  }
  return true;
}

/** Whether log p(x) under `likelihood` is a normalised log density or mass for the data x (in the decoder's range). */
export function isNormalised(likelihood: LikelihoodSpec, x: ArrayLike<number>, range: ValueRange): boolean {
  return likelihood.kind !== 'bernoulli' || isBinary(x, range);
}

/** Throws unless the likelihood is one fixed density (not the per-batch optimal sigma). */
export function checkEvaluable(likelihood: LikelihoodSpec): void {
  if (likelihood.kind !== 'bernoulli' && likelihood.sigma.mode === 'optimal') {
    throw new LpcError(
      'LPC_INVALID_ARGUMENT',
      `the ${likelihood.kind} likelihood uses the optimal sigma, which is recomputed from every batch of samples, so log p(x) is not defined; evaluate an EnergyModel created with sigma { mode: 'fixed', sigma } (e.g. the sigma training reached)`,
    );
  }
}
