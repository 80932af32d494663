/**
 * Binarisation of grey values in [0, 1] into {0, 1}: pixel i becomes 1 with probability x_i, the
 * standard way to give MNIST-like data a proper Bernoulli likelihood. "Dynamic" binarisation draws
 * fresh uniforms every time (for training); a fixed-seed copy is drawn once (for a test set).
 */
import { invalidArgument } from '../errors.js';
import { createImageSet, type ImageSet, UNIT_RANGE } from './image-set.js';
import { checkRandomSource, type RandomSource } from './random-source.js';
import { scaleImages } from './scale.js';

/**
 * Sets out[i] = 1 if u_i < probabilities[i] else 0, with u_i uniform in (0, 1) from `source`.
 * Values at or below 0 always give 0 and values at or above 1 always give 1. `out` may be
 * `probabilities` itself (a temporary then holds the uniforms).
 *
 * @example
 * binarize(batch.x, rng, batch.x); // one fresh binarisation per training step, in place
 */
export function binarize(probabilities: Float32Array, source: RandomSource, out: Float32Array = new Float32Array(probabilities.length)): Float32Array {
  if (!(probabilities instanceof Float32Array)) invalidArgument('probabilities', 'a Float32Array', probabilities);
  if (!(out instanceof Float32Array) || out.length !== probabilities.length) {
    invalidArgument('out', `a Float32Array of length ${probabilities.length}`, out);
  }
  checkRandomSource(source, 'source');
  // The uniforms go straight into `out` unless it shares memory with the probabilities.
  const uniforms = overlaps(out, probabilities) ? new Float32Array(out.length) : out;
  source.uniform(uniforms);
  return threshold(probabilities, uniforms, out);
}

/**
 * out[i] = 1 if uniforms[i] < probabilities[i] else 0 (the arrays have equal lengths; `out` may be
 * either input). For callers that keep their own buffer of uniforms.
 */
export function threshold(probabilities: Float32Array, uniforms: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = uniforms[i] < probabilities[i] ? 1 : 0;
  return out;
}

/**
 * A binarised float32 copy of `set` (values mapped to [0, 1] first), drawn once from `source`.
 * Create the source from a fixed seed to get the same test set on every run.
 *
 * @example
 * const testBin = binarizeImages(loadMnist().test, new Rng({ seed: 1234 })); // the same copy every time
 */
export function binarizeImages(set: ImageSet, source: RandomSource): ImageSet<Float32Array> {
  const grey = scaleImages(set, UNIT_RANGE);
  return createImageSet({ ...grey, name: `${set.name} (binarised)`, images: binarize(grey.images, source) });
}

function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}
