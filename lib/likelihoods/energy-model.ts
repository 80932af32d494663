/**
 * EnergyModel: a decoder and a likelihood as an EnergyFunction run by onnxruntime, plus the parameter
 * gradients and metrics trainers and evaluation need (graphs in energy-runs.ts). Every call is one
 * session.run over all B*K chains.
 */
import * as ort from 'onnxruntime-node';
import type { ImageShape } from '../data/index.js';
import { invalidArgument, LpcError, shapeMismatch } from '../errors.js';
import { GraphRunner } from '../models/graph-runner.js';
import type { Decoder, OutputRange, ParameterGradients } from '../models/networks.js';
import { SessionOwner } from '../models/session-owner.js';
import { paramGradName, upstreamName } from '../onnx/autodiff/gradient.js';
import { ParameterSet } from '../onnx/params.js';
import { buildEnergyGraph, type EnergyGraph } from './energy-graph.js';
import type { EnergyEvaluation, EnergyFunction } from './energy-function.js';
import { energyRunModel, runOutputs, type EnergyRun } from './energy-runs.js';
import type { LikelihoodSpec } from './spec.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** Options of EnergyModel.create. */
export interface EnergyModelOptions {
  likelihood: LikelihoodSpec;
  /** Hidden pixels are NaN in x: the likelihood covers the observed ones only (inverse problems). Default false. */
  masked?: boolean;
  /**
   * true: parameters are graph inputs fed from `params` (the decoder's own arrays plus the likelihood's), so
   * in-place optimiser updates take effect at the next call, and theta-gradients are available.
   * false (default): parameters are frozen into the graphs as initializers at creation (faster: prepacked).
   */
  trainable?: boolean;
  /** Intra-op threads of each onnxruntime session (default: onnxruntime's choice). */
  threads?: number;
}

/** Every key of EnergyModelOptions (a misspelt option is refused, not ignored). */
const ENERGY_MODEL_KEYS = { likelihood: true, masked: true, trainable: true, threads: true } satisfies OptionKeys<EnergyModelOptions>;

/** Energies, latent and parameter gradients, and -log p(x|z), from one run. */
export interface FullEvaluation extends EnergyEvaluation {
  /** -log p(x|z) per chain, [B*K]. */
  readonly nll: Float32Array;
  readonly gradients: ParameterGradients;
}

/** Per-chain metrics and decoder means. */
export interface EnergyMetrics {
  readonly energy: Float32Array;
  /** -log p(x|z) per chain (for Bernoulli on grey values: the cross-entropy, not a density). */
  readonly nll: Float32Array;
  /** Squared error of the mean summed over pixels, per chain, in the decoder's range. */
  readonly sse: Float32Array;
  /** Decoder mean per chain, [B*K, C*H*W] NCHW, in the decoder's range. */
  readonly mean: Float32Array;
}

/**
 * E(z; x) = -log p(x|z) + |z|^2 / 2 for a decoder and likelihood.
 *
 * @example
 * const decoder = mlpDecoder({ latentDim: 16, imageShape: [1, 28, 28] });
 * const energy = await EnergyModel.create(decoder, { likelihood: { kind: 'bernoulli' }, trainable: true });
 * const { energy: e, gradZ } = await energy.evaluate(x, batch, z);   // z: [batch * K, 16]
 * const grads = await energy.thetaGradients(x, batch, z);             // Map 'fc1.weight' -> Float32Array
 * await energy.dispose();
 */
export class EnergyModel extends SessionOwner<EnergyRun> implements EnergyFunction {
  /** The latent dimension d. */
  readonly latentDim: number;
  /** Values in one image (C*H*W). */
  readonly dataSize: number;
  /** [C, H, W] of one image. */
  readonly imageShape: ImageShape;
  /** The interval data must be scaled to (the decoder's output range). */
  readonly range: OutputRange;
  /** Whether parameters are fed from `params` (trainable) or frozen in at creation. */
  readonly trainable: boolean;
  /** The likelihood the energy uses (evaluation reads it to name its units). */
  readonly likelihood: LikelihoodSpec;
  /** True when NaN pixels of x are read as hidden (see EnergyModelOptions.masked). */
  readonly masked: boolean;
  /** True with the "optimal" sigma, which each evaluation recomputes from all its chains. */
  readonly batchDependent: boolean;
  /** Decoder parameters (the same arrays as decoder.params) and likelihood parameters (the learned log sigma). */
  readonly params: ParameterSet;
  /** The energy graph the sessions are built from. */
  readonly graph: EnergyGraph;
  protected readonly runner: GraphRunner<EnergyRun>;

  private constructor(decoder: Decoder, graph: EnergyGraph, options: EnergyModelOptions) {
    super();
    this.graph = graph;
    this.latentDim = graph.latentDim;
    this.dataSize = graph.dataSize;
    this.imageShape = graph.imageShape;
    this.range = decoder.range;
    this.trainable = options.trainable ?? false;
    this.likelihood = options.likelihood;
    this.masked = options.masked === true;
    this.batchDependent = options.likelihood.kind !== 'bernoulli' && options.likelihood.sigma.mode === 'optimal';
    this.params = ParameterSet.of([...decoder.params, ...graph.likelihoodParams]);
    if (this.trainable) {
      for (const p of decoder.params) {
        if (p.dtype !== 'float32') throw new LpcError('LPC_INVALID_MODEL', `parameter '${p.name}' is stored as ${p.dtype}; trainable decoders need float32 parameters`);
      }
    }
    const names = this.params.names;
    this.runner = new GraphRunner('EnergyModel', (kind) => energyRunModel(graph, kind, names, this.trainable), this.params, { threads: options.threads });
  }

  /** Builds the energy graph and creates the sampling session (other sessions are created on first use). */
  static async create(decoder: Decoder, options: EnergyModelOptions): Promise<EnergyModel> {
    checkKnownKeys(options, ENERGY_MODEL_KEYS, 'EnergyModel.create');
    if (options.trainable !== undefined && typeof options.trainable !== 'boolean') invalidArgument('options.trainable', 'a boolean', options.trainable);
    if (options.masked !== undefined && typeof options.masked !== 'boolean') invalidArgument('options.masked', 'a boolean', options.masked);
    if (options.threads !== undefined && (!Number.isSafeInteger(options.threads) || options.threads < 1)) invalidArgument('options.threads', 'a positive integer', options.threads);
    const model = new EnergyModel(decoder, buildEnergyGraph(decoder, options.likelihood, { masked: options.masked === true }), options);
    await model.runner.prepare('sample');
    return model;
  }

  /** Energies and dE/dz of every chain (the EnergyFunction contract). */
  async evaluate(x: Float32Array, batch: number, z: Float32Array): Promise<EnergyEvaluation> {
    const out = await this.runner.run('sample', this.feeds(x, batch, z), runOutputs('sample', []));
    return { energy: out.energy, gradZ: out.grad_z };
  }

  /**
   * Gradients of the energy summed over all chains with respect to every parameter (trainers divide by the
   * number of chains and kept states for a mean). Needs a trainable model.
   */
  async thetaGradients(x: Float32Array, batch: number, z: Float32Array): Promise<ParameterGradients> {
    this.requireTrainable('thetaGradients');
    const names = this.params.names;
    const out = await this.runner.run('theta', this.feeds(x, batch, z), runOutputs('theta', names));
    return new Map(names.map((n) => [n, out[paramGradName(n)]]));
  }

  /**
   * Gradients of sum_c weights[c] * E_c with respect to every parameter ([B*K] weights, one per chain of z):
   * a weighted mean when the weights sum to one. A zero weight removes its chain exactly (trainers drop
   * restarted chains this way; IWAE weights its samples by their normalised importance weights). Needs a
   * trainable model.
   */
  async weightedThetaGradients(x: Float32Array, batch: number, z: Float32Array, weights: Float32Array): Promise<ParameterGradients> {
    this.requireTrainable('weightedThetaGradients');
    const feeds = this.feeds(x, batch, z);
    const chains = z.length / this.latentDim;
    if (!(weights instanceof Float32Array) || weights.length !== chains) shapeMismatch('weights', `a Float32Array of one weight per chain (${chains})`, weights);
    for (let c = 0; c < chains; c++) {
      if (!Number.isFinite(weights[c])) invalidArgument(`weights[${c}]`, 'a finite number', weights[c]);
    }
    feeds[upstreamName('energy')] = new ort.Tensor('float32', weights, [chains]);
    const names = this.params.names;
    const out = await this.runner.run('weighted', feeds, runOutputs('weighted', names));
    return new Map(names.map((n) => [n, out[paramGradName(n)]]));
  }

  /** Energy, dE/dz, -log p(x|z) and the parameter gradients in one run (the VAE step). Needs a trainable model. */
  async evaluateWithGradients(x: Float32Array, batch: number, z: Float32Array): Promise<FullEvaluation> {
    this.requireTrainable('evaluateWithGradients');
    const names = this.params.names;
    const out = await this.runner.run('full', this.feeds(x, batch, z), runOutputs('full', names));
    return { energy: out.energy, gradZ: out.grad_z, nll: out.nll, gradients: new Map(names.map((n) => [n, out[paramGradName(n)]])) };
  }

  /** Energies, -log p(x|z), squared errors and decoder means, without gradients. */
  async evaluateMetrics(x: Float32Array, batch: number, z: Float32Array): Promise<EnergyMetrics> {
    const out = await this.runner.run('eval', this.feeds(x, batch, z), runOutputs('eval', []));
    return { energy: out.energy, nll: out.nll, sse: out.sse, mean: out.mean };
  }

  /**
   * -log p(x|z) of every chain, [B*K], with the likelihood's normalising constants (no prior term): the one
   * output importance sampling needs, so no gradient is computed and no decoder mean is copied out.
   */
  async negLogLikelihood(x: Float32Array, batch: number, z: Float32Array): Promise<Float32Array> {
    const out = await this.runner.run('eval', this.feeds(x, batch, z), ['nll']);
    return out.nll;
  }

  private requireTrainable(method: string): void {
    this.runner.checkOpen();
    if (!this.trainable) throw new LpcError('LPC_INVALID_STATE', `EnergyModel.${method} needs a model created with trainable: true (this one froze its parameters)`);
  }

  /** Checks the arrays and wraps them as tensors (no copy). */
  private feeds(x: Float32Array, batch: number, z: Float32Array): Record<string, ort.Tensor> {
    this.runner.checkOpen();
    if (!Number.isSafeInteger(batch) || batch < 1) invalidArgument('batch', 'a positive integer', batch);
    if (!(x instanceof Float32Array) || x.length !== batch * this.dataSize) shapeMismatch('x', `a Float32Array of batch * ${this.dataSize} = ${batch * this.dataSize} values`, x);
    const perChainSet = batch * this.latentDim;
    if (!(z instanceof Float32Array) || z.length === 0 || z.length % perChainSet !== 0) {
      shapeMismatch('z', `a Float32Array of batch * K * ${this.latentDim} values (a positive multiple of ${perChainSet})`, z);
    }
    const [C, H, W] = this.imageShape;
    return {
      x: new ort.Tensor('float32', x, [batch, C, H, W]),
      z: new ort.Tensor('float32', z, [z.length / this.latentDim, this.latentDim]),
    };
  }
}
