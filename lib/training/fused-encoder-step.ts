/**
 * Runs amortised LPC's encoder step as one graph (encoder-step-graph.ts): one onnxruntime run per minibatch
 * gives the objective's terms and the gradient of every encoder parameter, with the decoder's parameters
 * fed from their live arrays (so the step sees the decoder just updated) and no JavaScript pass over the
 * latents or the states.
 */
import * as ort from 'onnxruntime-node';
import type { EnergyModel } from '../likelihoods/energy-model.js';
import { buildEncoderGraph } from '../models/encoder-graph.js';
import { GraphRunner } from '../models/graph-runner.js';
import type { Encoder } from '../models/networks.js';
import { SessionOwner } from '../models/session-owner.js';
import { paramGradName } from '../onnx/autodiff/gradient.js';
import { fusedParameters } from './encoder-energy-graph.js';
import type { EncoderObjective } from './encoder-objectives.js';
import type { EncoderStepInput } from './encoder-step.js';
import { composeEncoderStepGraph } from './encoder-step-graph.js';

/** The fused encoder step of one decoder (energy), encoder and objective. */
export class FusedEncoderStep extends SessionOwner<'encoder-step'> {
  protected readonly runner: GraphRunner<'encoder-step'>;
  readonly #objective: EncoderObjective;
  readonly #phiOutputs: string[];

  private constructor(runner: GraphRunner<'encoder-step'>, objective: EncoderObjective, phiOutputs: string[]) {
    super();
    this.runner = runner;
    this.#objective = objective;
    this.#phiOutputs = phiOutputs;
  }

  /** The step for a trainable energy model and encoder; null when their graphs cannot be joined. */
  static async create(energy: EnergyModel, encoder: Encoder, objective: EncoderObjective, threads?: number): Promise<FusedEncoderStep | null> {
    const graph = composeEncoderStepGraph(energy.graph, buildEncoderGraph(encoder), objective, energy.params.names, encoder.params.names);
    if (graph === null) return null;
    const runner = new GraphRunner<'encoder-step'>('FusedEncoderStep', () => graph.model, fusedParameters(energy.params, encoder.params, graph.encoderPrefix), { threads });
    await runner.prepare('encoder-step');
    return new FusedEncoderStep(
      runner,
      objective,
      encoder.params.names.map((n) => paramGradName(graph.encoderPrefix + n)),
    );
  }

  /**
   * Loss terms (forwardKl, reverseKl) and dL/dphi in the order of the encoder's parameters, as
   * encoderStepGradients gives them; null gradients when there is nothing to learn from (the forward
   * objective with every chain dropped). `input.encoded` is not read: the graph runs the encoder itself.
   */
  async gradients(input: EncoderStepInput): Promise<{ losses: Record<string, number>; phi: Float32Array[] | null }> {
    const { x, batch, energy } = input;
    const d = energy.latentDim;
    const hasForward = this.#objective !== 'reverse' && input.weights.some((w) => w !== 0);
    if (this.#objective === 'forward' && !hasForward) return { losses: {}, phi: null };
    const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', x, [batch, ...energy.imageShape]) };
    const fetches = [...this.#phiOutputs];
    if (this.#objective !== 'reverse') {
      feeds.states = new ort.Tensor('float32', finiteDroppedRows(input.states, input.weights, d), [input.states.length / d, d]);
      feeds.weights = new ort.Tensor('float32', input.weights, [input.weights.length]);
      fetches.push('forward_kl');
    }
    if (this.#objective !== 'forward') {
      feeds.eps = new ort.Tensor('float32', input.drawEps(), [batch, d]);
      fetches.push('nll', 'kl');
    }
    const out = await this.runner.run('encoder-step', feeds, fetches);
    const losses: Record<string, number> = {};
    if (hasForward) losses.forwardKl = sum(out.forward_kl);
    if (this.#objective !== 'forward') losses.reverseKl = (sum(out.nll) + sum(out.kl)) / batch;
    return { losses, phi: this.#phiOutputs.map((n) => out[n]) };
  }
}

/**
 * The states with the rows of weight zero (dropped chains) set to zero: their terms are multiplied by zero,
 * which removes them exactly only while they are finite, and a restarted chain's states may be huge.
 */
function finiteDroppedRows(states: Float32Array, weights: Float32Array, d: number): Float32Array {
  if (!weights.includes(0)) return states;
  const copy = states.slice();
  for (let r = 0; r < weights.length; r++) if (weights[r] === 0) copy.fill(0, r * d, (r + 1) * d);
  return copy;
}

function sum(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
