/**
 * What `train` (at its evaluation points) and `eval` share: scoring a decoder (and encoder) on test images
 * with evaluateModel, with the likelihood fixed the way evaluation needs it (a learned sigma at its trained
 * value; the per-batch optimal sigma has no fixed density and is refused with a note), and sample grids.
 */
import type { ImageSet } from '../data/image-set.js';
import { evaluateModel, type EvaluationResult } from '../eval/evaluate.js';
import { EnergyModel } from '../likelihoods/energy-model.js';
import { LOG_SIGMA_PARAM, type LikelihoodSpec } from '../likelihoods/spec.js';
import { DecoderMeans } from '../models/decoder-means.js';
import { EncoderModel } from '../models/encoder-model.js';
import { rangeValues, type Decoder, type Encoder } from '../models/networks.js';
import { Rng } from '../native/rng.js';
import { imageGridPng } from '../data/image-grid.js';
import type { PointEvaluation } from '../training/metrics-history.js';
import type { StateRecord } from '../training/state-blob.js';

/** The likelihood evaluation uses, or why there is none. */
export type EvaluationLikelihood = { spec: LikelihoodSpec; note?: undefined } | { spec?: undefined; note: string };

/**
 * The trained log sigma in a trainer state (entry theta/likelihood/log_sigma), or null when the likelihood has
 * no learned sigma.
 */
export function learnedLogSigma(state: StateRecord): number | null {
  const value = state[`theta/${LOG_SIGMA_PARAM}`];
  return value instanceof Float32Array && value.length === 1 ? value[0] : null;
}

/** `spec` with a learned sigma fixed at exp(logSigma); a note instead for the optimal sigma. */
export function evaluationLikelihood(spec: LikelihoodSpec, logSigma: number | null): EvaluationLikelihood {
  if (spec.kind === 'bernoulli' || spec.sigma.mode === 'fixed') return { spec };
  if (spec.sigma.mode === 'learned') {
    if (logSigma === null) return { note: 'the learned sigma was not found in the state' };
    return { spec: { ...spec, sigma: { mode: 'fixed', sigma: Math.exp(logSigma) } } };
  }
  return { note: 'the optimal sigma is recomputed from every batch, so log p(x) is not defined; evaluate with --sigma fixed:S' };
}

/** A likelihood in words, e.g. 'gaussian, sigma fixed at 0.1'. */
export function describeLikelihood(spec: LikelihoodSpec): string {
  if (spec.kind === 'bernoulli') return 'bernoulli';
  const s = spec.sigma;
  const sigma = s.mode === 'fixed' ? `sigma fixed at ${s.sigma.toPrecision(4)}` : s.mode === 'learned' ? 'sigma learned' : 'optimal sigma';
  return `${spec.kind}, ${sigma}`;
}

/** Settings of evaluateNetworks. */
export interface EvaluateNetworksOptions {
  likelihood: LikelihoodSpec;
  /** Importance samples per image. */
  iwae: number;
  seed: bigint;
  threads?: number;
  /** Observed pixels, [C*H*W] or [N*C*H*W] 0/1: score those only (no encoder then). */
  mask?: Uint8Array;
}

/** Runs evaluateModel on frozen copies of the networks. */
export async function evaluateNetworks(decoder: Decoder, encoder: Encoder | null, images: ImageSet, options: EvaluateNetworksOptions): Promise<EvaluationResult> {
  const threads = options.threads === undefined ? {} : { threads: options.threads };
  const mask = options.mask === undefined ? {} : { mask: options.mask };
  const energy = await EnergyModel.create(decoder, { likelihood: options.likelihood, masked: options.mask !== undefined, ...threads });
  let encoderModel: EncoderModel | null = null;
  try {
    encoderModel = encoder === null ? null : await EncoderModel.create(encoder, threads);
    return await evaluateModel(energy, images, { iwaeSamples: options.iwae, seed: options.seed, ...mask, ...(encoderModel === null ? {} : { encoder: encoderModel }) });
  } finally {
    await energy.dispose();
    await encoderModel?.dispose();
  }
}

/** The numbers an evaluation reports, in the order its summaries print them. */
export type EvaluationEstimates = Pick<EvaluationResult, 'negElbo' | 'negElboStdErr' | 'nll' | 'nllK' | 'nllStdErr' | 'reconMse'>;

/** The estimates of an evaluation (what both eval's summary and a history point report). */
export function evaluationEstimates(result: EvaluationResult): EvaluationEstimates {
  const { negElbo, negElboStdErr, nll, nllK, nllStdErr, reconMse } = result;
  return { negElbo, negElboStdErr, nll, nllK, nllStdErr, reconMse };
}

/** The fields of an evaluation a history point keeps. */
export function pointEvaluation(result: EvaluationResult): PointEvaluation {
  return { ...evaluationEstimates(result), proposal: result.proposal, normalised: result.normalised };
}

/** A history point's evaluation when there is none, with the reason. */
export function missingEvaluation(note: string): PointEvaluation {
  return { negElbo: null, negElboStdErr: null, nll: null, nllK: null, nllStdErr: null, reconMse: null, proposal: null, normalised: null, note };
}

/** Decoder means of `count` latents z ~ N(0, I) (Philox, `seed`), [count, C*H*W] NCHW in the decoder's range. */
export async function decoderSamples(decoder: Decoder, count: number, seed: bigint, threads?: number): Promise<Float32Array> {
  const rng = new Rng({ seed });
  const means = await DecoderMeans.create(decoder, threads === undefined ? {} : { threads });
  try {
    return await means.decode(rng.normal(count * decoder.latentDim));
  } finally {
    rng.dispose();
    await means.dispose();
  }
}

/** The PNG of a grid of 64 samples (8 columns). */
export async function samplesPng(decoder: Decoder, seed: bigint, threads?: number): Promise<Buffer> {
  const n = 64;
  const images = await decoderSamples(decoder, n, seed, threads);
  return imageGridPng(images, [n, ...decoder.imageShape], { columns: 8, range: rangeValues(decoder.range) });
}
