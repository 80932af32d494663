/**
 * The evidence lower bound of each datapoint under a diagonal Gaussian q(z|x), with the analytic KL:
 *
 *   ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || N(0, I))
 *
 * the expectation estimated by the mean over S fresh reparameterised draws per datapoint. In nats, with
 * every normalising constant: log p(x|z) carries the likelihood's, and the KL is a difference of two
 * normalised densities (the -(d/2) log 2 pi of prior and q cancel exactly inside it).
 */
import { checkInteger, checkKnownKeys, type OptionKeys } from '../checks.js';
import { DRAW_OPTION_KEYS, forEachProposalChunk, type DrawOptions, type LikelihoodFunction } from './proposal-draws.js';
import { klToStandardNormal, type GaussianProposal } from './proposal.js';

/** Options of elbo(): DrawOptions, with the number of draws optional. */
export interface ElboOptions extends Omit<DrawOptions, 'samples'> {
  /** S, fresh draws per datapoint averaged for E_q[log p(x|z)]. Default 1 (the usual test ELBO). */
  samples?: number;
}

/** Per-datapoint ELBO and its parts, [B] each, nats. */
export interface ElboResult {
  readonly samples: number;
  readonly elbo: Float64Array;
  /** The mean of -log p(x|z) over the draws (the reconstruction term, negated). */
  readonly expectedNll: Float64Array;
  readonly kl: Float64Array;
}

/**
 * ELBO(x) for each datapoint of x ([batch, dataSize], in the model's data range).
 *
 * @example
 * const { mu, logSigma } = await encoder.forward(x, batch);
 * const { elbo } = await elbo(energyModel, x, batch, { mean: mu, logSigma }, { rng });
 * -elbo[0]; // the negative ELBO of datapoint 0 in nats
 */
export async function elbo(model: LikelihoodFunction, x: Float32Array, batch: number, proposal: GaussianProposal, options: ElboOptions): Promise<ElboResult> {
  checkKnownKeys(options, DRAW_OPTION_KEYS satisfies OptionKeys<ElboOptions>, 'elbo');
  const samples = checkInteger('samples', options.samples ?? 1, 1, 2 ** 31 - 1);
  const sums = new Float64Array(batch);
  await forEachProposalChunk(model, x, batch, proposal, { samples, chunkSize: options.chunkSize, rng: options.rng }, (chunk) => {
    for (let b = 0; b < batch; b++) {
      let s = 0;
      for (let k = 0; k < chunk.size; k++) s += chunk.nll[b * chunk.size + k];
      sums[b] += s;
    }
  });
  const expectedNll = sums.map((s) => s / samples);
  const kl = klToStandardNormal(proposal, batch, model.latentDim);
  return { samples, elbo: expectedNll.map((e, b) => -e - kl[b]), expectedNll, kl };
}
