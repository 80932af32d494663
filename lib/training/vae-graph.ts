/**
 * The VAE update as one graph (one onnxruntime run per minibatch): the encoder and the decoder's energy at
 * the reparameterised samples (encoder-energy-graph.ts), the objective, and the gradient of its batch mean
 * with respect to every decoder, likelihood and encoder parameter:
 *
 *   inputs   x [batch, C, H, W], eps [batch * k, d] (row b * k + i), the parameters by name
 *   outputs  loss [batch], energy [batch * k], grad/<decoder or likelihood parameter>,
 *            grad/<encoder prefix><encoder parameter>, and
 *            ELBO (k = 1):  loss = (nll_b + kl_b) / batch, with nll [batch] and kl [batch]
 *            IWAE-k:        loss = -(logsumexp_i log w_bi - log k) / batch, where
 *                           log w = -E + sum_j log sigma_j + |eps|^2 / 2 (the 2 pi terms cancel)
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
export function composeVaeGraph(energy: EnergyGraph, encoder: Model, thetaNames: readonly string[], phiNames: readonly string[], iwae: number | null = null): FusedGraph | null {
  const joined = joinEncoderAndEnergy(energy, encoder, iwae !== null);
  if (joined === null) return null;
  const { model, builder: b, encoderPrefix } = joined;
  if (iwae === null) {
    b.output(b.op('Div', [b.op('Add', ['nll', 'kl']), joined.batch]), 'loss', 'float32', ['batch']);
  } else {
    model.graph.outputs = model.graph.outputs.filter((o) => o.name === 'energy');
    const perDatapoint = b.op('Concat', [b.dim('x', 0), b.ints([-1])], { axis: 0 });
    const halfEps2 = b.reshape(b.op('Mul', [b.reduce('ReduceSumSquare', 'eps', [1], false), b.scalar(0.5, 'float32')]), perDatapoint);
    const logW = b.op('Add', [b.op('Sub', [halfEps2, b.reshape('energy', perDatapoint)]), b.reduce('ReduceSum', joined.logSigma, [1], true)]);
    const bound = b.op('Sub', [b.reduce('ReduceLogSumExp', logW, [1], false), b.scalar(Math.log(iwae), 'float32')]);
    b.output(b.op('Div', [b.op('Neg', [bound]), joined.batch]), 'loss', 'float32', ['batch']);
  }
  removeDeadNodes(model.graph);
  model.graph.nodes = sortNodes(model.graph);
  const params = [...thetaNames, ...phiNames.map((n) => encoderPrefix + n)];
  return { model: buildGradientModel(model, { objective: 'loss', params, stopGradient: energy.stopGradient }).model, encoderPrefix };
}
