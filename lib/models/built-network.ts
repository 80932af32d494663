/**
 * What the network builders (MLP, convolutional) share: the empty model they start from, the decoder's output
 * head and the encoder's two linear heads, and the descriptions they return. Built decoders all end in
 * Sigmoid or Tanh named `/out/<Op>` with output `x_mean`; built encoders all read `x` and write `mu` and
 * `logsigma`.
 */
import type { ImageShape } from '../data/index.js';
import { GraphBuilder } from '../onnx/builder.js';
import { Graph, Model } from '../onnx/ir.js';
import { ParameterSet } from '../onnx/params.js';
import { checkOneOf } from '../checks.js';
import { LayerWriter } from './layers.js';
import type { Decoder, Encoder } from './networks.js';

/** The opset built models declare (what torch.onnx.export writes by default). */
export const BUILD_OPSET = 17;

/** A built decoder's final activation: 'sigmoid' (mean in [0, 1]) or 'tanh' ([-1, 1]). */
export type DecoderOutput = 'sigmoid' | 'tanh';

/** A layer writer into a new, empty model named `name` at BUILD_OPSET, its weights seeded by `seed` (dispose it when done). */
export function newNetwork(name: string, seed: number | bigint): LayerWriter {
  const model = new Model(new Graph(), BUILD_OPSET);
  model.graph.name = name;
  return new LayerWriter(new GraphBuilder(model), seed);
}

/** Checks the `output` option of decoder builder `who` (default 'sigmoid'). */
export function checkDecoderOutput(who: string, output: unknown): DecoderOutput {
  return checkOneOf(`${who} options.output`, output ?? 'sigmoid', ['sigmoid', 'tanh'] as const);
}

/** Ends a decoder: Sigmoid or Tanh of `h` [batch, C, H, W] as the output `x_mean`. Returns its description. */
export function finishDecoder(b: GraphBuilder, h: string, output: DecoderOutput, latentDim: number, imageShape: ImageShape): Decoder {
  const model = b.model;
  const headOp = output === 'sigmoid' ? 'Sigmoid' : 'Tanh';
  b.op(headOp, [h], {}, { name: `/out/${headOp}`, outputs: ['x_mean'] });
  model.graph.outputs.push({ name: 'x_mean', dtype: 'float32', shape: ['batch', ...imageShape] });
  return {
    model,
    params: ParameterSet.fromModel(model),
    latentInput: 'z',
    output: 'x_mean',
    latentDim,
    imageShape,
    layout: 'nchw',
    range: output === 'sigmoid' ? '01' : '11',
    head: { op: headOp, node: `/out/${headOp}` },
  };
}

/**
 * Ends an encoder: two linear heads `mu` and `logsigma` [batch, d] on the features `h` [batch, width]. Returns
 * its description (input `x` NCHW).
 */
export function finishEncoder(w: LayerWriter, h: string, width: number, latentDim: number, imageShape: ImageShape): Encoder {
  for (const name of ['mu', 'logsigma']) {
    const y = w.dense(h, `fc_${name}`, width, latentDim, 'glorot');
    w.b.output(y, name, 'float32', ['batch', latentDim]);
  }
  return {
    model: w.b.model,
    params: ParameterSet.fromModel(w.b.model),
    imageInput: 'x',
    inputLayout: 'nchw',
    outputs: { mu: 'mu', scale: 'logsigma' },
    scale: 'logsigma',
    latentDim,
    imageShape,
  };
}
