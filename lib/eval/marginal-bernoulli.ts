/**
 * The per-pixel-marginal Bernoulli model: every pixel independent, p(x_j = 1) = the training frequency of
 * pixel j. The floor a latent-variable model must beat: its test NLL is exact (no sampling) and its fit
 * takes one pass over the training images.
 */
import { UNIT_RANGE, type ImageSet } from '../data/image-set.js';
import { scaleImages } from '../data/scale.js';
import { invalidArgument, shapeMismatch } from '../errors.js';
import { meanAndStdErr } from './statistics.js';
import { isBinary } from './units.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** Options of MarginalBernoulli.fit. */
export interface MarginalBernoulliOptions {
  /**
   * Pseudo-counts added to both outcomes of every pixel: p_j = (sum_i x_ij + a) / (N + 2a). Default 1 (Laplace's
   * rule), which keeps each p_j inside (0, 1), so a test pixel that was never on in training costs a finite
   * log(N + 2) nats instead of an infinite NLL.
   */
  smoothing?: number;
}

/** Every key of MarginalBernoulliOptions (a misspelt option is refused, not ignored). */
const MARGINAL_KEYS = { smoothing: true } satisfies OptionKeys<MarginalBernoulliOptions>;

/** The baseline's test numbers. */
export interface MarginalBernoulliScore {
  readonly images: number;
  /** Mean -log p(x) per image, nats (the BCE when the images are grey-valued: then `normalised` is false). */
  readonly nll: number;
  /** Standard error of that mean over the images. */
  readonly nllStdErr: number;
  /** True when every test value is 0 or 1, so the number is a normalised NLL. */
  readonly normalised: boolean;
}

/**
 * Fitted per-pixel Bernoulli probabilities.
 *
 * @example
 * const data = loadMnist();
 * const baseline = MarginalBernoulli.fit(data.train);             // grey values: their means are the p_j
 * const testBin = binarizeImages(data.test, fixedSeedSource);    // one fixed binarised copy
 * baseline.score(testBin).nll;                                    // nats per image
 */
export class MarginalBernoulli {
  /** p_j per pixel, float64. */
  readonly probabilities: Float64Array;
  private readonly logP: Float64Array;
  private readonly log1mP: Float64Array;

  private constructor(
    probabilities: Float64Array,
    /** [C, H, W] of the images it was fitted to. */
    readonly shape: readonly [number, number, number],
  ) {
    this.probabilities = probabilities;
    this.logP = probabilities.map(Math.log);
    this.log1mP = probabilities.map((p) => Math.log1p(-p));
  }

  /**
   * Fits to training images (any value range: they are mapped to [0, 1]; grey values count as their
   * expected binarisation, the mean of dynamically binarised copies).
   */
  static fit(train: ImageSet, options: MarginalBernoulliOptions = {}): MarginalBernoulli {
    checkKnownKeys(options, MARGINAL_KEYS, 'MarginalBernoulli.fit');
    const a = options.smoothing ?? 1;
    if (typeof a !== 'number' || !Number.isFinite(a) || a < 0) invalidArgument('options.smoothing', 'a finite number >= 0', a);
    const set = toUnit(train, 'train');
    if (set.count === 0) invalidArgument('train', 'a set with at least one image', `${set.name} with 0 images`);
    const D = set.images.length / set.count;
    const sums = new Float64Array(D);
    for (let i = 0; i < set.count; i++) for (let j = 0; j < D; j++) sums[j] += set.images[i * D + j];
    const p = sums.map((s) => (s + a) / (set.count + 2 * a));
    return new MarginalBernoulli(p, [...set.shape]);
  }

  /** -log p(x) of each image in nats, float64. Images are mapped to [0, 1] from their range. */
  negLogLikelihood(images: ImageSet): Float64Array {
    return this.nllOf(this.check(images));
  }

  /** The mean test NLL, its standard error over images, and whether it is a normalised NLL. */
  score(images: ImageSet): MarginalBernoulliScore {
    const set = this.check(images);
    const nll = this.nllOf(set);
    const { mean, stdErr } = meanAndStdErr(nll);
    return { images: nll.length, nll: mean, nllStdErr: stdErr, normalised: isBinary(set.images, UNIT_RANGE) };
  }

  private nllOf(set: ImageSet<Float32Array>): Float64Array {
    const D = this.probabilities.length;
    const out = new Float64Array(set.count);
    for (let i = 0; i < set.count; i++) {
      let s = 0;
      for (let j = 0; j < D; j++) {
        const x = set.images[i * D + j];
        s -= x * this.logP[j] + (1 - x) * this.log1mP[j];
      }
      out[i] = s;
    }
    return out;
  }

  private check(images: ImageSet): ImageSet<Float32Array> {
    const set = toUnit(images, 'images');
    const [c, h, w] = this.shape;
    if (set.shape[0] !== c || set.shape[1] !== h || set.shape[2] !== w) {
      shapeMismatch('images', `images of shape [${this.shape.join(', ')}] (the training images' shape)`, `${set.name} of shape [${set.shape.join(', ')}]`);
    }
    if (set.count === 0) invalidArgument('images', 'a set with at least one image', `${set.name} with 0 images`);
    return set;
  }
}

/** The set as float32 values in [0, 1] (no copy when it already is one). */
function toUnit(set: ImageSet, name: string): ImageSet<Float32Array> {
  if (typeof set !== 'object' || set === null || !ArrayBuffer.isView(set.images)) invalidArgument(name, 'an ImageSet', set);
  if (set.images instanceof Float32Array && set.range[0] === 0 && set.range[1] === 1) return set as ImageSet<Float32Array>;
  return scaleImages(set, UNIT_RANGE);
}
