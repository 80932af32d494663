/**
 * Evaluation of a trained model on a set of images, batch by batch: the test ELBO (with an encoder), the
 * importance-sampled NLL under each available proposal (the encoder's q, the Langevin fit started from it, or
 * for an encoder-free model the Langevin fit from the prior), and the reconstruction error. Every number is in
 * nats per image (or a per-pixel MSE in the [0, 1] scale), averaged over images with its standard error.
 *
 * With a mask (inverse problems) every number is about the observed pixels: log p(x_obs) = log of the integral
 * of p(x_obs | z) p(z) over z, and the reconstruction error per observed pixel. Hidden pixels are NaN in x, so
 * no proposal can read them; an encoder would, and is refused.
 */
import { rangeValues } from '../models/networks.js';
import { scaleImages } from '../data/scale.js';
import type { ImageSet } from '../data/image-set.js';
import { invalidArgument, LpcError, shapeMismatch } from '../errors.js';
import { LangevinSampler } from '../inference/langevin-sampler.js';
import { hidePixels } from '../inference/masks.js';
import type { LangevinOptions } from '../inference/options.js';
import type { EnergyModel } from '../likelihoods/energy-model.js';
import type { EncoderModel } from '../models/encoder-model.js';
import { Rng } from '../native/rng.js';
import { checkInteger, checkKnownKeys, checkU64, type OptionKeys } from '../checks.js';
import { elbo } from './elbo.js';
import { importanceSampledLogLikelihood } from './importance-sampling.js';
import { DEFAULT_EVAL_LANGEVIN, DEFAULT_INFLATION, langevinProposal } from './langevin-proposal.js';
import type { GaussianProposal } from './proposal.js';
import { reconstruct } from './reconstruction.js';
import { meanAndStdErr } from './statistics.js';
import { checkEvaluable, isNormalised } from './units.js';

/** Options of evaluateModel. */
export interface EvaluateOptions {
  /** The model's encoder: adds the test ELBO and the encoder proposal, and starts the Langevin chains. */
  encoder?: EncoderModel;
  /** K, importance samples per image. Default 1000. */
  iwaeSamples?: number;
  /** Draws per image for the ELBO's expectation. Default 1. */
  elboSamples?: number;
  /** Images per batch. Default 32. */
  batchSize?: number;
  /**
   * Settings of the Langevin runs behind the Langevin proposal (they must keep states); default
   * DEFAULT_EVAL_LANGEVIN. false: no Langevin proposal (only allowed with an encoder).
   */
  langevin?: LangevinOptions | false;
  /** Variance inflation of the Langevin proposal. Default DEFAULT_INFLATION. */
  inflation?: number;
  /** Importance samples per image in one model call (see DrawOptions.chunkSize). */
  chunkSize?: number;
  /** Seed of every draw (importance samples, ELBO draws, Langevin noise unless `langevin` has its own). Default 0. */
  seed?: number | bigint;
  /**
   * Observed pixels (nonzero), [C*H*W] for every image or [N*C*H*W]: the numbers are about these only. Needs a
   * model created with `masked: true` and no encoder.
   */
  mask?: Uint8Array;
}

/** Every key of EvaluateOptions (a misspelt option is refused, not ignored). */
const EVALUATE_KEYS = {
  encoder: true,
  iwaeSamples: true,
  elboSamples: true,
  batchSize: true,
  langevin: true,
  inflation: true,
  chunkSize: true,
  seed: true,
  mask: true,
} satisfies OptionKeys<EvaluateOptions>;

/** Which proposal an importance-sampled NLL came from. */
export type ProposalKind = 'encoder' | 'langevin' | 'langevin-from-encoder';

/** The importance-sampled NLL under one proposal. */
export interface ProposalReport {
  readonly kind: ProposalKind;
  /** Mean -log p^(x) over images, nats. */
  readonly nll: number;
  /** Its standard error over images. */
  readonly nllStdErr: number;
  /** The Monte Carlo part of the error of that mean for these images: sqrt(sum_i se_i^2) / N (delta method). */
  readonly mcStdErr: number;
  /** Effective sample size of the weights, mean and minimum over images (out of K). */
  readonly essMean: number;
  readonly essMin: number;
  /** Variance inflation of a Langevin proposal; null for the encoder's. */
  readonly inflation: number | null;
  /** Langevin chain restarts over the whole evaluation; null for the encoder's. */
  readonly restarts: number | null;
}

/**
 * One evaluation. `negElbo`, `nll`, `nllK` and `reconMse` are the names the CLI and the training metrics use.
 * With a Bernoulli likelihood on grey values (`normalised` false) negElbo is "BCE + KL" and nll a cross-entropy
 * bound, not NLLs.
 */
export interface EvaluationResult {
  readonly images: number;
  /** Mean negative ELBO, nats per image; null without an encoder. */
  readonly negElbo: number | null;
  readonly negElboStdErr: number | null;
  /** Mean importance-sampled NLL of the best proposal (the lowest mean; each is an upper bound in expectation). */
  readonly nll: number;
  /** K of `nll`. */
  readonly nllK: number;
  readonly nllStdErr: number;
  /** The proposal `nll` came from. */
  readonly proposal: ProposalKind;
  /** Every proposal's numbers. */
  readonly proposals: readonly ProposalReport[];
  /** Mean per-pixel squared error of reconstructions (encoder mean, or the Langevin posterior mean) in [0, 1]. */
  readonly reconMse: number;
  /** False when the numbers are cross-entropies of grey values under a Bernoulli likelihood. */
  readonly normalised: boolean;
  /** With a mask: the mean number of observed pixels per image (what the NLL is about); null without. */
  readonly observedPixels: number | null;
}

/**
 * Evaluates `model` (an EnergyModel with a fixed likelihood) on `images` (any value range; mapped to the
 * decoder's).
 *
 * @example
 * const result = await evaluateModel(energyModel, testBinarised, { encoder, iwaeSamples: 1000, seed: 1 });
 * console.log(result.negElbo, result.nll, result.proposals.map((p) => [p.kind, p.nll]));
 */
export async function evaluateModel(model: EnergyModel, images: ImageSet, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  checkKnownKeys(options, EVALUATE_KEYS, 'evaluateModel');
  const o = resolve(model, images, options);
  const set = scaleImages(images, rangeValues(model.range));
  const N = set.count;
  const D = model.dataSize;
  const all = o.mask === undefined ? set.images : hidePixels(set.images, o.mask);
  const observed = observedCounts(all, N, D);
  const seed = o.seed;
  const iwRng = new Rng({ seed, stream: 1 });
  const elboRng = new Rng({ seed, stream: 2 });
  const sampler = o.langevin === false ? null : new LangevinSampler(model, o.langevin);
  const kinds: ProposalKind[] = o.encoder === undefined ? ['langevin'] : sampler === null ? ['encoder'] : ['encoder', 'langevin-from-encoder'];
  const perKind = kinds.map(() => ({ logp: new Float64Array(N), se: new Float64Array(N), ess: new Float64Array(N), restarts: 0 }));
  const negElbo = o.encoder === undefined ? null : new Float64Array(N);
  const mse = new Float64Array(N);
  for (let first = 0; first < N; first += o.batchSize) {
    const B = Math.min(o.batchSize, N - first);
    const x = all.subarray(first * D, (first + B) * D);
    const proposals: GaussianProposal[] = [];
    const restarts: number[] = [];
    let reconLatent: Float32Array;
    if (o.encoder !== undefined) {
      const { mu, logSigma } = await o.encoder.forward(x, B);
      const q = { mean: mu, logSigma };
      const e = await elbo(model, x, B, q, { samples: o.elboSamples, chunkSize: o.chunkSize, rng: elboRng });
      for (let b = 0; b < B; b++) negElbo![first + b] = -e.elbo[b];
      proposals.push(q);
      restarts.push(0);
      reconLatent = mu;
      if (sampler !== null) {
        const refined = await langevinProposal(sampler, x, { inflation: o.inflation, init: { mu, logSigma } });
        proposals.push(refined.proposal);
        restarts.push(refined.restarts);
      }
    } else {
      const fitted = await langevinProposal(sampler!, x, { inflation: o.inflation });
      proposals.push(fitted.proposal);
      restarts.push(fitted.restarts);
      reconLatent = fitted.fit.mean;
    }
    for (let i = 0; i < proposals.length; i++) {
      const iw = await importanceSampledLogLikelihood(model, x, B, proposals[i], { samples: o.iwaeSamples, chunkSize: o.chunkSize, rng: iwRng });
      perKind[i].logp.set(iw.logLikelihood, first);
      perKind[i].se.set(iw.stdErr, first);
      perKind[i].ess.set(iw.ess, first);
      perKind[i].restarts += restarts[i];
    }
    // reconstruct() divides by every pixel; with a mask only the observed ones carry an error.
    const recon = (await reconstruct(model, x, B, reconLatent)).mse;
    for (let b = 0; b < B; b++) mse[first + b] = observed[first + b] === 0 ? 0 : (recon[b] * D) / observed[first + b];
  }
  const reports = kinds.map((kind, i): ProposalReport => {
    const { logp, se, ess, restarts } = perKind[i];
    const summary = meanAndStdErr(logp.map((l) => -l));
    let sumVar = 0;
    for (const s of se) sumVar += s * s;
    return {
      kind,
      nll: summary.mean,
      nllStdErr: summary.stdErr,
      mcStdErr: Math.sqrt(sumVar) / N,
      essMean: meanAndStdErr(ess).mean,
      essMin: ess.reduce((a, e) => Math.min(a, e), Infinity),
      inflation: kind === 'encoder' ? null : o.inflation,
      restarts: kind === 'encoder' ? null : restarts,
    };
  });
  const best = reports.reduce((a, r) => (r.nll < a.nll ? r : a));
  const elboSummary = negElbo === null ? null : meanAndStdErr(negElbo);
  return {
    images: N,
    negElbo: elboSummary?.mean ?? null,
    negElboStdErr: elboSummary?.stdErr ?? null,
    nll: best.nll,
    nllK: o.iwaeSamples,
    nllStdErr: best.nllStdErr,
    proposal: best.kind,
    proposals: reports,
    reconMse: meanAndStdErr(mse).mean,
    normalised: isNormalised(model.likelihood, o.mask === undefined ? set.images : all.filter((v) => !Number.isNaN(v)), set.range),
    observedPixels: o.mask === undefined ? null : meanAndStdErr(observed).mean,
  };
}

/** Observed (non-NaN) pixels of each of the N images of x. */
function observedCounts(x: Float32Array, N: number, D: number): Float64Array {
  const counts = new Float64Array(N);
  for (let n = 0; n < N; n++) for (let i = n * D; i < (n + 1) * D; i++) if (!Number.isNaN(x[i])) counts[n]++;
  return counts;
}

interface Resolved {
  encoder: EncoderModel | undefined;
  iwaeSamples: number;
  elboSamples: number;
  batchSize: number;
  langevin: LangevinOptions | false;
  inflation: number;
  chunkSize: number | undefined;
  seed: bigint;
  mask: Uint8Array | undefined;
}

function resolve(model: EnergyModel, images: ImageSet, options: EvaluateOptions): Resolved {
  if (typeof options !== 'object' || options === null) invalidArgument('options', 'an options object', options);
  checkEvaluable(model.likelihood);
  if (typeof images !== 'object' || images === null || !ArrayBuffer.isView(images.images)) invalidArgument('images', 'an ImageSet', images);
  const [c, h, w] = model.imageShape;
  if (images.shape[0] !== c || images.shape[1] !== h || images.shape[2] !== w) {
    shapeMismatch('images', `images of the decoder's shape [${model.imageShape.join(', ')}]`, `${images.name} of shape [${images.shape.join(', ')}]`);
  }
  if (images.count < 1) invalidArgument('images', 'a set with at least one image', `${images.name} with 0 images`);
  const encoder = options.encoder;
  if (encoder !== undefined && (encoder.latentDim !== model.latentDim || encoder.dataSize !== model.dataSize)) {
    shapeMismatch('options.encoder', `an encoder of ${model.dataSize} values to ${model.latentDim} latents (the decoder's)`, `one of ${encoder.dataSize} to ${encoder.latentDim}`);
  }
  const mask = options.mask;
  if (mask !== undefined) {
    const D = model.dataSize;
    if (!(mask instanceof Uint8Array) || (mask.length !== D && mask.length !== images.count * D))
      shapeMismatch('options.mask', `a Uint8Array of ${D} values (all images) or ${images.count * D} (one mask per image)`, mask);
    if (!model.masked) invalidArgument('options.mask', 'used with a model created with masked: true (EnergyModel.create(decoder, { likelihood, masked: true }))', 'an unmasked model');
    if (encoder !== undefined) throw new LpcError('LPC_INVALID_ARGUMENT', 'options.mask and options.encoder: the encoder would read the hidden pixels; evaluate masked images without an encoder');
  }
  const seed = checkU64('seed', options.seed ?? 0);
  let langevin = options.langevin ?? DEFAULT_EVAL_LANGEVIN;
  if (langevin === false && encoder === undefined) {
    throw new LpcError('LPC_INVALID_ARGUMENT', 'options.langevin is false but there is no encoder: an encoder-free model needs the Langevin proposal');
  }
  if (langevin !== false && langevin.seed === undefined && langevin.rng === undefined) langevin = { ...langevin, seed };
  const inflation = options.inflation ?? DEFAULT_INFLATION;
  if (typeof inflation !== 'number' || !Number.isFinite(inflation) || inflation <= 0) invalidArgument('options.inflation', 'a finite number > 0', inflation);
  return {
    encoder,
    iwaeSamples: checkInteger('options.iwaeSamples', options.iwaeSamples ?? 1000, 1, 2 ** 31 - 1),
    elboSamples: checkInteger('options.elboSamples', options.elboSamples ?? 1, 1, 2 ** 31 - 1),
    batchSize: checkInteger('options.batchSize', options.batchSize ?? 32, 1, 2 ** 31 - 1),
    langevin,
    inflation,
    chunkSize: options.chunkSize === undefined ? undefined : checkInteger('options.chunkSize', options.chunkSize, 1, 2 ** 31 - 1),
    seed,
    mask,
  };
}
