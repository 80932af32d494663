/**
 * Posterior inference over a whole image set with a frozen decoder: Langevin chains per batch of images,
 * the posterior mean of each image's latent (averaged over its chains' states after a burn-in), and the
 * decoder's mean image at that latent (the reconstruction).
 *
 * Chains started from the prior can settle in a local mode of the energy whose posterior mass is negligible
 * (measured on PyTorch-style conv decoders: about one chain in seven, hundreds of nats above the mode that
 * generated the image; bench/RESULTS.md). Averaging such a chain into the posterior mean puts the mean between
 * modes, where neither lies. So a chain whose final energy exceeds the lowest final energy among its
 * datapoint's chains by more than `energyGap` is left out of that datapoint's mean. Within one mode (a
 * Gaussian posterior) E - E_min is distributed as chi^2_d / 2, so the default gap d/2 + 5 sqrt(d/2) + 5 drops
 * a chain of the right mode with probability below 1e-6; a mode 'gap' nats higher carries about e^-gap of the
 * mass (for like curvature).
 */
import { invalidArgument, shapeMismatch } from '../errors.js';
import type { EnergyFunction } from '../likelihoods/energy-function.js';
import { checkInteger, checkKnownKeys, type OptionKeys } from '../checks.js';
import { LangevinSampler } from './langevin-sampler.js';
import { hidePixels } from './masks.js';
import { LANGEVIN_OPTION_KEYS, type LangevinOptions } from './options.js';

/** What inferPosterior needs: an energy function that also gives the decoder's mean images (EnergyModel is one). */
export interface DecodingEnergy extends EnergyFunction {
  /** Per chain [B*K, C*H*W]: the decoder's mean image at z, in the decoder's range (other metrics unused). */
  evaluateMetrics(x: Float32Array, batch: number, z: Float32Array): Promise<{ readonly mean: Float32Array }>;
  /** True when the energy reads NaN pixels of x as hidden (needed for masks). */
  readonly masked?: boolean;
}

/** Settings of inferPosterior: the sampler's, plus how many images share one sampler run. */
export interface PosteriorInferenceOptions extends Omit<LangevinOptions, 'rng'> {
  /** Images per sampler run (B; the run has B*K chains). Default 64. */
  batch?: number;
  /**
   * Chains whose final energy exceeds their datapoint's lowest by more than this many nats are left out of
   * its posterior mean; Infinity keeps every chain. Default defaultEnergyGap(d).
   */
  energyGap?: number;
  /**
   * Observed pixels, nonzero = observed: [C*H*W] for every image or [n, C*H*W] (inpainting). Needs an energy
   * built with `masked` (EnergyModel.create(decoder, { likelihood, masked: true })).
   */
  mask?: Uint8Array;
  /** Also decode every kept state: the posterior predictive mean and each image's final samples. Default false. */
  predictive?: boolean;
}

/** Every key of PosteriorInferenceOptions (a misspelt one is refused, not ignored). */
const { rng: _noRng, ...SAMPLER_KEYS } = LANGEVIN_OPTION_KEYS;
const POSTERIOR_KEYS = { ...SAMPLER_KEYS, batch: true, energyGap: true, mask: true, predictive: true } satisfies OptionKeys<PosteriorInferenceOptions>;

/** What inferPosterior returns; image i is row i everywhere. */
export interface PosteriorInference {
  readonly count: number;
  readonly latentDim: number;
  /** Posterior mean of each image's latent, [n, d]: the mean over its K chains and kept states. */
  readonly means: Float32Array;
  /** The decoder's mean image at each posterior mean, [n, C*H*W] NCHW, in the decoder's range. */
  readonly reconstructions: Float32Array;
  /**
   * With `predictive`: the posterior predictive mean of each image, [n, C*H*W], the mean of the decoder's
   * means over the kept states of its kept chains (the least-squares completion of hidden pixels).
   */
  readonly predictive: Float32Array | null;
  /** With `predictive`: the decoder's mean at each chain's final state, [n, K, C*H*W]. */
  readonly sampleImages: Float32Array | null;
  /** Mean over images and chains of the energy of the final states (nats per image). */
  readonly meanEnergy: number;
  /** MALA: the fraction of proposals accepted after the warm-up, over all chains; null for ULA. */
  readonly acceptRate: number | null;
  /** Chains that returned to a finite state after a non-finite energy, summed over all runs. */
  readonly restarts: number;
  /** Chains left out of the posterior means (see energyGap), over all images. */
  readonly droppedChains: number;
}

/** The default energy gap for latent size d: d/2 + 5 sqrt(d/2) + 5 nats (see the file comment). */
export function defaultEnergyGap(latentDim: number): number {
  return latentDim / 2 + 5 * Math.sqrt(latentDim / 2) + 5;
}

/** The default burn-in: the first half of the steps. */
export function defaultKeep(steps: number): { burnIn: number; thin: number } {
  const burnIn = Math.floor(steps / 2);
  // At most ~50 kept states per chain: consecutive states are strongly correlated, so more add little.
  return { burnIn, thin: Math.max(1, Math.floor((steps - burnIn) / 50)) };
}

/**
 * Samples p(z | x) for every image of `x` ([n, C*H*W], NCHW, in the decoder's range) in batches and
 * decodes the posterior means. Without `keep`, the states after the first half of the steps are kept.
 * Chains far above their datapoint's lowest energy are left out of its mean (see energyGap).
 * Runs are seeded one after another from `seed` (see LangevinOptions.seed), so the result is reproducible.
 *
 * @example
 * const energy = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' } });
 * const result = await inferPosterior(energy, x, { steps: 300, stepSize: 0.1, chains: 4, preconditioner: 'adam' });
 * result.means;           // [n, d]
 * result.reconstructions; // [n, C*H*W]
 */
export async function inferPosterior(energy: DecodingEnergy, images: Float32Array, options: PosteriorInferenceOptions): Promise<PosteriorInference> {
  checkKnownKeys(options, POSTERIOR_KEYS, 'inferPosterior');
  const { batch: batchOption, energyGap: gapOption, mask, predictive: wantPredictive, ...sampling } = options;
  const batch = checkInteger('batch', batchOption ?? 64, 1, 2 ** 31 - 1);
  const size = energy.dataSize;
  const d = energy.latentDim;
  const gap = gapOption ?? defaultEnergyGap(d);
  if (typeof gap !== 'number' || !(gap > 0)) invalidArgument('energyGap', 'a number > 0 (Infinity keeps every chain)', gap);
  let x = images;
  if (!(x instanceof Float32Array) || x.length === 0 || x.length % size !== 0) shapeMismatch('x', `a Float32Array of n * ${size} values with n >= 1`, x);
  const count = x.length / size;
  if (mask !== undefined) {
    if (!(mask instanceof Uint8Array) || (mask.length !== size && mask.length !== x.length))
      shapeMismatch('mask', `a Uint8Array of ${size} values (all images) or ${x.length} (one mask per image)`, mask);
    if (energy.masked !== true) invalidArgument('mask', 'used with an energy built with masked: true (EnergyModel.create(decoder, { likelihood, masked: true }))', 'an unmasked energy');
    x = hidePixels(x, mask);
  }
  const steps = checkInteger('steps', sampling.steps, 1, 2 ** 31 - 1);
  const sampler = new LangevinSampler(energy, { ...sampling, keep: sampling.keep ?? defaultKeep(steps) });

  const means = new Float32Array(count * d);
  const reconstructions = new Float32Array(count * size);
  const chains = sampler.options.chains;
  const predictive = wantPredictive === true ? new Float32Array(count * size) : null;
  const sampleImages = wantPredictive === true ? new Float32Array(count * chains * size) : null;
  let energySum = 0;
  let accepted = 0;
  let restarts = 0;
  let dropped = 0;
  for (let first = 0; first < count; first += batch) {
    const b = Math.min(batch, count - first);
    const xb = x.subarray(first * size, (first + b) * size);
    const result = await sampler.run(xb);
    const keep = chainsNearLowest(result.energies, b, result.chains, gap);
    for (const k of keep) if (!k) dropped++;
    const zMean = meanOverChains(result.kept ?? result.samples, b, result.keptPerChain || 1, result.chains, d, keep);
    means.set(zMean, first * d);
    reconstructions.set((await energy.evaluateMetrics(xb, b, zMean)).mean, first * size);
    if (predictive !== null && sampleImages !== null) {
      const perChain = result.keptPerChain || 1;
      const states = result.kept ?? result.samples;
      predictive.set(meanOverChains((await energy.evaluateMetrics(xb, b, states)).mean, b, perChain, result.chains, size, keep), first * size);
      sampleImages.set((await energy.evaluateMetrics(xb, b, result.samples)).mean, first * chains * size);
    }
    for (const e of result.energies) energySum += e;
    if (result.acceptRate !== null) accepted += result.acceptRate * b;
    restarts += result.totalRestarts;
  }
  return {
    count,
    latentDim: d,
    means,
    reconstructions,
    predictive,
    sampleImages,
    meanEnergy: energySum / (count * sampler.options.chains),
    acceptRate: sampler.options.sampler === 'mala' ? accepted / count : null,
    restarts,
    droppedChains: dropped,
  };
}

/** Per chain [B*K]: whether its energy is within `gap` of the lowest among its datapoint's K chains. */
function chainsNearLowest(energies: Float32Array, batch: number, chains: number, gap: number): boolean[] {
  const keep: boolean[] = [];
  for (let b = 0; b < batch; b++) {
    let lowest = Infinity;
    for (let k = 0; k < chains; k++) lowest = Math.min(lowest, energies[b * chains + k]);
    for (let k = 0; k < chains; k++) keep.push(energies[b * chains + k] <= lowest + gap);
  }
  return keep;
}

/**
 * The mean over the kept chains' states of each datapoint, [B, d], from states laid out [B, S, K, d]
 * (LangevinResult.kept; the final samples are the case S = 1). Accumulated in float64.
 */
function meanOverChains(states: Float32Array, batch: number, perChain: number, chains: number, d: number, keep: boolean[]): Float32Array {
  const out = new Float32Array(batch * d);
  const acc = new Float64Array(d);
  for (let b = 0; b < batch; b++) {
    acc.fill(0);
    let n = 0;
    for (let s = 0; s < perChain; s++) {
      for (let k = 0; k < chains; k++) {
        if (!keep[b * chains + k]) continue;
        const row = ((b * perChain + s) * chains + k) * d;
        for (let j = 0; j < d; j++) acc[j] += states[row + j];
        n++;
      }
    }
    for (let j = 0; j < d; j++) out[b * d + j] = acc[j] / n;
  }
  return out;
}
