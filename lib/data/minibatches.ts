/**
 * Epochs of minibatches over an ImageSet. Each batch is gathered into arrays allocated once per
 * loader, converted to float32 in the requested range and optionally binarised, so a training loop
 * allocates nothing per step. The batch a loop receives is overwritten when it asks for the next.
 */
import { invalidArgument, LpcError } from '../errors.js';
import { threshold } from './binarize.js';
import { imageSize, type ImageSet, UNIT_RANGE, type ValueRange } from './image-set.js';
import { checkRandomSource, drawPermutation, type RandomSource } from './random-source.js';
import { byteTable, scaleInto } from './scale.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** How a MinibatchLoader orders, converts and batches a set. */
export interface MinibatchOptions {
  /** Images per batch (a positive integer). */
  batchSize: number;
  /** Draws the epoch order and the binarisation uniforms (e.g. the native Rng); required when shuffling or binarising. */
  source?: RandomSource;
  /** A fresh random order each epoch (default true); false keeps the set's order. */
  shuffle?: boolean;
  /** Drop the last batch when it would be smaller than batchSize (default false: keep it). */
  dropLast?: boolean;
  /** Range of the batch values (default [0, 1]); the set's own range maps onto it linearly. */
  range?: ValueRange;
  /** Binarise each batch afresh (dynamic binarisation); needs range [0, 1]. */
  binarize?: boolean;
}

/** Every key of MinibatchOptions (a misspelt option is refused, not ignored). */
const MINIBATCH_KEYS = { batchSize: true, source: true, shuffle: true, dropLast: true, range: true, binarize: true } satisfies OptionKeys<MinibatchOptions>;

/**
 * One minibatch: views into the loader's buffers, valid until the next batch is drawn. Consume it
 * inside the loop (or copy it): `[...loader.epoch()]` gives many views of the same last batch.
 */
export interface Minibatch {
  /** Images [size, c, h, w] in the requested range. */
  readonly x: Float32Array;
  /** Labels of the rows, or null when the set has none. */
  readonly labels: Int32Array | null;
  /** Row r is image `indices[r]` of the set. */
  readonly indices: Uint32Array;
  /** Rows in this batch: batchSize, or fewer for a kept last batch. */
  readonly size: number;
  /** Position of this batch within its epoch, from 0. */
  readonly index: number;
}

/**
 * @example
 * const loader = new MinibatchLoader(scaled.train, { batchSize: 64, source: rng, binarize: true });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for (const batch of loader.epoch()) trainer.step(batch.x.subarray(0, batch.size * 784));
 * }
 */
export class MinibatchLoader {
  /** The set the batches are drawn from. */
  readonly set: ImageSet;
  /** Images per batch (the last of an epoch may have fewer unless dropLast). */
  readonly batchSize: number;
  /** The range batch values are delivered in. */
  readonly range: ValueRange;
  private readonly options: Required<Pick<MinibatchOptions, 'shuffle' | 'dropLast' | 'binarize'>>;
  private readonly source: RandomSource | undefined;
  private readonly x: Float32Array;
  private readonly labels: Int32Array | null;
  private readonly indices: Uint32Array;
  private readonly table: Float32Array | null;
  private readonly uniforms: Float32Array | null;
  private generation = 0;

  /** A loader over `set`; throws LPC_INVALID_ARGUMENT for a bad option, or for a missing source when shuffling or binarising. */
  constructor(set: ImageSet, options: MinibatchOptions) {
    checkKnownKeys(options, MINIBATCH_KEYS, 'MinibatchLoader');
    const { batchSize } = options;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) invalidArgument('batchSize', 'a positive integer', batchSize);
    this.options = { shuffle: options.shuffle ?? true, dropLast: options.dropLast ?? false, binarize: options.binarize ?? false };
    this.range = options.range ?? UNIT_RANGE;
    if (this.options.binarize && (this.range[0] !== 0 || this.range[1] !== 1)) {
      invalidArgument('range', '[0, 1] when binarize is true', `[${this.range.join(', ')}]`);
    }
    if (this.options.shuffle || this.options.binarize) checkRandomSource(options.source, 'source');
    this.source = options.source;
    this.set = set;
    this.batchSize = batchSize;
    const rows = Math.min(batchSize, set.count);
    this.x = new Float32Array(rows * imageSize(set.shape));
    this.labels = set.labels === null ? null : new Int32Array(rows);
    this.indices = new Uint32Array(rows);
    this.table = set.images instanceof Uint8Array ? byteTable(set.range, this.range) : null;
    this.uniforms = this.options.binarize ? new Float32Array(this.x.length) : null;
  }

  /** Batches per epoch under the dropLast setting. */
  get batchesPerEpoch(): number {
    const n = this.set.count;
    return this.options.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * One pass over the set; its order is drawn when the first batch is requested. Starting another
   * epoch invalidates this one (they share buffers): resuming it then throws LPC_INVALID_ARGUMENT.
   */
  *epoch(): Generator<Minibatch, void, undefined> {
    const generation = ++this.generation;
    const n = this.set.count;
    const order = this.options.shuffle ? drawPermutation(this.source as RandomSource, n) : null;
    for (let b = 0; b < this.batchesPerEpoch; b++) {
      if (generation !== this.generation) {
        throw new LpcError('LPC_INVALID_ARGUMENT', `${this.set.name}: this epoch was superseded by a later call to epoch()`);
      }
      const start = b * this.batchSize;
      const size = Math.min(this.batchSize, n - start);
      for (let r = 0; r < size; r++) this.indices[r] = order === null ? start + r : order[start + r];
      yield this.gather(b, size);
    }
  }

  private gather(index: number, size: number): Minibatch {
    const { images, labels: setLabels, range } = this.set;
    const stride = imageSize(this.set.shape);
    const x = this.x.subarray(0, size * stride);
    for (let r = 0; r < size; r++) {
      const from = this.indices[r] * stride;
      const row = x.subarray(r * stride, (r + 1) * stride);
      if (this.table !== null) {
        const table = this.table;
        for (let j = 0; j < stride; j++) row[j] = table[images[from + j]];
      } else {
        row.set(images.subarray(from, from + stride));
      }
    }
    if (this.table === null && (range[0] !== this.range[0] || range[1] !== this.range[1])) scaleInto(x, range, this.range, x);
    if (this.uniforms !== null) {
      const uniforms = this.uniforms.subarray(0, x.length);
      (this.source as RandomSource).uniform(uniforms);
      threshold(x, uniforms, x);
    }
    let labels: Int32Array | null = null;
    if (this.labels !== null && setLabels !== null) {
      labels = this.labels.subarray(0, size);
      for (let r = 0; r < size; r++) labels[r] = setLabels[this.indices[r]];
    }
    return { x, labels, indices: this.indices.subarray(0, size), size, index };
  }
}
