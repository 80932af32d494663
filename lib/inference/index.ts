/**
 * Langevin posterior sampling over an EnergyFunction, and per-datapoint summaries of the samples.
 *
 * @module inference
 */
export { LangevinSampler } from './langevin-sampler.js';
export type { EncoderInit, LangevinResult } from './langevin-sampler.js';
export { SAMPLER_STREAM_BASE } from './options.js';
export type { KeepOptions, LangevinOptions, MalaSettings, ResolvedLangevinOptions, SamplerKind } from './options.js';
export { fitDiagonalGaussian, posteriorMean } from './summaries.js';
export type { DiagonalGaussian } from './summaries.js';
export { defaultEnergyGap, defaultKeep, inferPosterior } from './posterior-inference.js';
export { expandMask, hidePixels, type MaskValues } from './masks.js';
export type { DecodingEnergy, PosteriorInference, PosteriorInferenceOptions } from './posterior-inference.js';
