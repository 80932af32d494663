/**
 * The graphs an EnergyModel runs, derived from one forward energy graph:
 * - 'sample': energy, grad_z                     (every Langevin step)
 * - 'theta':  grad/<param> only                  (trainers, on the kept states stacked as chains)
 * - 'weighted': grad/<param> of sum_c w_c E_c, w fed as `grad_in/energy` [B*K] (dropped chains, IWAE weights)
 * - 'full':   energy, nll, grad_z, grad/<param>  (the VAE step: one run at the reparameterised sample)
 * - 'eval':   energy, nll, sse, mean             (metrics, reconstructions, sample grids, IWAE)
 * Gradients are of the energy summed over all chains. Trainable graphs take the parameters as inputs;
 * frozen ones keep them as initializers (which onnxruntime prepacks).
 */
import { buildGradientModel, paramGradName } from '../onnx/autodiff/gradient.js';
import { rewriteSoftplus } from '../onnx/autodiff/rewrite.js';
import type { Model } from '../onnx/ir.js';
import { promoteParameters } from '../onnx/params.js';
import { removeDeadNodes, sortNodes } from '../onnx/topo.js';
import type { EnergyGraph } from './energy-graph.js';

/** The kinds of graph an EnergyModel runs. */
export type EnergyRun = 'sample' | 'theta' | 'weighted' | 'full' | 'eval';

/** The outputs each kind gives (parameter gradients are named grad/<param>). */
export function runOutputs(kind: EnergyRun, params: readonly string[]): string[] {
  const grads = params.map(paramGradName);
  if (kind === 'sample') return ['energy', 'grad_z'];
  if (kind === 'theta' || kind === 'weighted') return grads;
  if (kind === 'full') return ['energy', 'nll', 'grad_z', ...grads];
  return ['energy', 'nll', 'sse', 'mean'];
}

/**
 * The model of one kind. `params` are all parameter names (decoder and likelihood); `trainable` feeds them as
 * inputs. The 'theta', 'weighted' and 'full' kinds need trainable parameters.
 */
export function energyRunModel(graph: EnergyGraph, kind: EnergyRun, params: readonly string[], trainable: boolean): Model {
  const forward = graph.model.clone();
  const g = forward.graph;
  const keep = kind === 'eval' ? ['energy', 'nll', 'sse', 'mean'] : kind === 'full' ? ['energy', 'nll'] : ['energy'];
  g.outputs = g.outputs.filter((o) => keep.includes(o.name));
  const fed = trainable ? [...params] : [];
  if (kind === 'eval') {
    promoteParameters(forward, fed);
    rewriteSoftplus(forward);
    removeDeadNodes(g);
    g.nodes = sortNodes(g);
    return forward;
  }
  const stopGradient = graph.stopGradient;
  if (kind === 'sample') return buildGradientModel(forward, { objective: 'energy', inputs: ['z'], feedParams: fed, stopGradient }).model;
  if (kind === 'weighted') {
    // The upstream gradient of `energy` is the per-chain weight: the vector-Jacobian product is sum_c w_c dE_c.
    const weighted = buildGradientModel(forward, { vjp: ['energy'], params: fed, stopGradient }).model;
    weighted.graph.outputs = weighted.graph.outputs.filter((o) => o.name !== 'energy');
    removeDeadNodes(weighted.graph);
    return weighted;
  }
  const built = buildGradientModel(forward, { objective: 'energy', inputs: kind === 'full' ? ['z'] : [], params: fed, stopGradient }).model;
  if (kind === 'theta') {
    built.graph.outputs = built.graph.outputs.filter((o) => o.name !== 'energy');
    removeDeadNodes(built.graph);
  }
  return built;
}
