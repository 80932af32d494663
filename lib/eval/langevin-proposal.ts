/**
 * The importance-sampling proposal of a model without an encoder (and the refined one of a model with one):
 * run Langevin chains on each datapoint's posterior, fit a diagonal Gaussian to the kept states, and inflate
 * its variance. The fitted Gaussian is only a proposal: fresh draws from it are weighted by
 * p(x, z) / q(z | x), so the sampler's own bias (ULA's, or too few steps) costs variance, not correctness.
 */
import { LpcError } from '../errors.js';
import type { EncoderInit, LangevinSampler } from '../inference/langevin-sampler.js';
import type { KeepOptions, LangevinOptions } from '../inference/options.js';
import { fitDiagonalGaussian, type DiagonalGaussian } from '../inference/summaries.js';
import { inflateProposal, proposalFromVariance, type GaussianProposal } from './proposal.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/**
 * The factor the fitted variances are multiplied by. Measured in bench/eval-inflation.mjs (bench/RESULTS.md): on
 * two VAE-trained MLP decoders of binarised MNIST (d = 16 and the reference d = 32, 512-512), with the default
 * settings below and factors 0.5 to 4, the repeat spread of the K = 1000 estimate was smallest at 1 to 1.25
 * and the bound highest at 1.25 to 1.5 (within 0.01 nats of each other); 2 and beyond cost 0.3 to 2 nats of
 * spread, below 1 the weights grow heavy-tailed. A fit to finitely many correlated states underestimates the
 * posterior's spread and misses its tails; a slightly wider proposal keeps the weights bounded.
 */
export const DEFAULT_INFLATION = 1.25;

/** What evaluation's Langevin runs keep by default: the second half of each run, every fifth state. */
export const DEFAULT_EVAL_KEEP: Required<KeepOptions> = { burnIn: 100, thin: 5 };

/**
 * The sampler settings evaluation uses when given none: ULA with the bias-corrected RMSprop preconditioner
 * (beta2 0.999), eta = 0.1, 4 chains of 200 steps per datapoint from the prior (or the encoder), 80 kept states
 * per datapoint. Of the settings measured in bench/eval-inflation.mjs (no preconditioner at eta 0.01 and 0.05,
 * RMSprop at 0.03, 0.1 and 0.3, adapted MALA) it gave the highest bounds and smallest spreads on both models
 * (the unpreconditioned step has to be small for the stiff latent directions and then mixes slowly in the
 * others).
 */
export const DEFAULT_EVAL_LANGEVIN: Readonly<LangevinOptions> = Object.freeze({
  steps: 200,
  stepSize: 0.1,
  chains: 4,
  preconditioner: 'rmsprop',
  beta2: 0.999,
  keep: DEFAULT_EVAL_KEEP,
});

/** The proposal, what it was fitted to, and how the chains fared. */
export interface LangevinProposal {
  /** The inflated Gaussian, [B, d] each. */
  readonly proposal: GaussianProposal;
  /** The Gaussian fitted to the kept states, before inflation. */
  readonly fit: DiagonalGaussian;
  readonly inflation: number;
  /** Chain restarts after non-finite energies, over all chains of the batch. */
  readonly restarts: number;
  /** MALA's acceptance rate; null for ULA. */
  readonly acceptRate: number | null;
}

/** Options of langevinProposal. */
export interface LangevinProposalOptions {
  /** The fitted variances are multiplied by this, so that the proposal covers the posterior's tails. Default DEFAULT_INFLATION. */
  inflation?: number;
  /** Start the chains from an encoder's q instead of the prior. */
  init?: EncoderInit;
}

/** Every key of LangevinProposalOptions (a misspelt option is refused, not ignored). */
const LANGEVIN_PROPOSAL_KEYS = { inflation: true, init: true } satisfies OptionKeys<LangevinProposalOptions>;

/**
 * Runs `sampler` (which must keep at least two states per datapoint) on x ([B, dataSize]), from the prior or
 * from `init` (an encoder's q), and returns the inflated diagonal Gaussian fitted to each datapoint's kept
 * states.
 *
 * @example
 * const sampler = new LangevinSampler(energyModel, { ...DEFAULT_EVAL_LANGEVIN, seed: 1 });
 * const { proposal } = await langevinProposal(sampler, x);
 * const iw = await importanceSampledLogLikelihood(energyModel, x, batch, proposal, { samples: 1000, rng });
 */
export async function langevinProposal(sampler: LangevinSampler, x: Float32Array, options: LangevinProposalOptions = {}): Promise<LangevinProposal> {
  checkKnownKeys(options, LANGEVIN_PROPOSAL_KEYS, 'langevinProposal');
  const keep = sampler.options.keep;
  if (keep === null || keep.perChain * sampler.options.chains < 2) {
    throw new LpcError(
      'LPC_INVALID_ARGUMENT',
      `a Langevin proposal is fitted to kept states: the sampler must keep at least 2 per datapoint (keep: { burnIn, thin } with chains * states per chain >= 2); it keeps ${keep === null ? 'none' : keep.perChain * sampler.options.chains}`,
    );
  }
  const inflation = options.inflation ?? DEFAULT_INFLATION;
  const result = await sampler.run(x, options.init);
  const fit = fitDiagonalGaussian(result.kept!, result.batch, result.latentDim);
  return {
    proposal: inflateProposal(proposalFromVariance(fit.mean, fit.variance), inflation),
    fit,
    inflation,
    restarts: result.totalRestarts,
    acceptRate: result.acceptRate,
  };
}
