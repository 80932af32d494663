/**
 * The VAE update as one graph (one onnxruntime run per minibatch): the encoder and the decoder's energy at
 * the reparameterised sample (encoder-energy-graph.ts), the negative ELBO with the analytic KL, and the
 * gradient of its batch mean with respect to every decoder, likelihood and encoder parameter:
 *
 *   inputs   x [batch, C, H, W], eps [batch, d], the parameters by name
 *   outputs  loss [batch] = (nll_b + kl_b) / batch,  energy [batch],  nll [batch],  kl [batch],
 *            grad/<decoder or likelihood parameter>,  grad/<encoder prefix><encoder parameter>
 */
import type { EnergyGraph } from '../likelihoods/energy-graph.js';
import { buildGradientModel } from '../onnx/autodiff/gradient.js';
import type { Model } from '../onnx/ir.js';
import { removeDeadNodes, sortNodes } from '../onnx/topo.js';
import { joinEncoderAndEnergy } from './encoder-energy-graph.js';

/** A fused gradient model and the prefix its encoder parameters are fed and differentiated under. */
export interface FusedGraph {
  readonly model: Model;
  readonly encoderPrefix: string;
}

/**
 * The VAE's gradient model for `energy` and the normalised encoder graph (buildEncoderGraph);
 * `thetaNames`: decoder and likelihood parameters, `phiNames`: the encoder's. Null when the graphs cannot
 * be joined.
 */
export function composeVaeGraph(energy: EnergyGraph, encoder: Model, thetaNames: readonly string[], phiNames: readonly string[]): FusedGraph | null {
  const joined = joinEncoderAndEnergy(energy, encoder);
  if (joined === null) return null;
  const { model, builder: b, encoderPrefix } = joined;
  b.output(b.op('Div', [b.op('Add', ['nll', 'kl']), joined.batch]), 'loss', 'float32', ['batch']);
  removeDeadNodes(model.graph);
  model.graph.nodes = sortNodes(model.graph);
  const params = [...thetaNames, ...phiNames.map((n) => encoderPrefix + n)];
  return { model: buildGradientModel(model, { objective: 'loss', params, stopGradient: energy.stopGradient }).model, encoderPrefix };
}
