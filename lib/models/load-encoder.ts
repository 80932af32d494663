/**
 * Loading a pretrained encoder: its image input (NCHW, NHWC or flat), its outputs (mu and a scale as two
 * outputs, or one [batch, 2d] output holding mu then the scale), and whether the scale is log sigma or
 * log sigma^2 (option, else read from the output's name: 'logvar'/'log_var' mean log sigma^2, otherwise log sigma).
 */
import type { ImageLayout, ImageShape } from '../data/index.js';
import { LpcError } from '../errors.js';
import type { Dim } from '../onnx/ir.js';
import { ParameterSet } from '../onnx/params.js';
import { checkImageShape, checkKnownKeys, checkOneOf, checkPositiveInt } from '../checks.js';
import { readImageAxes } from './detect.js';
import { inferredShape } from './load-decoder.js';
import { probeOutputDims, readSource, type ModelSource } from './load-source.js';
import type { Encoder, EncoderScale } from './networks.js';

/** Options of loadEncoder; each one given overrides what would be detected. */
export interface LoadEncoderOptions {
  /** [C, H, W] of the data: needed when the input's shape does not say it. */
  imageShape?: ImageShape;
  /** Axis order of the image input. Detected from its shape (and imageShape). */
  layout?: ImageLayout;
  /** What the scale output holds. Default: 'logvar' when its name says log_var/logvar, else 'logsigma'. */
  encoderOutput?: EncoderScale;
  /** Size of z; needed when the outputs do not fix it. */
  latentDim?: number;
}

const MU_NAME = /(^|[^a-z])(mu|mean|loc)([^a-z]|$)/i;
const LOGVAR_NAME = /log_?var/i;

/**
 * Reads an encoder and works out how to use it.
 *
 * @example
 * const encoder = await loadEncoder('vae_encoder.onnx', { encoderOutput: 'logvar' });
 */
export async function loadEncoder(source: ModelSource, options: LoadEncoderOptions = {}): Promise<Encoder> {
  checkKnownKeys(options, ['imageShape', 'layout', 'encoderOutput', 'latentDim'] satisfies (keyof LoadEncoderOptions)[], 'loadEncoder');
  const imageShapeOption = options.imageShape === undefined ? undefined : checkImageShape('imageShape', options.imageShape);
  const layoutOption = options.layout === undefined ? undefined : checkOneOf('layout', options.layout, ['nchw', 'nhwc'] as const);
  const scaleOption = options.encoderOutput === undefined ? undefined : checkOneOf('encoderOutput', options.encoderOutput, ['logsigma', 'logvar'] as const);
  const latentOption = options.latentDim === undefined ? undefined : checkPositiveInt('latentDim', options.latentDim);
  const { model, bytes } = readSource(source, 'encoder');
  const g = model.graph;
  const feeds = g.inputs.filter((v) => !g.initializers.has(v.name));
  if (feeds.length !== 1) throw new LpcError('LPC_INVALID_MODEL', `an encoder must have one input (the images); this model has ${feeds.length}: ${feeds.map((v) => `'${v.name}'`).join(', ')}`);
  const input = feeds[0];
  const inputDims = input.shape?.slice(1) ?? null;
  let axes: ReturnType<typeof readImageAxes>;
  if (inputDims !== null && inputDims.every((d) => typeof d === 'number')) axes = readImageAxes(`the encoder input '${input.name}'`, inputDims, imageShapeOption, layoutOption);
  else if (imageShapeOption !== undefined) axes = { layout: layoutOption ?? (inputDims?.length === 1 ? 'flat' : 'nchw'), imageShape: imageShapeOption };
  else throw new LpcError('LPC_INVALID_ARGUMENT', `the encoder input '${input.name}' does not fix the image size; pass imageShape`);

  if (g.outputs.length !== 1 && g.outputs.length !== 2) throw new LpcError('LPC_INVALID_MODEL', `an encoder must have two outputs (mu, scale) or one [batch, 2d]; this model has ${g.outputs.length}`);
  const dimsOf = async (name: string): Promise<Dim[] | null> => {
    const inferred = inferredShape(model, name);
    if (inferred !== null && inferred.length === 2 && typeof inferred[1] === 'number') return inferred;
    const [C, H, W] = axes.imageShape;
    const probeDims = axes.layout === 'flat' ? [2, C * H * W] : axes.layout === 'nhwc' ? [2, H, W, C] : input.shape?.length === 3 ? [2, H, W] : [2, C, H, W];
    return (await probeOutputDims(model, input.name, probeDims)).get(name) ?? null;
  };
  let outputs: Encoder['outputs'];
  let width: Dim | undefined;
  let scaleName: string;
  if (g.outputs.length === 2) {
    const [first, second] = g.outputs.map((v) => v.name);
    const swap = !MU_NAME.test(first) && MU_NAME.test(second);
    outputs = swap ? { mu: second, scale: first } : { mu: first, scale: second };
    scaleName = outputs.scale;
    width = (await dimsOf(outputs.mu))?.[1];
  } else {
    outputs = { joint: g.outputs[0].name };
    scaleName = outputs.joint;
    const joint = (await dimsOf(outputs.joint))?.[1];
    if (typeof joint === 'number' && joint % 2 !== 0)
      throw new LpcError('LPC_SHAPE_MISMATCH', `the single encoder output '${outputs.joint}' has ${joint} values per image; it must hold mu and the scale, 2d values`);
    width = typeof joint === 'number' ? joint / 2 : undefined;
  }
  let latentDim: number;
  if (typeof width === 'number') {
    if (latentOption !== undefined && latentOption !== width) throw new LpcError('LPC_SHAPE_MISMATCH', `latentDim is ${latentOption} but the encoder outputs ${width} latent values`);
    latentDim = width;
  } else if (latentOption !== undefined) latentDim = latentOption;
  else throw new LpcError('LPC_INVALID_ARGUMENT', 'the encoder outputs do not fix the latent size; pass latentDim');
  return {
    model,
    source: bytes,
    params: ParameterSet.fromModel(model),
    imageInput: input.name,
    inputLayout: axes.layout,
    outputs,
    scale: scaleOption ?? (LOGVAR_NAME.test(scaleName) ? 'logvar' : 'logsigma'),
    latentDim,
    imageShape: axes.imageShape,
  };
}
