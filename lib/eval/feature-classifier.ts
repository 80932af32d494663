/**
 * The feature network of the package's Fréchet distance: a small MLP image classifier built as an ONNX
 * graph, x [n, c, h, w] -> Flatten -> (Gemm -> Relu) per hidden layer -> Gemm, with two outputs:
 * `features`, the last hidden layer's ReLU activations, and `logits`. It is trained on the dataset whose
 * images it will judge (see train-feature-classifier.ts); it is not the Inception network of FID.
 *
 * For training, withNllHead adds a one-hot `labels` input and a per-image negative log-likelihood output
 * `nll`, the objective the autodiff differentiates.
 */
import { invalidArgument } from '../errors.js';
import { imageSize, type ImageShape } from '../data/index.js';
import { GraphBuilder } from '../onnx/builder.js';
import { Graph, Model } from '../onnx/ir.js';
import { makeTensor } from '../onnx/tensor.js';
import { Rng } from '../native/index.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** Layer widths of the shipped classifiers: 784 pixels, hidden 256 and 128 (the features), 10 classes. */
export const FEATURE_CLASSIFIER_SIZES: readonly number[] = Object.freeze([784, 256, 128, 10]);
/** The opset the classifier is written in (every operator it uses is unchanged since opset 13). */
export const FEATURE_CLASSIFIER_OPSET = 17;
/** Metadata key under which the classifier's ONNX file names its network. */
export const NETWORK_NAME_KEY = 'langevin-pc.feature-network';

/** Names of the classifier's graph values. */
export const CLASSIFIER_IO = Object.freeze({ images: 'x', features: 'features', logits: 'logits', labels: 'labels', nll: 'nll' });

/** Shape and initialisation of a feature classifier. */
export interface FeatureClassifierOptions {
  /** Layer widths: input pixels, hidden widths (the last is the feature size), classes. Default FEATURE_CLASSIFIER_SIZES. */
  sizes?: readonly number[];
  /** Per-image shape [c, h, w]; its size must equal sizes[0]. Default [1, 28, 28]. */
  imageShape?: ImageShape;
  /** Seed of the native Philox generator that draws the initial weights. Default 0. */
  seed?: number | bigint;
}

/** Every key of FeatureClassifierOptions (a misspelt option is refused, not ignored). */
const FEATURE_CLASSIFIER_KEYS = { sizes: true, imageShape: true, seed: true } satisfies OptionKeys<FeatureClassifierOptions>;

/**
 * A freshly initialised classifier: weights fc<i>.weight [out, in] (Gemm transB = 1, as PyTorch exports
 * Linear) drawn N(0, 2 / fan_in) before a ReLU (He) and N(0, 1 / fan_in) for the logits; biases zero.
 *
 * @example
 * const model = buildFeatureClassifier({ seed: 1 });
 * model.graph.outputs.map((o) => o.name); // ['features', 'logits']
 */
export function buildFeatureClassifier(options: FeatureClassifierOptions = {}): Model {
  checkKnownKeys(options, FEATURE_CLASSIFIER_KEYS, 'buildFeatureClassifier');
  const sizes = [...(options.sizes ?? FEATURE_CLASSIFIER_SIZES)];
  const shape = options.imageShape ?? ([1, 28, 28] as const);
  if (sizes.length < 3 || !sizes.every((s) => Number.isSafeInteger(s) && s > 0)) {
    invalidArgument('sizes', 'at least three positive integer widths [input, hidden..., classes]', sizes);
  }
  if (sizes[0] !== imageSize(shape)) invalidArgument('sizes[0]', `the image size ${imageSize(shape)} of imageShape [${shape.join(', ')}]`, sizes[0]);
  const model = new Model(new Graph(), FEATURE_CLASSIFIER_OPSET);
  model.graph.name = 'feature_classifier';
  const b = new GraphBuilder(model);
  using rng = new Rng({ seed: options.seed ?? 0 });
  let h = b.op('Flatten', [b.input(CLASSIFIER_IO.images, 'float32', ['batch', ...shape])], { axis: 1 });
  const layers = sizes.length - 1;
  for (let i = 1; i <= layers; i++) {
    const [fanIn, fanOut] = [sizes[i - 1], sizes[i]];
    const hidden = i < layers;
    const weights = rng.normal(fanOut * fanIn);
    const scale = Math.sqrt((hidden ? 2 : 1) / fanIn);
    for (let k = 0; k < weights.length; k++) weights[k] *= scale;
    const w = b.initializer(`fc${i}.weight`, makeTensor('float32', [fanOut, fanIn], weights));
    const bias = b.initializer(`fc${i}.bias`, makeTensor('float32', [fanOut], new Float32Array(fanOut)));
    h = b.op('Gemm', [h, w, bias], { transB: 1 });
    if (hidden) h = b.op('Relu', [h]);
    if (i === layers - 1) h = b.output(h, CLASSIFIER_IO.features, 'float32', ['batch', fanOut]);
  }
  b.output(h, CLASSIFIER_IO.logits, 'float32', ['batch', sizes[layers]]);
  return model;
}

/**
 * A copy of `classifier` with a one-hot input `labels` [batch, classes] and an output `nll` [batch]:
 * -sum_k labels_k log softmax(logits)_k, each image's negative log-likelihood of its label (the
 * cross-entropy whose batch sum the autodiff differentiates; standard operators only).
 */
export function withNllHead(classifier: Model, classes: number): Model {
  const model = classifier.clone();
  const b = new GraphBuilder(model);
  const labels = b.input(CLASSIFIER_IO.labels, 'float32', ['batch', classes]);
  const logProbs = b.op('LogSoftmax', [CLASSIFIER_IO.logits], { axis: 1 });
  const picked = b.reduce('ReduceSum', b.op('Mul', [labels, logProbs]), [1], false);
  b.output(b.op('Neg', [picked]), CLASSIFIER_IO.nll, 'float32', ['batch']);
  return model;
}
