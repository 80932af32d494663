/**
 * Composes a decoder and a likelihood into one forward energy graph (docs/ARCHITECTURE.md §4):
 *
 *   inputs   x [batch, C, H, W] (NCHW, in the decoder's range), z [chains, d], chains = batch * K
 *            (a latent of shape [C', h, w] is reshaped from its flat row of d = C' h w at the boundary)
 *   outputs  energy [chains] = -log p(x|z) + |z|^2 / 2,  nll [chains] = -log p(x|z),
 *            sse [chains] (squared error of the mean, decoder range),  mean [chains, C*H*W] (NCHW)
 *
 * K is not part of the graph: the decoder output is reshaped to [batch, K, D] (K read off as -1) and x to
 * [batch, 1, D], and the likelihood's elementwise operators broadcast x over the K chains of its datapoint
 * (chain index b*K + k), so x is never copied K times. An NHWC decoder output is transposed to NCHW here. For
 * likelihoods that read logits, a final Sigmoid (or Tanh) is cut and its input used instead. With masks, hidden
 * pixels are NaN in x and every per-pixel term is multiplied by the 0/1 mask of observed ones.
 *
 * The gradient graphs that runtimes execute are derived from this one (energy-runs.ts).
 */
import { GraphBuilder } from '../onnx/builder.js';
import type { Model } from '../onnx/ir.js';
import type { Parameter } from '../onnx/params.js';
import { removeDeadNodes, sortNodes } from '../onnx/topo.js';
import { LpcError } from '../errors.js';
import { freeReservedNames, renameValue } from '../models/graph-edit.js';
import { imageElements, latentShapeOf, type Decoder } from '../models/networks.js';
import { makeTensor } from '../onnx/tensor.js';
import { bernoulli } from './bernoulli.js';
import { discretized } from './discretized.js';
import { gaussian } from './gaussian.js';
import { LOG_SIGMA_PARAM, type Likelihood, type LikelihoodSpec, type OutputForm } from './spec.js';
import type { ImageShape } from '../data/index.js';

/** Names an energy graph gives its interface; decoder values that use them are renamed. */
export const ENERGY_NAMES = ['x', 'z', 'energy', 'grad_z', 'nll', 'sse', 'mean', LOG_SIGMA_PARAM] as const;
/** The order of the forward graph's outputs. */
const OUTPUT_ORDER = ['energy', 'nll', 'sse', 'mean'];
/** Prefixes of the names the autodiff gives gradient inputs and outputs. */
const GRADIENT_PREFIXES = ['grad/', 'grad_in/'];

/** A forward energy graph and what runtimes need to derive and feed its gradient graphs. */
export interface EnergyGraph {
  /** The forward model (parameters as initializers, holding the decoder's current values). */
  readonly model: Model;
  /** Values whose gradient is cut (the optimal sigma). */
  readonly stopGradient: readonly string[];
  /** Parameters the likelihood added (the learned log sigma), with their initial values. */
  readonly likelihoodParams: readonly Parameter[];
  readonly latentDim: number;
  readonly imageShape: ImageShape;
  /** C * H * W. */
  readonly dataSize: number;
}

/** How the graph reads x. */
export interface EnergyGraphOptions {
  /**
   * Hidden pixels are NaN in x (inverse problems: inpainting): the likelihood sums over the others only, and
   * nothing computed from x sees the hidden values. The prior term is unchanged.
   */
  masked?: boolean;
}

/** The emitter of a likelihood spec. */
export function likelihoodOf(spec: LikelihoodSpec): Likelihood {
  if (typeof spec !== 'object' || spec === null) throw new LpcError('LPC_INVALID_ARGUMENT', `likelihood must be { kind: 'bernoulli' | 'gaussian' | 'discretized', ... }; received ${String(spec)}`);
  if (spec.kind === 'bernoulli') return bernoulli;
  if (spec.kind === 'gaussian') return gaussian(spec.sigma);
  if (spec.kind === 'discretized') return discretized(spec.sigma, spec.bins);
  throw new LpcError('LPC_INVALID_ARGUMENT', `likelihood.kind must be 'bernoulli', 'gaussian' or 'discretized'; received ${JSON.stringify((spec as { kind: unknown }).kind)}`);
}

/**
 * Builds the forward energy graph of `decoder` under `spec`.
 *
 * @example
 * const graph = buildEnergyGraph(mlpDecoder({ latentDim: 8, imageShape: [1, 28, 28] }), { kind: 'bernoulli' });
 * graph.model.graph.outputs.map((o) => o.name); // ['energy', 'nll', 'sse', 'mean']
 */
export function buildEnergyGraph(decoder: Decoder, spec: LikelihoodSpec, options: EnergyGraphOptions = {}): EnergyGraph {
  const likelihood = likelihoodOf(spec);
  const model = decoder.model.clone();
  const g = model.graph;
  const feeds = g.inputs.filter((v) => !g.initializers.has(v.name));
  if (feeds.length !== 1 || feeds[0].name !== decoder.latentInput) {
    throw new LpcError('LPC_INVALID_MODEL', `a decoder must have exactly one input, its latent '${decoder.latentInput}'; this one has ${feeds.map((v) => `'${v.name}'`).join(', ') || 'none'}`);
  }
  if (!g.output(decoder.output)) throw new LpcError('LPC_NOT_FOUND', `the decoder has no output '${decoder.output}'`);
  // Current parameter values, so that frozen graphs start from what training reached.
  for (const p of decoder.params) {
    const t = g.initializers.get(p.name);
    if (t !== undefined) g.initializers.set(p.name, { dtype: t.dtype, dims: t.dims, data: t.dtype === 'float64' ? Float64Array.from(p.data) : p.data.slice() });
  }
  const renames = freeReservedNames(model, ENERGY_NAMES, GRADIENT_PREFIXES, new Set(decoder.params.names));
  let out = renames.get(decoder.output) ?? decoder.output;
  const latentShape = latentShapeOf(decoder);
  const latent = renames.get(decoder.latentInput) ?? decoder.latentInput;
  if (latentShape.length === 1) {
    renameValue(g, latent, 'z');
    g.input('z')!.shape = ['chains', decoder.latentDim];
  } else {
    // Chains hold flat rows; the decoder reads them reshaped (a static shape, so its convolutions see static sizes).
    g.inputs = g.inputs.filter((v) => v.name !== latent);
    g.inputs.push({ name: 'z', dtype: 'float32', shape: ['chains', decoder.latentDim] });
    g.nodes.unshift({ name: 'energy/latent_reshape', opType: 'Reshape', domain: '', inputs: ['z', 'energy/latent_shape'], outputs: [latent], attrs: new Map() });
    g.initializers.set('energy/latent_shape', makeTensor('int64', [latentShape.length + 1], BigInt64Array.from([-1, ...latentShape].map(BigInt))));
    g.valueInfo.delete(latent);
  }
  g.outputs = [];
  let form: OutputForm = 'mean';
  if (likelihood.wantsLogits && decoder.head === null) {
    // Logits recovered from a clamped mean would give meaningless gradients where the mean saturates.
    throw new LpcError(
      'LPC_INVALID_ARGUMENT',
      `the Bernoulli likelihood reads logits, and the decoder output '${decoder.output}' is a plain ${decoder.range === '01' ? '[0, 1]' : '[-1, 1]'} mean without a final Sigmoid or Tanh; load it with range 'logits' (--range logits) if it returns logits, or use the Gaussian likelihood (--likelihood gaussian)`,
    );
  }
  if (likelihood.wantsLogits && decoder.head !== null) {
    out = cutHead(model, decoder.head.node, out);
    form = decoder.head.op === 'Sigmoid' ? 'sigmoid-logits' : 'tanh-preactivation';
  }

  const b = new GraphBuilder(model, 'energy/');
  const [C, H, W] = decoder.imageShape;
  const D = imageElements(decoder.imageShape);
  const x = b.input('x', 'float32', ['batch', C, H, W]);
  if (decoder.layout === 'nhwc') out = b.transpose(b.reshape(out, [-1, H, W, C]), [0, 3, 1, 2]);
  const rows = annotate(model, b.reshape(out, b.op('Concat', [b.dim(x, 0), b.ints([-1, D])], { axis: 0 })), ['batch', 'K', D]);
  const terms = likelihood.emit({ b, out: rows, form, range: decoder.range, pixels: D, ...(options.masked ? maskedData(b, x, D) : { x: b.reshape(x, [0, 1, D]) }) });
  // Outputs are named first and annotated by their final names (output() renames the value it is given).
  const nll = annotate(model, b.output(b.reshape(terms.nll, [-1]), 'nll', 'float32', ['chains']), ['chains']);
  const prior = b.op('Mul', [b.reduce('ReduceSumSquare', 'z', [1], false), b.scalar(0.5, 'float32')]);
  b.output(b.op('Add', [nll, prior]), 'energy', 'float32', ['chains']);
  annotate(model, b.output(b.reshape(terms.sse, [-1]), 'sse', 'float32', ['chains']), ['chains']);
  annotate(model, b.output(b.reshape(terms.mean, [-1, D]), 'mean', 'float32', ['chains', D]), ['chains', D]);
  g.outputs.sort((a, b2) => OUTPUT_ORDER.indexOf(a.name) - OUTPUT_ORDER.indexOf(b2.name));
  removeDeadNodes(g);
  g.nodes = sortNodes(g);
  return { model, stopGradient: terms.stopGradient, likelihoodParams: terms.params, latentDim: decoder.latentDim, imageShape: decoder.imageShape, dataSize: D };
}

/** x [B, 1, D] with NaN (hidden) pixels zeroed, the 0/1 mask of observed pixels and their count per image. */
function maskedData(b: GraphBuilder, x: string, D: number): { x: string; observed: string; observedCount: string } {
  const flat = b.reshape(x, [0, 1, D]);
  // NaN is the only value not equal to itself.
  const seen = b.op('Equal', [flat, flat]);
  const observed = b.cast(seen, 'float32');
  return { x: b.op('Where', [seen, flat, b.scalar(0, 'float32')]), observed, observedCount: b.reduce('ReduceSum', observed, [2], false) };
}

/**
 * Records the shape of a reshaped value in value_info. Shape inference cannot derive K = chains / batch
 * from a -1, and without the symbol the autodiff could not tell that a [batch, K, D] gradient needs no
 * summing over broadcast axes (it would emit run-time reductions instead). Every symbol recorded is true.
 */
function annotate(model: Model, value: string, shape: (number | string)[]): string {
  model.graph.valueInfo.set(value, { name: value, dtype: 'float32', shape });
  return value;
}

/**
 * Removes the activation node `name` and makes what read its output read its input: the layout operators
 * between it and the decoder output commute with an elementwise activation. Returns the new output name.
 */
function cutHead(model: Model, name: string, output: string): string {
  const g = model.graph;
  const node = g.nodes.find((n) => n.name === name);
  if (node === undefined) throw new LpcError('LPC_NOT_FOUND', `the decoder has no node '${name}' (its final activation)`);
  const [pre, post] = [node.inputs[0], node.outputs[0]];
  g.nodes = g.nodes.filter((n) => n !== node);
  for (const n of g.nodes) n.inputs = n.inputs.map((v) => (v === post ? pre : v));
  return output === post ? pre : output;
}
