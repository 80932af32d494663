/**
 * Where training stands in its data: the current epoch's order, the next batch in it and how many epochs are
 * done. Each epoch's order is drawn when its first batch is needed; a batch is gathered into a buffer owned
 * by the cursor, mapped to [0, 1], optionally binarised afresh (dynamic binarisation) and mapped to the
 * decoder's range. The position is plain data, so a checkpoint resumes mid-epoch on the same batches.
 */
import { imageSize, type ImageSet, type ValueRange } from '../data/image-set.js';
import { drawPermutation, type RandomSource } from '../data/random-source.js';
import { byteTable } from '../data/scale.js';
import { threshold } from '../data/binarize.js';
import { invalidArgument, LpcError } from '../errors.js';

/** The position of a cursor: exactly what setPosition() needs. */
export interface CursorPosition {
  /** Epochs completed. */
  epoch: number;
  /** Batches already taken from the current epoch (0 when none is in progress). */
  batch: number;
  /** The current epoch's order (empty when no epoch is in progress). */
  order: Uint32Array;
}

/** One gathered batch: valid until the next call to next(). */
export interface CursorBatch {
  /** [size, C, H, W] in the target range. */
  readonly x: Float32Array;
  readonly size: number;
  /** The epoch this batch belongs to (0-based). */
  readonly epoch: number;
  /** True when this batch completes its epoch. */
  readonly lastInEpoch: boolean;
}

/** Settings of a BatchCursor. */
export interface BatchCursorOptions {
  batchSize: number;
  /** Drop a last batch smaller than batchSize. Default false. */
  dropLast?: boolean;
  /** Binarise each batch: pixel = 1 with probability its grey value. */
  binarize: boolean;
  /** The range batches are delivered in (the decoder's). */
  range: ValueRange;
  /** Draws each epoch's order. */
  order: RandomSource;
  /** Draws the binarisation uniforms. */
  binarizer: RandomSource;
}

/**
 * @example
 * const cursor = new BatchCursor(train, { batchSize: 64, binarize: true, range: [0, 1], order, binarizer });
 * const { x, size } = cursor.next();
 */
export class BatchCursor {
  readonly set: ImageSet;
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  readonly dropLast: boolean;
  readonly #options: BatchCursorOptions;
  readonly #x: Float32Array;
  readonly #uniforms: Float32Array | null;
  readonly #table: Float32Array | null;
  #epoch = 0;
  #batch = 0;
  #order: Uint32Array | null = null;

  constructor(set: ImageSet, options: BatchCursorOptions) {
    if (!Number.isSafeInteger(options.batchSize) || options.batchSize < 1) invalidArgument('batchSize', 'a positive integer', options.batchSize);
    const perEpoch = options.dropLast ? Math.floor(set.count / options.batchSize) : Math.ceil(set.count / options.batchSize);
    if (perEpoch < 1) invalidArgument('data', `a set with at least one batch of ${options.batchSize} images${options.dropLast ? ' (dropLast)' : ''}`, `${set.count} images`);
    this.set = set;
    this.batchSize = options.batchSize;
    this.batchesPerEpoch = perEpoch;
    this.dropLast = options.dropLast ?? false;
    this.#options = options;
    this.#x = new Float32Array(Math.min(options.batchSize, set.count) * imageSize(set.shape));
    this.#uniforms = options.binarize ? new Float32Array(this.#x.length) : null;
    this.#table = set.images instanceof Uint8Array ? byteTable(set.range, [0, 1]) : null;
  }

  /** Epochs completed. */
  get epoch(): number {
    return this.#epoch;
  }

  /** True when no epoch is in progress (the next batch starts a new one). */
  get atEpochStart(): boolean {
    return this.#order === null;
  }

  /** The next batch, starting a new epoch (and drawing its order) when none is in progress. */
  next(): CursorBatch {
    if (this.#order === null) {
      this.#order = drawPermutation(this.#options.order, this.set.count);
      this.#batch = 0;
    }
    const epoch = this.#epoch;
    const start = this.#batch * this.batchSize;
    const size = Math.min(this.batchSize, this.set.count - start);
    const x = this.#gather(this.#order.subarray(start, start + size));
    this.#batch++;
    const lastInEpoch = this.#batch === this.batchesPerEpoch;
    if (lastInEpoch) {
      this.#epoch++;
      this.#batch = 0;
      this.#order = null;
    }
    return { x, size, epoch, lastInEpoch };
  }

  /** A copy of the position. */
  getPosition(): CursorPosition {
    return { epoch: this.#epoch, batch: this.#batch, order: this.#order === null ? new Uint32Array(0) : this.#order.slice() };
  }

  /** Continues from a position returned by getPosition() of a cursor over the same set and batch size. */
  setPosition(position: CursorPosition): void {
    const { epoch, batch, order } = position;
    if (!Number.isSafeInteger(epoch) || epoch < 0) invalidArgument('position.epoch', 'a non-negative integer', epoch);
    if (!(order instanceof Uint32Array) || (order.length !== 0 && order.length !== this.set.count)) {
      throw new LpcError('LPC_CHECKPOINT', `the saved epoch order has ${order?.length} entries but the data set has ${this.set.count} images: resume with the same data`);
    }
    const maxBatch = order.length === 0 ? 0 : this.batchesPerEpoch - 1;
    if (!Number.isSafeInteger(batch) || batch < 0 || batch > maxBatch) invalidArgument('position.batch', `an integer in [0, ${maxBatch}]`, batch);
    if (!isPermutation(order)) throw new LpcError('LPC_CHECKPOINT', "the saved epoch order is not a permutation of the data set's indices");
    this.#epoch = epoch;
    this.#batch = batch;
    this.#order = order.length === 0 ? null : order.slice();
  }

  #gather(rows: Uint32Array): Float32Array {
    const { images, range } = this.set;
    const stride = imageSize(this.set.shape);
    const x = this.#x.subarray(0, rows.length * stride);
    const [f0, f1] = range;
    for (let r = 0; r < rows.length; r++) {
      const from = rows[r] * stride;
      const out = r * stride;
      if (this.#table !== null) {
        const table = this.#table;
        for (let j = 0; j < stride; j++) x[out + j] = table[images[from + j]];
      } else {
        for (let j = 0; j < stride; j++) x[out + j] = (images[from + j] - f0) / (f1 - f0);
      }
    }
    if (this.#uniforms !== null) {
      const u = this.#uniforms.subarray(0, x.length);
      this.#options.binarizer.uniform(u);
      threshold(x, u, x);
    }
    const [t0, t1] = this.#options.range;
    if (t0 !== 0 || t1 !== 1) for (let i = 0; i < x.length; i++) x[i] = t0 + x[i] * (t1 - t0);
    return x;
  }
}

function isPermutation(order: Uint32Array): boolean {
  const seen = new Uint8Array(order.length);
  for (const i of order) {
    if (i >= order.length || seen[i] === 1) return false;
    seen[i] = 1;
  }
  return true;
}
