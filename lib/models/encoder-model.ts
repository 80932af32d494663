/**
 * EncoderModel: an encoder run by onnxruntime for the trainers: the forward pass x -> (mu, log sigma) and,
 * when trainable, its vector-Jacobian product (x, upstream gradients of mu and log sigma) -> gradient of
 * every parameter, each one session.run for the whole batch.
 */
import * as ort from 'onnxruntime-node';
import type { ImageShape } from '../data/index.js';
import { invalidArgument, LpcError, shapeMismatch } from '../errors.js';
import { buildGradientModel, paramGradName, upstreamName } from '../onnx/autodiff/gradient.js';
import type { Model } from '../onnx/ir.js';
import { promoteParameters, type ParameterSet } from '../onnx/params.js';
import { buildEncoderGraph } from './encoder-graph.js';
import { GraphRunner } from './graph-runner.js';
import { imageElements, type Encoder, type ParameterGradients } from './networks.js';
import { SessionOwner } from './session-owner.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** Options of EncoderModel.create. */
export interface EncoderModelOptions {
  /** Parameters as inputs fed from encoder.params (updated in place by optimisers); needed for vjp(). Default false. */
  trainable?: boolean;
  /** Intra-op threads of each onnxruntime session (default: onnxruntime's choice). */
  threads?: number;
}

/** Every key of EncoderModelOptions (a misspelt option is refused, not ignored). */
const ENCODER_MODEL_KEYS = { trainable: true, threads: true } satisfies OptionKeys<EncoderModelOptions>;

/** The encoder's output for a batch, [batch, d] each. */
export interface EncoderOutput {
  readonly mu: Float32Array;
  readonly logSigma: Float32Array;
}

type EncoderRun = 'forward' | 'vjp';

/**
 * q(z|x) = N(mu(x), diag sigma(x)^2).
 *
 * @example
 * const encoder = await EncoderModel.create(mlpEncoder({ latentDim: 16, imageShape: [1, 28, 28] }), { trainable: true });
 * const { mu, logSigma } = await encoder.forward(x, batch);
 * const grads = await encoder.vjp(x, batch, dLdMu, dLdLogSigma); // Map 'fc1.weight' -> Float32Array
 */
export class EncoderModel extends SessionOwner<EncoderRun> {
  /** The latent dimension d. */
  readonly latentDim: number;
  /** Values in one image (C*H*W). */
  readonly dataSize: number;
  /** [C, H, W] of one image. */
  readonly imageShape: ImageShape;
  /** Whether parameters are fed from `params` (trainable) or frozen in at creation. */
  readonly trainable: boolean;
  /** The encoder's parameters (the same arrays as encoder.params). */
  readonly params: ParameterSet;
  protected readonly runner: GraphRunner<EncoderRun>;

  private constructor(encoder: Encoder, options: EncoderModelOptions) {
    super();
    this.latentDim = encoder.latentDim;
    this.imageShape = encoder.imageShape;
    this.dataSize = imageElements(encoder.imageShape);
    this.trainable = options.trainable ?? false;
    this.params = encoder.params;
    if (this.trainable) {
      for (const p of encoder.params) {
        if (p.dtype !== 'float32') throw new LpcError('LPC_INVALID_MODEL', `parameter '${p.name}' is stored as ${p.dtype}; trainable encoders need float32 parameters`);
      }
    }
    const graph = buildEncoderGraph(encoder);
    const names = this.params.names;
    const build = (kind: EncoderRun): Model => {
      if (kind === 'vjp') return buildGradientModel(graph, { vjp: ['mu', 'logsigma'], params: names }).model;
      const forward = graph.clone();
      if (this.trainable) promoteParameters(forward, names);
      return forward;
    };
    this.runner = new GraphRunner('EncoderModel', build, this.params, { threads: options.threads });
  }

  /** Normalises the encoder's graph and creates its forward session. */
  static async create(encoder: Encoder, options: EncoderModelOptions = {}): Promise<EncoderModel> {
    checkKnownKeys(options, ENCODER_MODEL_KEYS, 'EncoderModel.create');
    if (options.trainable !== undefined && typeof options.trainable !== 'boolean') invalidArgument('options.trainable', 'a boolean', options.trainable);
    if (options.threads !== undefined && (!Number.isSafeInteger(options.threads) || options.threads < 1)) invalidArgument('options.threads', 'a positive integer', options.threads);
    const model = new EncoderModel(encoder, options);
    await model.runner.prepare('forward');
    return model;
  }

  /** mu and log sigma of each image, [batch, d] each. */
  async forward(x: Float32Array, batch: number): Promise<EncoderOutput> {
    const out = await this.runner.run('forward', { x: this.images(x, batch) }, ['mu', 'logsigma']);
    return { mu: out.mu, logSigma: out.logsigma };
  }

  /**
   * Gradients of L with respect to every parameter, given dL/dmu and dL/dlogsigma ([batch, d] each) at x:
   * the vector-Jacobian product of the encoder. Needs a trainable model.
   */
  async vjp(x: Float32Array, batch: number, gradMu: Float32Array, gradLogSigma: Float32Array): Promise<ParameterGradients> {
    this.runner.checkOpen();
    if (!this.trainable) throw new LpcError('LPC_INVALID_STATE', 'EncoderModel.vjp needs a model created with trainable: true (this one froze its parameters)');
    const feeds = { x: this.images(x, batch), [upstreamName('mu')]: this.latents('gradMu', gradMu, batch), [upstreamName('logsigma')]: this.latents('gradLogSigma', gradLogSigma, batch) };
    const names = this.params.names;
    const out = await this.runner.run('vjp', feeds, names.map(paramGradName));
    return new Map(names.map((n) => [n, out[paramGradName(n)]]));
  }

  private images(x: Float32Array, batch: number): ort.Tensor {
    this.runner.checkOpen();
    if (!Number.isSafeInteger(batch) || batch < 1) invalidArgument('batch', 'a positive integer', batch);
    if (!(x instanceof Float32Array) || x.length !== batch * this.dataSize) shapeMismatch('x', `a Float32Array of batch * ${this.dataSize} = ${batch * this.dataSize} values`, x);
    return new ort.Tensor('float32', x, [batch, ...this.imageShape]);
  }

  private latents(name: string, v: Float32Array, batch: number): ort.Tensor {
    if (!(v instanceof Float32Array) || v.length !== batch * this.latentDim) shapeMismatch(name, `a Float32Array of batch * ${this.latentDim} = ${batch * this.latentDim} values`, v);
    return new ort.Tensor('float32', v, [batch, this.latentDim]);
  }
}
