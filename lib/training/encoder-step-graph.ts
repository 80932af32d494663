/**
 * Amortised LPC's encoder step as one graph (one onnxruntime run per minibatch), the decoder frozen (its
 * parameters fed, not differentiated): the encoder, the objective of encoder-objectives.ts and the gradient
 * of every encoder parameter.
 *
 *   inputs   x [batch, C, H, W], the parameters by name, and
 *            forward, jeffreys: states [batch * R, d] (R rows per datapoint), weights [batch * R]
 *            reverse, jeffreys: eps [batch, d]
 *   outputs  forward_kl [batch] = sum_r w_r (sum_j log sigma_j + log sqrt(2 pi) + (z_rj - mu_j)^2 / (2 sigma_j^2)),
 *            nll, kl [batch] at z = mu + sigma * eps (the reverse KL is their batch mean),
 *            loss [batch] = forward_kl + (nll + kl) / batch (the terms the objective has),
 *            grad/<encoder prefix><encoder parameter>
 */
import type { EnergyGraph } from '../likelihoods/energy-graph.js';
import { buildGradientModel } from '../onnx/autodiff/gradient.js';
import type { Model } from '../onnx/ir.js';
import { removeDeadNodes, sortNodes } from '../onnx/topo.js';
import { joinEncoderAndEnergy } from './encoder-energy-graph.js';
import type { EncoderObjective } from './encoder-objectives.js';
import type { FusedGraph } from './vae-graph.js';

/** log sqrt(2 pi), the normaliser of each dimension of q. */
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** The encoder step's gradient model; null when the graphs cannot be joined. */
export function composeEncoderStepGraph(energy: EnergyGraph, encoder: Model, objective: EncoderObjective, thetaNames: readonly string[], phiNames: readonly string[]): FusedGraph | null {
  const joined = joinEncoderAndEnergy(energy, encoder);
  if (joined === null) return null;
  const { model, builder: b, encoderPrefix, mu, logSigma } = joined;
  const g = model.graph;
  const terms: string[] = [];
  if (objective !== 'reverse') {
    const d = energy.latentDim;
    const rows = b.reshape(b.input('states', 'float32', ['rows', d]), b.op('Concat', [b.dim('x', 0), b.ints([-1, d])], { axis: 0 }));
    const weights = b.reshape(b.input('weights', 'float32', ['rows']), b.op('Concat', [b.dim('x', 0), b.ints([-1])], { axis: 0 }));
    const ls = b.unsqueeze(logSigma, [1]);
    const u = b.op('Sub', [rows, b.unsqueeze(mu, [1])]);
    const precision = b.op('Exp', [b.op('Mul', [ls, b.scalar(-2, 'float32')])]);
    const perDim = b.op('Add', [b.op('Add', [ls, b.scalar(HALF_LOG_2PI, 'float32')]), b.op('Mul', [b.op('Mul', [b.op('Mul', [u, u]), precision]), b.scalar(0.5, 'float32')])]);
    const perRow = b.reduce('ReduceSum', perDim, [2], false);
    terms.push(b.output(b.reduce('ReduceSum', b.op('Mul', [perRow, weights]), [1], false), 'forward_kl', 'float32', ['batch']));
  }
  if (objective !== 'forward') {
    terms.push(b.op('Div', [b.op('Add', ['nll', 'kl']), joined.batch]));
  } else {
    // Without the reverse term the decoder is not needed: its nodes and the noise input go.
    g.outputs = g.outputs.filter((o) => o.name === 'forward_kl');
    g.inputs = g.inputs.filter((v) => v.name !== 'eps');
  }
  g.outputs = g.outputs.filter((o) => o.name !== 'energy');
  b.output(terms.length === 2 ? b.op('Add', terms) : b.op('Identity', terms), 'loss', 'float32', ['batch']);
  removeDeadNodes(g);
  g.nodes = sortNodes(g);
  const params = phiNames.map((n) => encoderPrefix + n);
  const feedParams = objective === 'forward' ? [] : [...thetaNames];
  return { model: buildGradientModel(model, { objective: 'loss', params, feedParams, stopGradient: energy.stopGradient }).model, encoderPrefix };
}
