/**
 * What the rest of the package knows about a decoder p(x|z) or an encoder q(z|x): the ONNX model as built or
 * read, its live parameter values, and how its tensors map onto images and latents. Built networks
 * (mlp.ts, conv.ts) and loaded ones (load-decoder.ts, load-encoder.ts) produce the same descriptions.
 */
import type { ImageLayout, ImageShape, ValueRange } from '../data/index.js';
import type { Model } from '../onnx/ir.js';
import type { ParameterSet } from '../onnx/params.js';

/** The interval a decoder's mean lies in: '01' for a sigmoid output, '11' for tanh. Data are scaled to it. */
export type OutputRange = '01' | '11';

/** The final activation of a decoder, reached from its output through layout-only operators. */
export interface DecoderHead {
  readonly op: 'Sigmoid' | 'Tanh';
  /** Name of the activation node (the energy graph cuts it to read logits). */
  readonly node: string;
}

/**
 * A decoder z [batch, ...latent shape] -> mean image.
 *
 * @example
 * const decoder = mlpDecoder({ latentDim: 16, imageShape: [1, 28, 28] });
 * decoder.params.get('fc1.weight').data; // live values, updated in place by optimisers
 */
export interface Decoder {
  /** The model as built or read (initializers hold the values it came with). */
  readonly model: Model;
  /** The file the model was read from, when it was: exports write parameters back into these bytes. */
  readonly source?: Uint8Array;
  /** Live parameter values, shared with runtimes and optimisers; export writes them back. */
  readonly params: ParameterSet;
  /** Name of the graph input that takes z. */
  readonly latentInput: string;
  /** Name of the graph output holding the mean image. */
  readonly output: string;
  /** d, the values in one latent: chains hold latents as flat rows of d. */
  readonly latentDim: number;
  /** Shape of one latent as the decoder's input takes it (e.g. [C, h, w]); absent means [latentDim]. */
  readonly latentShape?: readonly number[];
  /** Shape [C, H, W] of one image, as the data hold it (NCHW). */
  readonly imageShape: ImageShape;
  /** Axis order of the output: 'nhwc' outputs are transposed inside energy graphs; flat outputs count as 'nchw'. */
  readonly layout: ImageLayout;
  readonly range: OutputRange;
  /** The final Sigmoid (range '01') or Tanh (range '11'), or null when the output has none. */
  readonly head: DecoderHead | null;
}

/** How an encoder's second output encodes the scale: log sigma, or log sigma^2 (converted: logsigma = logvar / 2). */
export type EncoderScale = 'logsigma' | 'logvar';

/**
 * An encoder x -> (mu, log sigma) of a diagonal Gaussian q(z|x).
 *
 * @example
 * const encoder = mlpEncoder({ latentDim: 16, imageShape: [1, 28, 28] });
 */
export interface Encoder {
  readonly model: Model;
  readonly source?: Uint8Array;
  readonly params: ParameterSet;
  /** Name of the graph input that takes images. */
  readonly imageInput: string;
  /** Axis order of the image input; 'flat' inputs take [batch, C*H*W]. */
  readonly inputLayout: ImageLayout | 'flat';
  /** Output names: separate mu and scale outputs, or one [batch, 2d] output holding mu then the scale. */
  readonly outputs: { readonly mu: string; readonly scale: string } | { readonly joint: string };
  readonly scale: EncoderScale;
  readonly latentDim: number;
  readonly imageShape: ImageShape;
}

/** Gradients of an objective with respect to each parameter, by name, in the parameter set's order. */
export type ParameterGradients = Map<string, Float32Array>;

/** The value interval of an output range. */
export function rangeValues(range: OutputRange): ValueRange {
  return range === '01' ? [0, 1] : [-1, 1];
}

/** The per-item shape the decoder's latent input takes. */
export function latentShapeOf(decoder: Decoder): readonly number[] {
  return decoder.latentShape ?? [decoder.latentDim];
}

/** The number of values in one image. */
export function imageElements(shape: ImageShape): number {
  return shape[0] * shape[1] * shape[2];
}
