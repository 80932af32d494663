/**
 * A trained feature classifier opened from its ONNX file, run by onnxruntime: features and logits of
 * images in [0, 1], their Gaussian statistics, and test accuracy.
 */
import type * as ort from 'onnxruntime-node';
import { invalidArgument, LpcError } from '../errors.js';
import { imageSize, type ImageSet, type ImageShape, scaleImages, UNIT_RANGE } from '../data/index.js';
import { readModel } from '../onnx/convert.js';
import { createSession, runSession } from '../onnx/runtime.js';
import { makeTensor } from '../onnx/tensor.js';
import { CLASSIFIER_IO, NETWORK_NAME_KEY } from './feature-classifier.js';
import { featureStatistics, type FeatureStatistics } from './feature-statistics.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/**
 * Images for a feature network: an ImageSet of the network's image shape (any declared range; it is mapped
 * to [0, 1]), or a Float32Array of whole images [n, c, h, w] already in [0, 1] (e.g. decoder means).
 */
export type NetworkImages = ImageSet | Float32Array;

/** Options of FeatureNetwork.load. */
export interface FeatureNetworkOptions {
  /** onnxruntime intra-op threads (default: onnxruntime's choice). */
  threads?: number;
  /** Images per onnxruntime run (default 1000: ~3 MB of input, a few MB of activations). */
  chunk?: number;
}

/** Every key of FeatureNetworkOptions (a misspelt option is refused, not ignored). */
const FEATURE_NETWORK_KEYS = { threads: true, chunk: true } satisfies OptionKeys<FeatureNetworkOptions>;

/** Accuracy and mean negative log-likelihood of a labelled set. */
export interface ClassifierScore {
  readonly count: number;
  /** Fraction of images whose largest logit is their label. */
  readonly accuracy: number;
  /** Mean -log softmax(logits)[label], in nats. */
  readonly meanNll: number;
}

/**
 * @example
 * const net = await FeatureNetwork.load('models/feature-classifier-fashion-mnist.onnx');
 * const stats = await net.statistics(scaleImages(loadFashionMnist().test, UNIT_RANGE));
 * await net.dispose();
 */
export class FeatureNetwork {
  /** The network's name from its file's metadata (reports print it next to "fd"). */
  readonly name: string;
  /** The file's description (its doc string). */
  readonly description: string;
  /** [C, H, W] of the images it takes. */
  readonly imageShape: ImageShape;
  /** Length of the feature vector of one image. */
  readonly featureDim: number;
  /** Number of classes its logits score. */
  readonly classes: number;
  private readonly chunk: number;
  private session: ort.InferenceSession | null;

  private constructor(session: ort.InferenceSession, fields: { name: string; description: string; imageShape: ImageShape; featureDim: number; classes: number; chunk: number }) {
    this.session = session;
    this.name = fields.name;
    this.description = fields.description;
    this.imageShape = fields.imageShape;
    this.featureDim = fields.featureDim;
    this.classes = fields.classes;
    this.chunk = fields.chunk;
  }

  /**
   * Opens a classifier from the bytes of its ONNX file (as trainFeatureClassifier writes it).
   * Throws LPC_INVALID_MODEL when the graph lacks the input `x` [batch, c, h, w] or the outputs
   * `features` [batch, d] and `logits` [batch, classes] with static c, h, w, d, classes.
   */
  static async load(bytes: Uint8Array, options: FeatureNetworkOptions = {}): Promise<FeatureNetwork> {
    checkKnownKeys(options, FEATURE_NETWORK_KEYS, 'FeatureNetwork.load');
    const chunk = options.chunk ?? 1000;
    if (!Number.isSafeInteger(chunk) || chunk < 1) invalidArgument('chunk', 'a positive integer', chunk);
    const model = readModel(bytes);
    const g = model.graph;
    const input = g.input(CLASSIFIER_IO.images);
    const features = g.output(CLASSIFIER_IO.features);
    const logits = g.output(CLASSIFIER_IO.logits);
    const staticTail = (shape: readonly unknown[] | null | undefined, rank: number) =>
      shape != null && shape.length === rank && shape.slice(1).every((d) => typeof d === 'number' && d > 0) ? (shape.slice(1) as number[]) : null;
    const imageShape = staticTail(input?.shape, 4);
    const featureDim = staticTail(features?.shape, 2);
    const classes = staticTail(logits?.shape, 2);
    if (imageShape === null || featureDim === null || classes === null) {
      throw new LpcError(
        'LPC_INVALID_MODEL',
        `a feature network needs input '${CLASSIFIER_IO.images}' [batch, c, h, w] and outputs '${CLASSIFIER_IO.features}' [batch, d] and '${CLASSIFIER_IO.logits}' [batch, classes] with static sizes; this model has inputs ${g.inputs.map((v) => `${v.name} [${v.shape?.join(', ') ?? '?'}]`).join(', ')} and outputs ${g.outputs.map((v) => `${v.name} [${v.shape?.join(', ') ?? '?'}]`).join(', ')}`,
      );
    }
    const name = model.meta.metadataProps.find((p) => p.key === NETWORK_NAME_KEY)?.value ?? (g.name || 'unnamed feature network');
    const session = await createSession(bytes, options.threads === undefined ? {} : { threads: options.threads });
    return new FeatureNetwork(session, { name, description: model.meta.docString, imageShape: [imageShape[0], imageShape[1], imageShape[2]], featureDim: featureDim[0], classes: classes[0], chunk });
  }

  /** Features [n, featureDim] and logits [n, classes] of the images, row-major. */
  async run(images: NetworkImages): Promise<{ count: number; features: Float32Array; logits: Float32Array }> {
    const session = this.live();
    const pixels = this.pixels(images);
    const size = imageSize(this.imageShape);
    const count = pixels.length / size;
    const features = new Float32Array(count * this.featureDim);
    const logits = new Float32Array(count * this.classes);
    for (let start = 0; start < count; start += this.chunk) {
      const rows = Math.min(this.chunk, count - start);
      const x = makeTensor('float32', [rows, ...this.imageShape], pixels.subarray(start * size, (start + rows) * size));
      const out = await runSession(session, { [CLASSIFIER_IO.images]: x }, [CLASSIFIER_IO.features, CLASSIFIER_IO.logits]);
      features.set(out[CLASSIFIER_IO.features].data as Float32Array, start * this.featureDim);
      logits.set(out[CLASSIFIER_IO.logits].data as Float32Array, start * this.classes);
    }
    return { count, features, logits };
  }

  /** Mean and covariance (float64) of the images' features. */
  async statistics(images: NetworkImages): Promise<FeatureStatistics> {
    return featureStatistics((await this.run(images)).features, this.featureDim);
  }

  /** Accuracy and mean NLL on a labelled set. */
  async score(set: ImageSet): Promise<ClassifierScore> {
    if (set.labels === null) invalidArgument('set', 'a labelled ImageSet', `${set.name} without labels`);
    const { count, logits } = await this.run(set);
    let correct = 0;
    let nll = 0;
    for (let i = 0; i < count; i++) {
      const row = logits.subarray(i * this.classes, (i + 1) * this.classes);
      let best = 0;
      for (let k = 1; k < this.classes; k++) if (row[k] > row[best]) best = k;
      const label = set.labels[i];
      if (best === label) correct++;
      let sum = 0;
      for (let k = 0; k < this.classes; k++) sum += Math.exp(row[k] - row[best]);
      nll += row[best] + Math.log(sum) - row[label];
    }
    return { count, accuracy: correct / count, meanNll: nll / count };
  }

  /** Releases the onnxruntime session; later calls throw LPC_DISPOSED. */
  async dispose(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  private live(): ort.InferenceSession {
    if (this.session === null) throw new LpcError('LPC_DISPOSED', `feature network '${this.name}' was disposed; load it again`);
    return this.session;
  }

  /** The images as float32 values in [0, 1], checked against the network's image shape. */
  private pixels(images: NetworkImages): Float32Array {
    const size = imageSize(this.imageShape);
    if (images instanceof Float32Array) {
      if (images.length === 0 || images.length % size !== 0) {
        throw new LpcError('LPC_SHAPE_MISMATCH', `images has ${images.length} values; '${this.name}' takes whole images of shape [${this.imageShape.join(', ')}] (${size} values each)`);
      }
      for (let i = 0; i < images.length; i++) {
        if (!Number.isFinite(images[i])) throw new LpcError('LPC_INVALID_ARGUMENT', `images has a non-finite value ${images[i]} in image ${Math.floor(i / size)}`);
      }
      return images;
    }
    if (typeof images !== 'object' || images === null || !('shape' in images)) invalidArgument('images', 'an ImageSet or a Float32Array', images);
    if (images.shape.some((d, i) => d !== this.imageShape[i])) {
      throw new LpcError('LPC_SHAPE_MISMATCH', `${images.name} has images of shape [${images.shape.join(', ')}]; '${this.name}' takes [${this.imageShape.join(', ')}]`);
    }
    if (images.count === 0) invalidArgument('images', 'a non-empty ImageSet', `${images.name} with 0 images`);
    const unit = images.images instanceof Float32Array && images.range[0] === 0 && images.range[1] === 1;
    return unit ? (images.images as Float32Array) : scaleImages(images, UNIT_RANGE).images;
  }
}
