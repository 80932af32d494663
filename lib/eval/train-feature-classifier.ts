/**
 * Training of the feature classifier with the package's own machinery: the cross-entropy gradient graph
 * from the ONNX autodiff, run by onnxruntime, and native Adam updating the weights in place; the native
 * Philox generator draws the initial weights and the minibatch order, so a seed fixes the run (for a
 * fixed onnxruntime thread count: the partition of its sums changes their rounding).
 */
import { invalidArgument, LpcError } from '../errors.js';
import { imageSize, type ImageSet, MinibatchLoader } from '../data/index.js';
import { Optimizer, Rng } from '../native/index.js';
import { buildGradientModel, paramGradName } from '../onnx/autodiff/gradient.js';
import { exportModel } from '../onnx/export.js';
import { ParameterSet } from '../onnx/params.js';
import { createSession, runSession } from '../onnx/runtime.js';
import { makeTensor, type Tensor } from '../onnx/tensor.js';
import { buildFeatureClassifier, CLASSIFIER_IO, FEATURE_CLASSIFIER_SIZES, NETWORK_NAME_KEY, withNllHead } from './feature-classifier.js';
import { randomShift } from './random-shift.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** Settings of trainFeatureClassifier. */
export interface TrainFeatureClassifierOptions {
  /** Passes over the training set (0 returns the initial network). */
  epochs: number;
  /** Images per Adam step. Default 128. */
  batchSize?: number;
  /** Adam learning rate; it decays by cosine to lr / 10 over the run. Default 1e-3. */
  learningRate?: number;
  /** Seed of initialisation and shuffling. Default 0. */
  seed?: number;
  /** Layer widths (default FEATURE_CLASSIFIER_SIZES). */
  sizes?: readonly number[];
  /** Shift each training image by up to this many pixels in each direction, afresh per epoch (see random-shift.ts). Default 0. */
  maxShift?: number;
  /** onnxruntime intra-op threads. Default 1 (reproducible sums). */
  threads?: number;
  /** The network's name, written into the file's metadata. */
  name?: string;
  /** The file's doc string. */
  description?: string;
  /** Called after each epoch. */
  onEpoch?: (report: EpochReport) => void;
}

/** Every key of TrainFeatureClassifierOptions (a misspelt option is refused, not ignored). */
const TRAIN_CLASSIFIER_KEYS = {
  epochs: true,
  batchSize: true,
  learningRate: true,
  seed: true,
  sizes: true,
  maxShift: true,
  threads: true,
  name: true,
  description: true,
  onEpoch: true,
} satisfies OptionKeys<TrainFeatureClassifierOptions>;

/** One epoch's training numbers. */
export interface EpochReport {
  readonly epoch: number;
  /** Mean per-image NLL over the epoch's minibatches (weights moving during the epoch). */
  readonly meanNll: number;
  /** Fraction of the epoch's images classified right when their minibatch was seen. */
  readonly accuracy: number;
  readonly seconds: number;
}

/** The trained classifier as an ONNX file, and its training history. */
export interface TrainedFeatureClassifier {
  /** The forward classifier (`x` -> `features`, `logits`) with the trained weights as initializers. */
  readonly onnx: Uint8Array;
  readonly history: readonly EpochReport[];
}

/**
 * Trains a feature classifier on a labelled image set by minibatch Adam on the mean cross-entropy.
 *
 * @example
 * const { onnx, history } = await trainFeatureClassifier(loadFashionMnist().train, { epochs: 15, seed: 1 });
 * writeFileSync('classifier.onnx', onnx);
 */
export async function trainFeatureClassifier(train: ImageSet, options: TrainFeatureClassifierOptions): Promise<TrainedFeatureClassifier> {
  checkKnownKeys(options, TRAIN_CLASSIFIER_KEYS, 'trainFeatureClassifier');
  const { epochs } = options;
  if (!Number.isSafeInteger(epochs) || epochs < 0) invalidArgument('epochs', 'a non-negative integer', epochs);
  const batchSize = options.batchSize ?? 128;
  const lr = options.learningRate ?? 1e-3;
  if (!(Number.isFinite(lr) && lr > 0)) invalidArgument('learningRate', 'a positive number', lr);
  const sizes = options.sizes ?? FEATURE_CLASSIFIER_SIZES;
  const classes = sizes[sizes.length - 1];
  const labels = train.labels;
  if (labels === null) invalidArgument('train', 'a labelled ImageSet', `${train.name} without labels`);
  const bad = labels.findIndex((l) => l < 0 || l >= classes);
  if (bad >= 0) throw new LpcError('LPC_INVALID_ARGUMENT', `${train.name}: label ${labels[bad]} of image ${bad} is not a class in 0..${classes - 1}`);

  const maxShift = options.maxShift ?? 0;
  if (!Number.isSafeInteger(maxShift) || maxShift < 0 || maxShift >= Math.min(train.shape[1], train.shape[2])) {
    invalidArgument('maxShift', `an integer in 0..${Math.min(train.shape[1], train.shape[2]) - 1}`, maxShift);
  }
  const seed = options.seed ?? 0;
  const forward = buildFeatureClassifier({ sizes, imageShape: train.shape, seed });
  forward.meta.metadataProps.push({ key: NETWORK_NAME_KEY, value: options.name ?? `feature classifier ${sizes.join('-')}` });
  forward.meta.docString = options.description ?? '';
  const params = ParameterSet.fromModel(forward);
  const history: EpochReport[] = [];
  if (epochs > 0) {
    using rng = new Rng({ seed, stream: 1 });
    const loader = new MinibatchLoader(train, { batchSize, source: rng });
    const { model } = buildGradientModel(withNllHead(forward, classes), { objective: CLASSIFIER_IO.nll, params: params.names });
    const session = await createSession(model, { threads: options.threads ?? 1 });
    using optimizer = new Optimizer(
      params.names.map((n) => params.get(n).data),
      { kind: 'adam', lr },
    );
    const totalSteps = epochs * loader.batchesPerEpoch;
    const scratch = new Float32Array(imageSize(train.shape));
    try {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const started = performance.now();
        let nll = 0;
        let correct = 0;
        for (const batch of loader.epoch()) {
          // Cosine decay from lr to lr / 10: the last epochs settle instead of rattling at full step.
          optimizer.lr = lr * (0.1 + 0.45 * (1 + Math.cos((Math.PI * optimizer.stepCount) / totalSteps)));
          randomShift(batch.x, batch.size, train.shape, maxShift, rng, scratch);
          const step = await trainingStep(session, params, batch.x, batch.labels!, batch.size, train, classes);
          optimizer.step(step.grads);
          nll += step.nll;
          correct += step.correct;
        }
        const report = { epoch, meanNll: nll / train.count, accuracy: correct / train.count, seconds: (performance.now() - started) / 1000 };
        history.push(report);
        options.onEpoch?.(report);
        if (!Number.isFinite(report.meanNll)) throw new LpcError('LPC_DIVERGED', `the classifier's training loss became ${report.meanNll} in epoch ${epoch}; lower learningRate`);
      }
    } finally {
      await session.release();
    }
  }
  return { onnx: exportModel(forward, params), history };
}

/** One minibatch through the gradient graph: the mean gradients (scaled in place), the NLL sum and hits. */
async function trainingStep(
  session: Awaited<ReturnType<typeof createSession>>,
  params: ParameterSet,
  x: Float32Array,
  labels: Int32Array,
  size: number,
  train: ImageSet,
  classes: number,
): Promise<{ grads: Float32Array[]; nll: number; correct: number }> {
  const oneHot = new Float32Array(size * classes);
  for (let r = 0; r < size; r++) oneHot[r * classes + labels[r]] = 1;
  const feeds: Record<string, Tensor> = {
    [CLASSIFIER_IO.images]: makeTensor('float32', [size, ...train.shape], x.subarray(0, size * imageSize(train.shape))),
    [CLASSIFIER_IO.labels]: makeTensor('float32', [size, classes], oneHot),
  };
  for (const p of params) feeds[p.name] = makeTensor('float32', p.dims, p.data);
  const out = await runSession(session, feeds);
  const grads = params.names.map((n) => {
    const g = out[paramGradName(n)].data as Float32Array;
    for (let i = 0; i < g.length; i++) g[i] /= size;
    return g;
  });
  const nll = (out[CLASSIFIER_IO.nll].data as Float32Array).reduce((s, v) => s + v, 0);
  const logits = out[CLASSIFIER_IO.logits].data as Float32Array;
  let correct = 0;
  for (let r = 0; r < size; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[r * classes + k] > logits[r * classes + best]) best = k;
    if (best === labels[r]) correct++;
  }
  return { grads, nll, correct };
}
