/**
 * The forward graph that the fused training steps (vae-graph.ts, encoder-step-graph.ts) differentiate: the
 * encoder q(z|x) and the decoder's energy at the reparameterised sample z = mu + exp(log sigma) * eps, with
 * the noise fed as `eps` [batch, d]:
 *
 *   inputs   x [batch, C, H, W], eps [batch * k, d] (k samples per datapoint, row b * k + i; k = 1 unless
 *            `samples` is given)
 *   values   mu, logsigma [batch, d] (named in EncoderEnergyGraph), energy [batch * k], nll [batch * k]
 *            (outputs), kl [batch] = 0.5 sum_j (mu^2 + sigma^2 - 1 - 2 log sigma) (an output)
 *
 * The encoder's values (its parameters included) get a prefix, so that its names cannot collide with the
 * decoder's (both networks commonly name theirs fc1.weight ...). Composing needs both graphs at the same
 * opset and without subgraph attributes; joinEncoderAndEnergy returns null otherwise, and the trainers
 * keep their separate runs.
 */
import { LpcError } from '../errors.js';
import type { EnergyGraph } from '../likelihoods/energy-graph.js';
import { renameValue } from '../models/graph-edit.js';
import { GraphBuilder } from '../onnx/builder.js';
import type { Model } from '../onnx/ir.js';
import { ParameterSet } from '../onnx/params.js';

/** The joined forward model, open for the objective to be added with `builder`. */
export interface EncoderEnergyGraph {
  readonly model: Model;
  readonly builder: GraphBuilder;
  /** Prefix of the encoder's values (its parameter p is fed and differentiated as prefix + p). */
  readonly encoderPrefix: string;
  /** The encoder's outputs inside the graph, [batch, d]. */
  readonly mu: string;
  readonly logSigma: string;
  /** The batch size as a float32 [1] (for means). */
  readonly batch: string;
}

/** Names the fused graphs give their own inputs and outputs; a decoder that uses one is not fused. */
const FUSED_NAMES = ['eps', 'kl', 'loss', 'states', 'weights', 'forward_kl'];

/**
 * Joins `energy` and the normalised encoder graph (buildEncoderGraph); null when they cannot be joined.
 * `samples`: draw several samples per datapoint (the IWAE bound); default one.
 */
export function joinEncoderAndEnergy(energy: EnergyGraph, encoder: Model, samples = false): EncoderEnergyGraph | null {
  if (energy.model.opset !== encoder.opset || hasSubgraphs(energy.model) || hasSubgraphs(encoder)) return null;
  const model = energy.model.clone();
  const g = model.graph;
  const names = valueNames(model);
  if (FUSED_NAMES.some((n) => names.includes(n))) return null;
  g.outputs = g.outputs.filter((o) => o.name === 'energy' || o.name === 'nll');
  const prefix = freePrefix(names);
  appendEncoder(model, encoder, prefix);

  const b = new GraphBuilder(model, 'fused/');
  const mu = `${prefix}mu`;
  const logSigma = `${prefix}logsigma`;
  const sigma = b.op('Exp', [logSigma]);
  const d = energy.latentDim;
  const eps = b.input('eps', 'float32', [samples ? 'rows' : 'batch', d]);
  // The energy graph reads z; the reparameterised sample takes the place of its input.
  g.inputs = g.inputs.filter((v) => v.name !== 'z');
  let z: string;
  if (samples) {
    // [batch, k, d] from mu and sigma [batch, 1, d]; back to rows b * k + i.
    const perDatapoint = b.reshape(eps, b.op('Concat', [b.dim('x', 0), b.ints([-1, d])], { axis: 0 }));
    z = b.reshape(b.op('Add', [b.unsqueeze(mu, [1]), b.op('Mul', [b.unsqueeze(sigma, [1]), perDatapoint])]), [-1, d]);
  } else {
    z = b.op('Add', [mu, b.op('Mul', [sigma, eps])]);
  }
  renameValue(g, 'z', z);
  const klTerms = b.op('Sub', [b.op('Add', [b.op('Mul', [mu, mu]), b.op('Mul', [sigma, sigma])]), b.op('Add', [b.scalar(1, 'float32'), b.op('Add', [logSigma, logSigma])])]);
  b.output(b.op('Mul', [b.reduce('ReduceSum', klTerms, [1], false), b.scalar(0.5, 'float32')]), 'kl', 'float32', ['batch']);
  return { model, builder: b, encoderPrefix: prefix, mu, logSigma, batch: b.cast(b.dim('x', 0), 'float32') };
}

/**
 * The parameters a fused graph is fed: the energy's (decoder and likelihood) under their names and the
 * encoder's under `prefix`, sharing the live arrays the optimisers update.
 */
export function fusedParameters(theta: ParameterSet, phi: ParameterSet, prefix: string): ParameterSet {
  return ParameterSet.of([...theta, ...[...phi].map((p) => ({ ...p, name: prefix + p.name }))]);
}

function valueNames(model: Model): string[] {
  const g = model.graph;
  return [...g.inputs.map((v) => v.name), ...g.initializers.keys(), ...g.valueInfo.keys(), ...g.nodes.flatMap((n) => [n.name, ...n.outputs])];
}

/** A prefix none of `names` starts with. */
function freePrefix(names: readonly string[]): string {
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
