/**
 * The VAE update as one graph (one onnxruntime run per minibatch): the encoder, the reparameterisation
 * z = mu + exp(log sigma) * eps with the noise fed as `eps` [batch, d], the decoder's energy graph at z, the
 * negative ELBO with the analytic KL, and the gradient of its batch mean with respect to every decoder,
 * likelihood and encoder parameter:
 *
 *   inputs   x [batch, C, H, W], eps [batch, d], the parameters by name
 *   outputs  loss [batch] = (nll_b + kl_b) / batch,  energy [batch],  nll [batch],  kl [batch],
 *            grad/<decoder or likelihood parameter>,  grad/<encoder prefix><encoder parameter>
 *
 * The encoder's values (its parameters included) get a prefix, so that its names cannot collide with the
 * decoder's (both networks commonly name theirs fc1.weight ...). Composing needs both graphs at the same
 * opset and without subgraph attributes; composeVaeGraph returns null otherwise, and the trainer keeps
 * the separate runs.
 */
import { LpcError } from '../errors.js';
import type { EnergyGraph } from '../likelihoods/energy-graph.js';
import { buildGradientModel } from '../onnx/autodiff/gradient.js';
import { GraphBuilder } from '../onnx/builder.js';
import type { Model } from '../onnx/ir.js';
import { removeDeadNodes, sortNodes } from '../onnx/topo.js';
import { renameValue } from '../models/graph-edit.js';

/** The composed gradient model and the name each encoder parameter has in it. */
export interface VaeGraph {
  readonly model: Model;
  /** Prefix of the encoder's values (its parameter p is fed and differentiated as prefix + p). */
  readonly encoderPrefix: string;
}

/**
 * Composes the energy graph (decoder and likelihood) and the normalised encoder graph (buildEncoderGraph)
 * into the VAE's gradient model. `thetaNames`: decoder and likelihood parameters; `phiNames`: the encoder's.
 */
export function composeVaeGraph(energy: EnergyGraph, encoder: Model, thetaNames: readonly string[], phiNames: readonly string[]): VaeGraph | null {
  if (energy.model.opset !== encoder.opset || hasSubgraphs(energy.model) || hasSubgraphs(encoder)) return null;
  const model = energy.model.clone();
  const g = model.graph;
  g.outputs = g.outputs.filter((o) => o.name === 'energy' || o.name === 'nll');
  const prefix = freePrefix(model);
  appendEncoder(model, encoder, prefix);

  const b = new GraphBuilder(model, 'vae/');
  const d = energy.latentDim;
  const eps = b.input('eps', 'float32', ['batch', d]);
  const mu = `${prefix}mu`;
  const logSigma = `${prefix}logsigma`;
  const sigma = b.op('Exp', [logSigma]);
  // The energy graph reads z; the reparameterised sample takes the place of its input.
  g.inputs = g.inputs.filter((v) => v.name !== 'z');
  renameValue(g, 'z', b.op('Add', [mu, b.op('Mul', [sigma, eps])]));
  // kl_b = 0.5 sum_j (mu^2 + sigma^2 - 1 - 2 log sigma)
  const klTerms = b.op('Sub', [b.op('Add', [b.op('Mul', [mu, mu]), b.op('Mul', [sigma, sigma])]), b.op('Add', [b.scalar(1, 'float32'), b.op('Add', [logSigma, logSigma])])]);
  const kl = b.op('Mul', [b.reduce('ReduceSum', klTerms, [1], false), b.scalar(0.5, 'float32')]);
  b.output(kl, 'kl', 'float32', ['batch']);
  const batch = b.cast(b.dim('x', 0), 'float32');
  b.output(b.op('Div', [b.op('Add', ['nll', 'kl']), batch]), 'loss', 'float32', ['batch']);
  removeDeadNodes(g);
  g.nodes = sortNodes(g);
  const params = [...thetaNames, ...phiNames.map((n) => prefix + n)];
  const built = buildGradientModel(model, { objective: 'loss', params, stopGradient: energy.stopGradient }).model;
  return { model: built, encoderPrefix: prefix };
}

/** A prefix no value or node of the energy graph starts with. */
function freePrefix(model: Model): string {
  const g = model.graph;
  const names = [...g.inputs.map((v) => v.name), ...g.initializers.keys(), ...g.valueInfo.keys(), ...g.nodes.flatMap((n) => [n.name, ...n.outputs])];
  for (let k = 0; ; k++) {
    const prefix = k === 0 ? 'q/' : `q${k}/`;
    if (!names.some((n) => n.startsWith(prefix))) return prefix;
  }
}

/** Copies the encoder's nodes, initializers and value types into `model`, every name but `x` prefixed. */
function appendEncoder(model: Model, encoder: Model, prefix: string): void {
  const g = model.graph;
  const src = encoder.graph;
  if (src.input('x') === undefined) throw new LpcError('LPC_INVALID_MODEL', "the encoder graph has no input 'x'");
  const rename = (v: string) => (v === '' || v === 'x' ? v : prefix + v);
  for (const n of src.nodes) g.nodes.push({ ...n, name: prefix + n.name, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename), attrs: new Map(n.attrs) });
  for (const [name, t] of src.initializers) g.initializers.set(rename(name), t);
  for (const [name, info] of src.valueInfo) g.valueInfo.set(rename(name), { ...info, name: rename(name) });
  for (const v of src.outputs) if (!g.valueInfo.has(rename(v.name))) g.valueInfo.set(rename(v.name), { ...v, name: rename(v.name) });
}

function hasSubgraphs(model: Model): boolean {
  return model.graph.nodes.some((n) => [...n.attrs.values()].some((a) => a.kind === 'opaque'));
}
