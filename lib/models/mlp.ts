/**
 * Fully connected decoders and encoders: z -> [Linear -> activation] x L -> Linear -> Sigmoid/Tanh -> image,
 * and image -> Flatten -> [Linear -> activation] x L -> two Linear heads (mu, log sigma).
 */
import type { ImageShape } from '../data/index.js';
import { invalidArgument } from '../errors.js';
import { GraphBuilder } from '../onnx/builder.js';
import { Graph, Model } from '../onnx/ir.js';
import { ParameterSet } from '../onnx/params.js';
import { checkChoice, checkImageShape, checkPositiveInt, checkSeed, checkSizes } from './check.js';
import { WeightInit } from './init.js';
import { ACTIVATIONS, LayerWriter, schemeBefore, type Activation } from './layers.js';
import { imageElements, type Decoder, type Encoder } from './networks.js';

/** The opset built models declare (what torch.onnx.export writes by default). */
export const BUILD_OPSET = 17;

/** Options shared by the fully connected builders. */
export interface MlpOptions {
  latentDim: number;
  /** [C, H, W] of one image. */
  imageShape: ImageShape;
  /** Hidden layer widths, input side first. Default [512, 512]. */
  hidden?: number[];
  /** Hidden activation. Default 'relu'. */
  activation?: Activation;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number | bigint;
}

/** Options of mlpDecoder. */
export interface MlpDecoderOptions extends MlpOptions {
  /** Final activation: 'sigmoid' (mean in [0, 1]) or 'tanh' ([-1, 1]). Default 'sigmoid'. */
  output?: 'sigmoid' | 'tanh';
}

/**
 * A fully connected decoder with input `z` [batch, d] and output `x_mean` [batch, C, H, W].
 *
 * @example
 * const decoder = mlpDecoder({ latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512], seed: 1 });
 */
export function mlpDecoder(options: MlpDecoderOptions): Decoder {
  const o = checkMlp(options, 'mlpDecoder');
  const output = checkChoice('mlpDecoder options.output', options.output ?? 'sigmoid', ['sigmoid', 'tanh'] as const);
  const model = new Model(new Graph(), BUILD_OPSET);
  model.graph.name = 'mlp_decoder';
  const b = new GraphBuilder(model);
  using init = new WeightInit(o.seed);
  const w = new LayerWriter(b, init);
  const sizes = [o.latentDim, ...o.hidden, imageElements(o.imageShape)];
  let h = b.input('z', 'float32', ['batch', o.latentDim]);
  for (let i = 1; i < sizes.length; i++) {
    const last = i === sizes.length - 1;
    h = w.dense(h, `fc${i}`, sizes[i - 1], sizes[i], schemeBefore(last ? 'none' : o.activation));
    if (!last) h = w.activation(h, o.activation, `act${i}`);
  }
  const image = b.reshape(h, [-1, ...o.imageShape]);
  const headOp = output === 'sigmoid' ? 'Sigmoid' : 'Tanh';
  b.op(headOp, [image], {}, { name: `/out/${headOp}`, outputs: ['x_mean'] });
  model.graph.outputs.push({ name: 'x_mean', dtype: 'float32', shape: ['batch', ...o.imageShape] });
  return {
    model,
    params: ParameterSet.fromModel(model),
    latentInput: 'z',
    output: 'x_mean',
    latentDim: o.latentDim,
    imageShape: o.imageShape,
    layout: 'nchw',
    range: output === 'sigmoid' ? '01' : '11',
    head: { op: headOp, node: `/out/${headOp}` },
  };
}

/**
 * A fully connected encoder with input `x` [batch, C, H, W] and outputs `mu` and `logsigma` [batch, d].
 *
 * @example
 * const encoder = mlpEncoder({ latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512] });
 */
export function mlpEncoder(options: MlpOptions): Encoder {
  const o = checkMlp(options, 'mlpEncoder');
  const model = new Model(new Graph(), BUILD_OPSET);
  model.graph.name = 'mlp_encoder';
  const b = new GraphBuilder(model);
  using init = new WeightInit(o.seed);
  const w = new LayerWriter(b, init);
  const x = b.input('x', 'float32', ['batch', ...o.imageShape]);
  let h = b.op('Flatten', [x], { axis: 1 }, { name: '/flatten/Flatten' });
  const sizes = [imageElements(o.imageShape), ...o.hidden];
  for (let i = 1; i < sizes.length; i++) {
    h = w.activation(w.dense(h, `fc${i}`, sizes[i - 1], sizes[i], schemeBefore(o.activation)), o.activation, `act${i}`);
  }
  writeHeads(b, w, h, sizes[sizes.length - 1], o.latentDim);
  return encoderDescription(model, o.latentDim, o.imageShape);
}

/** The two linear heads `mu` and `logsigma` [batch, d] of the built encoders. */
export function writeHeads(b: GraphBuilder, w: LayerWriter, h: string, width: number, latentDim: number): void {
  for (const name of ['mu', 'logsigma']) {
    const y = w.dense(h, `fc_${name}`, width, latentDim, 'glorot');
    b.output(y, name, 'float32', ['batch', latentDim]);
  }
}

/** The Encoder description of a built encoder (input `x` NCHW, outputs `mu` and `logsigma`). */
export function encoderDescription(model: Model, latentDim: number, imageShape: ImageShape): Encoder {
  return {
    model,
    params: ParameterSet.fromModel(model),
    imageInput: 'x',
    inputLayout: 'nchw',
    outputs: { mu: 'mu', scale: 'logsigma' },
    scale: 'logsigma',
    latentDim,
    imageShape,
  };
}

function checkMlp(options: MlpOptions, who: string) {
  if (typeof options !== 'object' || options === null) invalidArgument(`${who} options`, 'an options object', options);
  return {
    latentDim: checkPositiveInt(`${who} options.latentDim`, options.latentDim),
    imageShape: checkImageShape(`${who} options.imageShape`, options.imageShape),
    hidden: checkSizes(`${who} options.hidden`, options.hidden ?? [512, 512]),
    activation: checkChoice(`${who} options.activation`, options.activation ?? 'relu', ACTIVATIONS),
    seed: checkSeed(`${who} options.seed`, options.seed ?? 0),
  };
}
