/**
 * Loading a pretrained decoder (e.g. exported by torch.onnx.export): which input takes z and its shape, which
 * output is the image, its layout (NCHW or NHWC, or flat) and its range (sigmoid [0, 1] or tanh [-1, 1]),
 * each detected from the graph when it can be and otherwise taken from the options.
 */
import type { ImageLayout, ImageShape } from '../data/index.js';
import { invalidArgument, LpcError } from '../errors.js';
import { isIntegral } from '../onnx/dtype.js';
import { inferTypes } from '../onnx/infer.js';
import type { Dim, Model } from '../onnx/ir.js';
import { ParameterSet } from '../onnx/params.js';
import { checkImageShape, checkKnownKeys, checkOneOf, checkPositiveInt, checkSizes } from '../checks.js';
import { activationBefore, findHead, readImageAxes, type ImageAxes } from './detect.js';
import { resolveLatentShape } from './latent-shape.js';
import { probeOutputDims, readSource, type ModelSource } from './load-source.js';
import type { Decoder, DecoderHead, OutputRange } from './networks.js';

/** Options of loadDecoder; each one given overrides what would be detected. */
export interface LoadDecoderOptions {
  /** [C, H, W] of the data: needed when the output's shape does not say it (flat outputs, layouts it leaves ambiguous). */
  imageShape?: ImageShape;
  /** Axis order of the image output. Detected from its shape (and imageShape). */
  layout?: ImageLayout;
  /**
   * '01' (sigmoid) or '11' (tanh): the interval of the mean, detected from the final operator, and forced for
   * outputs without one; 'logits' for a decoder returning Bernoulli logits (its mean is their sigmoid, range '01').
   */
  range?: OutputRange | 'logits';
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
  const outputType = g.output(output)?.dtype;
  if (isIntegral(outputType)) {
    const likely = activationBefore(model, output);
    const hint = likely === null ? '' : ` (the output of the last Sigmoid or Tanh before it is '${likely}')`;
    throw new LpcError(
      'LPC_INVALID_MODEL',
      `the decoder output '${output}' holds ${outputType} values (a picture for display, not a mean image); cut the graph at the float tensor of the mean image${hint}: --decoder-tensor NAME with train, eval, infer, sample or export-web, cutGraph(model, [NAME]) from lib/onnx in code`,
    );
  }
  const latentShape = await resolveLatentShape(model, input, output, o);
  let dims = inferredShape(model, output);
  if (dims === null || dims.slice(1).some((d) => typeof d !== 'number')) {
    dims = (await probeOutputDims(model, input.name, [2, ...latentShape])).get(output) ?? null;
  }
  if (dims === null) throw new LpcError('LPC_INVALID_MODEL', `cannot determine the shape of the decoder output '${output}'`);
  const axes = readImageAxes(`the decoder output '${output}'`, dims.slice(1) as Dim[], o.imageShape, o.layout);

  if (o.range === 'logits') {
    const logits = appendSigmoid(model, output);
    return { ...described(model, bytes, input.name, logits.output, latentShape, axes, o.layout), range: '01', head: logits.head };
  }
  const found = findHead(model, output);
  const range = o.range ?? (found?.op === 'Sigmoid' ? '01' : found?.op === 'Tanh' ? '11' : undefined);
  if (range === undefined) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `the decoder output '${output}' does not end in Sigmoid or Tanh, so its range is unknown; pass range '01' or '11' (the mean's interval) or 'logits'`);
  }
  // A head that disagrees with a forced range is not cut: the output is then used as the mean it claims to be.
  const head = found !== null && (found.op === 'Sigmoid') === (range === '01') ? found : null;
  return { ...described(model, bytes, input.name, output, latentShape, axes, o.layout), range, head };
}

/** The parts of a decoder's description that do not depend on its range. */
function described(model: Model, bytes: Uint8Array | undefined, latentInput: string, output: string, latentShape: number[], axes: ImageAxes, layout?: ImageLayout) {
  return {
    model,
    source: bytes,
    params: ParameterSet.fromModel(model),
    latentInput,
    output,
    latentDim: latentShape.reduce((p, d) => p * d, 1),
    latentShape,
    imageShape: axes.imageShape,
    layout: axes.layout === 'flat' ? (layout ?? 'nchw') : axes.layout,
  };
}

/**
 * A decoder that returns logits (trained with BCEWithLogits) gets a Sigmoid appended, so that its output is the
 * mean as everywhere else; the Sigmoid is its head, which the Bernoulli likelihood cuts to read the logits.
 * Exports write parameters into the original bytes, so an exported model still returns logits.
 */
function appendSigmoid(model: Model, output: string): { output: string; head: DecoderHead } {
  const g = model.graph;
  const mean = `${output}/mean`;
  const node = '/range/Sigmoid';
  g.nodes.push({ name: node, opType: 'Sigmoid', domain: '', inputs: [output], outputs: [mean], attrs: new Map() });
  g.outputs = g.outputs.map((v) => (v.name === output ? { ...v, name: mean } : v));
  return { output: mean, head: { op: 'Sigmoid', node } };
}

function checkOptions(options: LoadDecoderOptions): LoadDecoderOptions {
  checkKnownKeys(options, ['imageShape', 'layout', 'range', 'latentDim', 'latentShape', 'output'] satisfies (keyof LoadDecoderOptions)[], 'loadDecoder');
  return {
    imageShape: options.imageShape === undefined ? undefined : checkImageShape('imageShape', options.imageShape),
    layout: options.layout === undefined ? undefined : checkOneOf('layout', options.layout, ['nchw', 'nhwc'] as const),
    range: options.range === undefined ? undefined : checkOneOf('range', options.range, ['01', '11', 'logits'] as const),
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
