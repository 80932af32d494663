/**
 * Loading a pretrained decoder (e.g. exported by torch.onnx.export): which input takes z and its shape, which
 * output is the image, its layout (NCHW or NHWC, or flat) and its range (sigmoid [0, 1] or tanh [-1, 1]),
 * each detected from the graph when it can be and otherwise taken from the options.
 */
import type { ImageLayout, ImageShape } from '../data/index.js';
import { invalidArgument, LpcError } from '../errors.js';
import { inferTypes } from '../onnx/infer.js';
import type { Dim, Model } from '../onnx/ir.js';
import { ParameterSet } from '../onnx/params.js';
import { checkChoice, checkImageShape, checkPositiveInt, checkSizes } from './check.js';
import { findHead, readImageAxes } from './detect.js';
import { resolveLatentShape } from './latent-shape.js';
import { probeOutputDims, readSource, type ModelSource } from './load-source.js';
import type { Decoder, OutputRange } from './networks.js';

/** Options of loadDecoder; each one given overrides what would be detected. */
export interface LoadDecoderOptions {
  /** [C, H, W] of the data: needed when the output's shape does not say it (flat outputs, layouts it leaves ambiguous). */
  imageShape?: ImageShape;
  /** Axis order of the image output. Detected from its shape (and imageShape). */
  layout?: ImageLayout;
  /** '01' (sigmoid) or '11' (tanh). Detected from the final operator. */
  range?: OutputRange;
  /** Size of z; needed when the model's input [batch, d] does not fix it. */
  latentDim?: number;
  /**
   * Shape of one latent, e.g. [C, h, w] for an input [batch, C, h, w]; needed when the model leaves it open
   * and the images' size (imageShape) cannot settle it.
   */
  latentShape?: readonly number[];
  /** The image output when the model has several (default the first). */
  output?: string;
}

/**
 * Reads a decoder and works out how to use it.
 *
 * @example
 * const decoder = await loadDecoder('vae_decoder.onnx', { imageShape: [1, 28, 28] });
 * decoder.layout; // 'nhwc' for a Keras-style output [batch, 28, 28, 1]
 * decoder.range;  // '01' when it ends in Sigmoid
 */
export async function loadDecoder(source: ModelSource, options: LoadDecoderOptions = {}): Promise<Decoder> {
  const o = checkOptions(options);
  const { model, bytes } = readSource(source, 'decoder');
  const g = model.graph;
  const feeds = g.inputs.filter((v) => !g.initializers.has(v.name));
  if (feeds.length !== 1) {
    throw new LpcError('LPC_INVALID_MODEL', `a decoder must have one input (z); this model has ${feeds.length}: ${feeds.map((v) => `'${v.name}'`).join(', ')}`);
  }
  const input = feeds[0];
  const output = o.output ?? g.outputs[0]?.name;
  if (output === undefined || !g.output(output)) throw new LpcError('LPC_NOT_FOUND', `the decoder has no output '${output}' (outputs: ${g.outputs.map((v) => v.name).join(', ')})`);
  const latentShape = await resolveLatentShape(model, input, output, o);
  const latentDim = latentShape.reduce((p, d) => p * d, 1);

  let dims = inferredShape(model, output);
  if (dims === null || dims.slice(1).some((d) => typeof d !== 'number')) {
    dims = (await probeOutputDims(model, input.name, [2, ...latentShape])).get(output) ?? null;
  }
  if (dims === null) throw new LpcError('LPC_INVALID_MODEL', `cannot determine the shape of the decoder output '${output}'`);
  const axes = readImageAxes(`the decoder output '${output}'`, dims.slice(1) as Dim[], o.imageShape, o.layout);

  const found = findHead(model, output);
  const range = o.range ?? (found?.op === 'Sigmoid' ? '01' : found?.op === 'Tanh' ? '11' : undefined);
  if (range === undefined) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `the decoder output '${output}' does not end in Sigmoid or Tanh, so its range is unknown; pass range '01' or '11'`);
  }
  // A head that disagrees with a forced range is not cut: the output is then used as the mean it claims to be.
  const head = found !== null && (found.op === 'Sigmoid') === (range === '01') ? found : null;
  return {
    model,
    source: bytes,
    params: ParameterSet.fromModel(model),
    latentInput: input.name,
    output,
    latentDim,
    latentShape,
    imageShape: axes.imageShape,
    layout: axes.layout === 'flat' ? (o.layout ?? 'nchw') : axes.layout,
    range,
    head,
  };
}

function checkOptions(options: LoadDecoderOptions): LoadDecoderOptions {
  if (typeof options !== 'object' || options === null) invalidArgument('options', 'an options object', options);
  return {
    imageShape: options.imageShape === undefined ? undefined : checkImageShape('imageShape', options.imageShape),
    layout: options.layout === undefined ? undefined : checkChoice('layout', options.layout, ['nchw', 'nhwc'] as const),
    range: options.range === undefined ? undefined : checkChoice('range', options.range, ['01', '11'] as const),
    latentDim: options.latentDim === undefined ? undefined : checkPositiveInt('latentDim', options.latentDim),
    latentShape: options.latentShape === undefined ? undefined : checkSizes('latentShape', options.latentShape, false),
    output: options.output === undefined ? undefined : typeof options.output === 'string' ? options.output : invalidArgument('output', 'an output name', options.output),
  };
}

/** The inferred shape of a value, or null when inference cannot tell (the caller then probes a run). */
export function inferredShape(model: Model, value: string): Dim[] | null {
  try {
    return inferTypes(model, { strict: () => false }).get(value)?.shape ?? null;
  } catch {
    return null;
  }
}
