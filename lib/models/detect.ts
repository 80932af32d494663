/**
 * What a pretrained network's graph says about itself: the final activation of a decoder (which fixes its
 * output range and lets likelihoods read logits), where the mean image of a decoder with a display head likely
 * is, and how an image tensor's axes map onto [C, H, W].
 */
import type { ImageLayout, ImageShape } from '../data/index.js';
import { LpcError } from '../errors.js';
import type { Dim, Model } from '../onnx/ir.js';
import type { DecoderHead } from './networks.js';

/** Operators that only move values around, so an elementwise activation before them commutes with them. */
const LAYOUT_OPS = new Set(['Transpose', 'Reshape', 'Flatten', 'Identity', 'Squeeze', 'Unsqueeze']);
/**
 * Operators that read only the shape of their input. torch.onnx.export writes `h.view(h.size(0), ...)` as a
 * Shape of h beside the Reshape; cutting an elementwise activation before h does not change what they see.
 */
const SHAPE_READERS = new Set(['Shape', 'Size']);

/**
 * The Sigmoid or Tanh that produces `output`, directly or through layout operators whose results nothing
 * else reads (except for their shape); null when there is none (e.g. a linear output, or a Clip or a scaling
 * after the activation).
 */
export function findHead(model: Model, output: string): DecoderHead | null {
  const g = model.graph;
  const producers = g.producers();
  const consumers = g.consumers();
  const outputs = new Set(g.outputs.map((o) => o.name));
  let value = output;
  for (;;) {
    const node = producers.get(value);
    if (node === undefined) return null;
    if ((node.opType === 'Sigmoid' || node.opType === 'Tanh') && (node.domain === '' || node.domain === 'ai.onnx')) {
      return { op: node.opType, node: node.name };
    }
    if (!LAYOUT_OPS.has(node.opType)) return null;
    const source = node.inputs[0];
    const readers = (consumers.get(source) ?? []).filter((n) => !SHAPE_READERS.has(n.opType));
    if (readers.length !== 1 || outputs.has(source)) return null;
    value = source;
  }
}

/**
 * The output of the nearest Sigmoid or Tanh upstream of `output`, following each node's first input that is not
 * a weight, at most `depth` nodes back; null when there is none. Display heads (`Mul 255 -> Cast uint8`,
 * channel shuffles, an alpha channel) sit after the activation, so this is the likely mean image to cut at.
 */
export function activationBefore(model: Model, output: string, depth = 16): string | null {
  const g = model.graph;
  const producers = g.producers();
  let value = output;
  for (let i = 0; i < depth; i++) {
    const node = producers.get(value);
    if (node === undefined) return null;
    if (value !== output && (node.opType === 'Sigmoid' || node.opType === 'Tanh') && (node.domain === '' || node.domain === 'ai.onnx')) return value;
    const next = node.inputs.find((name) => name !== '' && !g.initializers.has(name));
    if (next === undefined) return null;
    value = next;
  }
  return null;
}

/** How an image tensor's per-item axes (batch axis removed) read as images. */
export interface ImageAxes {
  /** 'flat' for [D] (NCHW order); rank-2 [H, W] items count as single-channel 'nchw'. */
  layout: ImageLayout | 'flat';
  imageShape: ImageShape;
}

const channelLike = (d: number) => d === 1 || d === 3 || d === 4;

/**
 * Reads `dims` (the axes after the batch axis, all static) as images, using the data's image shape when
 * given, a forced layout when given, and otherwise the rule that the channel axis is the one of size 1, 3 or
 * 4 (the other not). `what` names the tensor in messages.
 */
export function readImageAxes(what: string, dims: readonly Dim[], imageShape?: ImageShape, layout?: ImageLayout): ImageAxes {
  if (!dims.every((d): d is number => typeof d === 'number')) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `${what} has per-image dims [${dims.map((d) => d ?? '?').join(', ')}] that are not all fixed; pass imageShape (and layout) explicitly`);
  }
  const size = dims.reduce((p, d) => p * d, 1);
  const mismatch = (shape: ImageShape): never => {
    throw new LpcError('LPC_SHAPE_MISMATCH', `${what} has per-image dims [${dims.join(', ')}], which do not hold images of shape [${shape.join(', ')}] (C, H, W)`);
  };
  if (dims.length === 3) {
    const [a, b, c] = dims;
    const asNchw: ImageShape = [a, b, c];
    const asNhwc: ImageShape = [c, a, b];
    const equal = (s: ImageShape, t: ImageShape) => s[0] === t[0] && s[1] === t[1] && s[2] === t[2];
    if (layout !== undefined) {
      const shape = layout === 'nchw' ? asNchw : asNhwc;
      if (imageShape !== undefined && !equal(shape, imageShape)) mismatch(imageShape);
      return { layout, imageShape: shape };
    }
    if (imageShape !== undefined) {
      const n = equal(asNchw, imageShape);
      const h = equal(asNhwc, imageShape);
      if (n && h) throw new LpcError('LPC_INVALID_ARGUMENT', `${what}: dims [${dims.join(', ')}] read as NCHW or NHWC alike; pass layout 'nchw' or 'nhwc'`);
      if (n) return { layout: 'nchw', imageShape };
      if (h) return { layout: 'nhwc', imageShape };
      mismatch(imageShape);
    }
    if (channelLike(a) && !channelLike(c)) return { layout: 'nchw', imageShape: asNchw };
    if (channelLike(c) && !channelLike(a)) return { layout: 'nhwc', imageShape: asNhwc };
    throw new LpcError('LPC_INVALID_ARGUMENT', `${what}: cannot tell whether dims [${dims.join(', ')}] are NCHW or NHWC; pass imageShape or layout`);
  }
  if (dims.length === 2 || dims.length === 1) {
    let shape = imageShape;
    if (shape === undefined && dims.length === 2) shape = [1, dims[0], dims[1]];
    if (shape === undefined) {
      const side = Math.round(Math.sqrt(size));
      if (side * side !== size) throw new LpcError('LPC_INVALID_ARGUMENT', `${what} has ${size} values per image, not a square single-channel image; pass imageShape`);
      shape = [1, side, side];
    }
    if (shape[0] * shape[1] * shape[2] !== size) mismatch(shape);
    if (dims.length === 2 && shape[0] !== 1) mismatch(shape);
    return { layout: dims.length === 1 ? 'flat' : 'nchw', imageShape: shape };
  }
  throw new LpcError('LPC_INVALID_MODEL', `${what} has rank ${dims.length + 1}; image tensors are [batch, C, H, W], [batch, H, W, C], [batch, H, W] or [batch, D]`);
}
