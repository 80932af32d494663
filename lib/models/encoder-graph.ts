/**
 * An encoder in the form the trainers use: input `x` [batch, C, H, W] (NCHW, in the decoder's range) and
 * outputs `mu` and `logsigma` [batch, d]. NHWC and flat inputs get a Transpose or Reshape of x; a single
 * [batch, 2d] output is split in half (mu first); log sigma^2 outputs are halved into log sigma.
 */
import { GraphBuilder } from '../onnx/builder.js';
import type { Model } from '../onnx/ir.js';
import { removeDeadNodes, sortNodes } from '../onnx/topo.js';
import { LpcError } from '../errors.js';
import { freeReservedNames, renameValue } from './graph-edit.js';
import type { Encoder } from './networks.js';

/** Names the normalised encoder graph gives its interface. */
const ENCODER_NAMES = ['x', 'mu', 'logsigma'] as const;

/**
 * The encoder's graph with the standard interface (parameters as initializers holding current values).
 *
 * @example
 * const model = buildEncoderGraph(await loadEncoder('enc.onnx', { encoderOutput: 'logvar' }));
 * model.graph.outputs.map((o) => o.name); // ['mu', 'logsigma']
 */
export function buildEncoderGraph(encoder: Encoder): Model {
  const model = encoder.model.clone();
  const g = model.graph;
  for (const p of encoder.params) {
    const t = g.initializers.get(p.name);
    if (t !== undefined) g.initializers.set(p.name, { dtype: t.dtype, dims: t.dims, data: t.dtype === 'float64' ? Float64Array.from(p.data) : p.data.slice() });
  }
  const original = g.input(encoder.imageInput);
  if (original === undefined) throw new LpcError('LPC_NOT_FOUND', `the encoder has no input '${encoder.imageInput}'`);
  const rank = original.shape?.length ?? (encoder.inputLayout === 'flat' ? 2 : 4);
  const renames = freeReservedNames(model, ENCODER_NAMES, ['grad/', 'grad_in/'], new Set(encoder.params.names));
  const rename = (v: string) => renames.get(v) ?? v;
  const oldInput = rename(encoder.imageInput);
  g.inputs = g.inputs.filter((v) => v.name !== oldInput);
  g.outputs = [];

  const b = new GraphBuilder(model, 'encoder/');
  const [C, H, W] = encoder.imageShape;
  let x = b.input('x', 'float32', ['batch', C, H, W]);
  if (encoder.inputLayout === 'nhwc') x = b.transpose(x, [0, 2, 3, 1]);
  if (encoder.inputLayout === 'flat') x = b.reshape(x, [0, -1]);
  else if (rank === 3) x = b.reshape(x, [0, H, W]);
  renameValue(g, oldInput, x);

  let mu: string;
  let scale: string;
  if ('joint' in encoder.outputs) [mu, scale] = b.split(rename(encoder.outputs.joint), [encoder.latentDim, encoder.latentDim], 1);
  else [mu, scale] = [rename(encoder.outputs.mu), rename(encoder.outputs.scale)];
  const logSigma = encoder.scale === 'logvar' ? b.op('Mul', [scale, b.scalar(0.5, 'float32')]) : scale;
  b.output(mu, 'mu', 'float32', ['batch', encoder.latentDim]);
  b.output(logSigma, 'logsigma', 'float32', ['batch', encoder.latentDim]);
  removeDeadNodes(g);
  g.nodes = sortNodes(g);
  return model;
}
