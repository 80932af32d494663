/**
 * The pictures `train` leaves in its run folder at each evaluation, which the run report embeds: a grid of
 * evaluation images each beside its reconstruction (the decoder mean at the encoder's mean, or, without an
 * encoder, at a Langevin posterior mean with the settings `infer` defaults to), and the sample grid. Both are
 * functions of the networks and the seed only, so a resumed run draws the same pictures.
 */
import { imageSize, type ImageSet } from '../data/image-set.js';
import { scaleImages } from '../data/scale.js';
import { inferPosterior } from '../inference/posterior-inference.js';
import { EnergyModel } from '../likelihoods/energy-model.js';
import type { LikelihoodSpec } from '../likelihoods/spec.js';
import { DecoderMeans } from '../models/decoder-means.js';
import { EncoderModel } from '../models/encoder-model.js';
import { rangeValues, type Decoder, type Encoder } from '../models/networks.js';
import { imageGridPng } from '../data/image-grid.js';

/** Originals shown with their reconstructions: two rows of eight pairs. */
const RECONSTRUCTED_IMAGES = 16;
/** Langevin settings for encoder-free reconstructions: infer's step size, preconditioner and chains, fewer steps (a picture, not a score). */
const POSTERIOR = { steps: 100, stepSize: 0.1, chains: 4, preconditioner: 'adam' } as const;

/** Settings of reconstructionsPng. */
export interface ReconstructionOptions {
  /** The likelihood of encoder-free posterior inference. */
  likelihood: LikelihoodSpec;
  seed: bigint;
  threads?: number;
}

/**
 * The PNG of the first 16 of `images`, each left of its reconstruction.
 *
 * @example
 * writeFileSync('reconstructions.png', await reconstructionsPng(decoder, encoder, plan.evalImages, { likelihood, seed: 0n }));
 */
export async function reconstructionsPng(decoder: Decoder, encoder: Encoder | null, images: ImageSet, options: ReconstructionOptions): Promise<Buffer> {
  const n = Math.min(RECONSTRUCTED_IMAGES, images.count);
  const size = imageSize(images.shape);
  const range = rangeValues(decoder.range);
  const x = scaleImages(images, range).images.slice(0, n * size);
  const threads = options.threads === undefined ? {} : { threads: options.threads };
  const latents = encoder === null ? await posteriorMeans(decoder, x, options) : await encoderMeans(encoder, x, n, threads);
  const means = await DecoderMeans.create(decoder, threads);
  let reconstructions: Float32Array;
  try {
    reconstructions = await means.decode(latents);
  } finally {
    await means.dispose();
  }
  return imageGridPng(x, [n, ...images.shape], { columns: Math.min(n, 8), range, pairs: reconstructions });
}

async function encoderMeans(encoder: Encoder, x: Float32Array, n: number, threads: { threads?: number }): Promise<Float32Array> {
  const model = await EncoderModel.create(encoder, threads);
  try {
    return (await model.forward(x, n)).mu;
  } finally {
    await model.dispose();
  }
}

async function posteriorMeans(decoder: Decoder, x: Float32Array, options: ReconstructionOptions): Promise<Float32Array> {
  const energy = await EnergyModel.create(decoder, { likelihood: options.likelihood, ...(options.threads === undefined ? {} : { threads: options.threads }) });
  try {
    return (await inferPosterior(energy, x, { ...POSTERIOR, seed: options.seed })).means;
  } finally {
    await energy.dispose();
  }
}
