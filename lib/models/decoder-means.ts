/**
 * The decoder alone, z -> mean image, for sample grids and for decoding posterior means: one onnxruntime
 * session over the decoder with its current parameter values frozen in, outputs returned NCHW.
 */
import * as ort from 'onnxruntime-node';
import { invalidArgument, shapeMismatch } from '../errors.js';
import { nhwcToNchw, type ImageShape } from '../data/index.js';
import { GraphRunner } from './graph-runner.js';
import { imageElements, latentShapeOf, type Decoder, type OutputRange } from './networks.js';
import { SessionOwner } from './session-owner.js';
import type { Model } from '../onnx/ir.js';
import { ParameterSet } from '../onnx/params.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/**
 * The decoder's graph as loading understood it (a Sigmoid appended to a logits output, for one), its parameters
 * frozen in at their current values, and the mean image as its only output: what DecoderMeans runs, and what the
 * browser explorer ships.
 */
export function decoderMeanGraph(decoder: Decoder): Model {
  const model = decoder.model.clone();
  const g = model.graph;
  for (const p of decoder.params) {
    const t = g.initializers.get(p.name);
    if (t !== undefined) g.initializers.set(p.name, { dtype: t.dtype, dims: t.dims, data: t.dtype === 'float64' ? Float64Array.from(p.data) : p.data.slice() });
  }
  g.outputs = g.outputs.filter((o) => o.name === decoder.output);
  return model;
}

/** Options of DecoderMeans.create. */
export interface DecoderMeansOptions {
  /** Intra-op threads of the session (default: onnxruntime's choice). */
  threads?: number;
}

/** Every key of DecoderMeansOptions (a misspelt option is refused, not ignored). */
const DECODER_MEANS_KEYS = { threads: true } satisfies OptionKeys<DecoderMeansOptions>;

/**
 * Decodes latents to mean images in the decoder's range ([0, 1] for sigmoid decoders, [-1, 1] for tanh).
 * Parameter values are copied at creation, so later in-place updates of `decoder.params` do not show.
 *
 * @example
 * const means = await DecoderMeans.create(decoder);
 * const images = await means.decode(new Rng({ seed: 1 }).normal(64 * decoder.latentDim)); // [64, C*H*W], NCHW
 * await means.dispose();
 */
export class DecoderMeans extends SessionOwner<'decode'> {
  /** The latent dimension d. */
  readonly latentDim: number;
  /** [C, H, W] of one decoded image. */
  readonly imageShape: ImageShape;
  /** The decoder's output range ('01' or '11'). */
  readonly range: OutputRange;
  protected readonly runner: GraphRunner<'decode'>;

  private constructor(
    private readonly decoder: Decoder,
    options: DecoderMeansOptions,
  ) {
    super();
    this.latentDim = decoder.latentDim;
    this.imageShape = decoder.imageShape;
    this.range = decoder.range;
    const model = decoderMeanGraph(decoder);
    this.runner = new GraphRunner('DecoderMeans', () => model, ParameterSet.of([]), { threads: options.threads });
  }

  /** Creates the session. */
  static async create(decoder: Decoder, options: DecoderMeansOptions = {}): Promise<DecoderMeans> {
    checkKnownKeys(options, DECODER_MEANS_KEYS, 'DecoderMeans.create');
    if (typeof decoder !== 'object' || decoder === null || typeof decoder.latentInput !== 'string') invalidArgument('decoder', 'a Decoder (from a builder or loadDecoder)', decoder);
    if (options.threads !== undefined && (!Number.isSafeInteger(options.threads) || options.threads < 1)) invalidArgument('options.threads', 'a positive integer', options.threads);
    const means = new DecoderMeans(decoder, options);
    await means.runner.prepare('decode');
    return means;
  }

  /** The mean image of each row of z ([n, d]), as [n, C*H*W] in NCHW order. */
  async decode(z: Float32Array): Promise<Float32Array> {
    this.runner.checkOpen();
    const d = this.latentDim;
    if (!(z instanceof Float32Array) || z.length === 0 || z.length % d !== 0) shapeMismatch('z', `a Float32Array of n * ${d} values with n >= 1`, z);
    const n = z.length / d;
    const out = await this.runner.run('decode', { [this.decoder.latentInput]: new ort.Tensor('float32', z, [n, ...latentShapeOf(this.decoder)]) }, [this.decoder.output]);
    const values = out[this.decoder.output];
    const size = imageElements(this.imageShape);
    if (values.length !== n * size) shapeMismatch(`the decoder output '${this.decoder.output}'`, `${n} images of ${size} values`, values);
    return this.decoder.layout === 'nhwc' ? nhwcToNchw(values, n, this.imageShape) : values;
  }
}
