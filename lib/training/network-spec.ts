/**
 * Decoders and encoders as plain data, so that a training configuration can cross into a worker thread or be
 * written into a checkpoint: a builder and its options, or ONNX bytes (or a path) with loader options. A
 * trainer builds them itself; a builder spec without a seed is initialised from the trainer's seed.
 */
import { invalidArgument } from '../errors.js';
import { convDecoder, convEncoder, type ConvDecoderOptions, type ConvOptions } from '../models/conv.js';
import { convSpatialDecoder, convSpatialEncoder, type ConvSpatialDecoderOptions, type ConvSpatialOptions } from '../models/conv-spatial.js';
import { loadDecoder, type LoadDecoderOptions } from '../models/load-decoder.js';
import { loadEncoder, type LoadEncoderOptions } from '../models/load-encoder.js';
import { mlpDecoder, mlpEncoder, type MlpDecoderOptions, type MlpOptions } from '../models/mlp.js';
import type { Decoder, Encoder } from '../models/networks.js';

/** A decoder to build or load. */
export type DecoderSpec =
  | { kind: 'mlp'; options: MlpDecoderOptions }
  | { kind: 'conv'; options: ConvDecoderOptions }
  /** Fully convolutional with a spatial latent [C, h, w] (conv-spatial.ts). */
  | { kind: 'conv-spatial'; options: ConvSpatialDecoderOptions }
  /** A pretrained decoder: ONNX bytes or a file path. */
  | { kind: 'onnx'; source: Uint8Array | string; options?: LoadDecoderOptions };

/** An encoder to build or load. */
export type EncoderSpec =
  | { kind: 'mlp'; options: MlpOptions }
  | { kind: 'conv'; options: ConvOptions }
  | { kind: 'conv-spatial'; options: ConvSpatialOptions }
  | { kind: 'onnx'; source: Uint8Array | string; options?: LoadEncoderOptions };

/** True for a spec (plain data), false for a built network. */
export function isNetworkSpec(value: unknown): value is DecoderSpec | EncoderSpec {
  return typeof value === 'object' && value !== null && 'kind' in value && !('model' in value);
}

/** Builds or loads a decoder; `seed` initialises a builder spec that gives none. */
export async function resolveDecoder(spec: DecoderSpec, seed: bigint): Promise<Decoder> {
  checkSpec('decoder', spec);
  if (spec.kind === 'mlp') return mlpDecoder({ ...spec.options, seed: spec.options.seed ?? seed });
  if (spec.kind === 'conv') return convDecoder({ ...spec.options, seed: spec.options.seed ?? seed });
  if (spec.kind === 'conv-spatial') return convSpatialDecoder({ ...spec.options, seed: spec.options.seed ?? seed });
  return loadDecoder(spec.source, spec.options ?? {});
}

/** Builds or loads an encoder; `seed` initialises a builder spec that gives none. */
export async function resolveEncoder(spec: EncoderSpec, seed: bigint): Promise<Encoder> {
  checkSpec('encoder', spec);
  if (spec.kind === 'mlp') return mlpEncoder({ ...spec.options, seed: spec.options.seed ?? seed });
  if (spec.kind === 'conv') return convEncoder({ ...spec.options, seed: spec.options.seed ?? seed });
  if (spec.kind === 'conv-spatial') return convSpatialEncoder({ ...spec.options, seed: spec.options.seed ?? seed });
  return loadEncoder(spec.source, spec.options ?? {});
}

function checkSpec(name: string, spec: DecoderSpec | EncoderSpec): void {
  if (!isNetworkSpec(spec) || !['mlp', 'conv', 'conv-spatial', 'onnx'].includes(spec.kind)) {
    invalidArgument(name, "a built network or a spec { kind: 'mlp' | 'conv' | 'conv-spatial', options } | { kind: 'onnx', source, options? }", spec);
  }
  if (spec.kind === 'onnx') {
    if (!(spec.source instanceof Uint8Array) && typeof spec.source !== 'string') invalidArgument(`${name}.source`, 'ONNX bytes (Uint8Array) or a file path', spec.source);
  } else if (typeof spec.options !== 'object' || spec.options === null) {
    invalidArgument(`${name}.options`, `the options of the ${spec.kind} builder`, spec.options);
  }
}
