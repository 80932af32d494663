/**
 * Runs the VAE update's one graph (vae-graph.ts): one onnxruntime run per minibatch gives the losses and
 * the batch-mean gradient of every decoder, likelihood and encoder parameter, read in place from the
 * networks' live arrays, with no JavaScript pass over activations or gradients.
 */
import * as ort from 'onnxruntime-node';
import { shapeMismatch } from '../errors.js';
import type { EnergyModel } from '../likelihoods/energy-model.js';
import { buildEncoderGraph } from '../models/encoder-graph.js';
import { GraphRunner } from '../models/graph-runner.js';
import type { Encoder } from '../models/networks.js';
import { SessionOwner } from '../models/session-owner.js';
import { paramGradName } from '../onnx/autodiff/gradient.js';
import { fusedParameters } from './encoder-energy-graph.js';
import { composeVaeGraph } from './vae-graph.js';
import type { VaeGradients } from './vae-objective.js';

/** The fused VAE step of one decoder (energy) and encoder. */
export class VaeStep extends SessionOwner<'vae'> {
  protected readonly runner: GraphRunner<'vae'>;
  readonly #energy: EnergyModel;
  /** Importance samples of the IWAE bound; null for the ELBO. */
  readonly #iwae: number | null;
  readonly #thetaOutputs: string[];
  readonly #phiOutputs: string[];

  private constructor(energy: EnergyModel, runner: GraphRunner<'vae'>, iwae: number | null, thetaOutputs: string[], phiOutputs: string[]) {
    super();
    this.#energy = energy;
    this.#iwae = iwae;
    this.runner = runner;
    this.#thetaOutputs = thetaOutputs;
    this.#phiOutputs = phiOutputs;
  }

  /**
   * The step of a trainable energy model and the encoder whose parameter arrays the encoder's optimiser
   * updates; null when the two graphs cannot be composed (different opsets, subgraphs).
   */
  static async create(energy: EnergyModel, encoder: Encoder, options: { iwae?: number | null; threads?: number } = {}): Promise<VaeStep | null> {
    const thetaNames = energy.params.names;
    const phiNames = encoder.params.names;
    const iwae = options.iwae ?? null;
    const graph = composeVaeGraph(energy.graph, buildEncoderGraph(encoder), thetaNames, phiNames, iwae);
    if (graph === null) return null;
    const runner = new GraphRunner<'vae'>('VaeStep', () => graph.model, fusedParameters(energy.params, encoder.params, graph.encoderPrefix), { threads: options.threads });
    await runner.prepare('vae');
    return new VaeStep(
      energy,
      runner,
      iwae,
      thetaNames.map(paramGradName),
      phiNames.map((n) => paramGradName(graph.encoderPrefix + n)),
    );
  }

  /** Losses and gradients of the objective at x ([batch, C, H, W]) with noise eps ([batch * k, d], row b * k + i). */
  async gradients(x: Float32Array, batch: number, eps: Float32Array): Promise<VaeGradients> {
    const { dataSize, latentDim, imageShape } = this.#energy;
    const k = this.#iwae ?? 1;
    if (!(x instanceof Float32Array) || x.length !== batch * dataSize) shapeMismatch('x', `a Float32Array of batch * ${dataSize} values`, x);
    if (!(eps instanceof Float32Array) || eps.length !== batch * k * latentDim) shapeMismatch('eps', `a Float32Array of batch * ${k} * ${latentDim} values`, eps);
    const feeds = { x: new ort.Tensor('float32', x, [batch, ...imageShape]), eps: new ort.Tensor('float32', eps, [batch * k, latentDim]) };
    const terms = this.#iwae === null ? ['nll', 'kl'] : ['loss'];
    const out = await this.runner.run('vae', feeds, ['energy', ...terms, ...this.#thetaOutputs, ...this.#phiOutputs]);
    let losses: Record<string, number>;
    if (this.#iwae === null) {
      const [recon, kl] = [sum(out.nll) / batch, sum(out.kl) / batch];
      losses = { negElbo: recon + kl, recon, kl };
    } else {
      losses = { negIwae: sum(out.loss) };
    }
    return {
      losses,
      meanEnergy: sum(out.energy) / (batch * k),
      theta: this.#thetaOutputs.map((n) => out[n]),
      phi: this.#phiOutputs.map((n) => out[n]),
    };
  }
}

function sum(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
