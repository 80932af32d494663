/**
 * Decoder means as images in the data's [0, 1] scale: reconstructions of data from a latent per datapoint
 * (an encoder's mean or a posterior mean), their squared error, and samples z ~ N(0, I) for grids.
 */
import { imageGridPng, type ImageGridOptions } from '../data/image-grid.js';
import { shapeMismatch } from '../errors.js';
import type { EnergyModel } from '../likelihoods/energy-model.js';
import type { Rng } from '../native/rng.js';
import { checkInteger } from '../checks.js';
import { DEFAULT_CHUNK_ROWS } from './proposal-draws.js';

/** Reconstructions of a batch and their error. */
export interface Reconstruction {
  /** The decoder mean at each datapoint's latent, [B, C*H*W] NCHW, mapped to [0, 1]. */
  readonly images: Float32Array;
  /** Mean squared error per pixel of each datapoint, [B], in the [0, 1] scale. */
  readonly mse: Float64Array;
}

/**
 * Decodes one latent per datapoint (z: [B, d]) and compares with x ([B, dataSize], in the model's range).
 * The error is measured in the [0, 1] scale whatever the decoder's range ('11' errors are divided by 4).
 *
 * @example
 * const { mu } = await encoder.forward(x, batch);
 * const { mse, images } = await reconstruct(energyModel, x, batch, mu);
 */
export async function reconstruct(model: EnergyModel, x: Float32Array, batch: number, z: Float32Array): Promise<Reconstruction> {
  if (!(z instanceof Float32Array) || z.length !== batch * model.latentDim) shapeMismatch('z', `a Float32Array of one latent per datapoint, B*d = ${batch}*${model.latentDim} values`, z);
  const { sse, mean } = await model.evaluateMetrics(x, batch, z);
  const D = model.dataSize;
  const toUnit = model.range === '11' ? 0.25 : 1;
  return { images: unitScale(mean, model.range), mse: Float64Array.from(sse, (s) => (s * toUnit) / D) };
}

/**
 * Decoder means of `count` latents z ~ N(0, I) drawn from `rng`, [count, C*H*W] NCHW in [0, 1], decoded
 * DEFAULT_CHUNK_ROWS at a time.
 */
export async function sampleImages(model: EnergyModel, count: number, rng: Rng): Promise<Float32Array> {
  checkInteger('count', count, 1, 2 ** 31 - 1);
  const d = model.latentDim;
  const D = model.dataSize;
  const out = new Float32Array(count * D);
  const x = new Float32Array(D); // one placeholder datapoint; only the decoder means are read
  for (let first = 0; first < count; first += DEFAULT_CHUNK_ROWS) {
    const n = Math.min(DEFAULT_CHUNK_ROWS, count - first);
    const { mean } = await model.evaluateMetrics(x, 1, rng.normal(n * d));
    out.set(unitScale(mean, model.range), first * D);
  }
  return out;
}

/**
 * The PNG bytes of a grid of `count` samples (decoder means of z ~ N(0, I)).
 *
 * @example
 * writeFileSync('samples.png', await sampleGridPng(energyModel, 64, new Rng({ seed: 1 }), { columns: 8 }));
 */
export async function sampleGridPng(model: EnergyModel, count: number, rng: Rng, options: ImageGridOptions = {}): Promise<Buffer> {
  const images = await sampleImages(model, count, rng);
  return imageGridPng(images, [count, ...model.imageShape], { ...options, range: [0, 1] });
}

function unitScale(mean: Float32Array, range: '01' | '11'): Float32Array {
  return range === '11' ? mean.map((v) => (v + 1) / 2) : mean;
}
