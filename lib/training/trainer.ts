/**
 * What LpcTrainer and VaeTrainer share: the networks and their runtimes, the optimisers, the random streams,
 * the position in the data, the run loop with its events and cancellation, and state export. A subclass
 * supplies one update on one minibatch.
 */
import type { ImageSet } from '../data/image-set.js';
import { imageSize } from '../data/image-set.js';
import { splitValidation } from '../data/validation-split.js';
import { invalidArgument, LpcError } from '../errors.js';
import { EnergyModel } from '../likelihoods/energy-model.js';
import type { LikelihoodSpec } from '../likelihoods/spec.js';
import { EncoderModel } from '../models/encoder-model.js';
import { exportDecoder, exportEncoder } from '../models/export.js';
import { rangeValues, type Decoder, type Encoder } from '../models/networks.js';
import { Optimizer, type OptimizerOptions } from '../native/optimizer.js';
import { setThreads } from '../native/runtime.js';
import { checkBoolean, checkInteger, checkKnownKeys, checkU64, type OptionKeys } from '../checks.js';
import { BatchCursor } from './batch-cursor.js';
import { RUN_OPTION_KEYS, type EpochEvent, type RunOptions, type TrainEvent, type UpdateEvent } from './events.js';
import { isNetworkSpec, resolveDecoder, resolveEncoder, type DecoderSpec, type EncoderSpec } from './network-spec.js';
import { initKeys, TrainingStreams } from './random-streams.js';
import type { StateRecord } from './state-blob.js';
import { exportTrainerState, importTrainerState, type DataPosition, type TrainerParts } from './trainer-state.js';

/** Options both trainers take. */
export interface TrainerOptions {
  /** The decoder p(x|z): a built or loaded network (trained in place), or a spec the trainer builds. */
  decoder: Decoder | DecoderSpec;
  /** p(x|z). Default Bernoulli. A learned sigma is trained with the decoder. */
  likelihood?: LikelihoodSpec;
  /** The optimiser of the decoder (and learned sigma). Default Adam, lr 1e-3. */
  optimizer?: OptimizerOptions;
  /** The optimiser of the encoder. Default: the same settings as `optimizer`. */
  encoderOptimizer?: OptimizerOptions;
  /** run() binarises each minibatch afresh (pixel = 1 with probability its grey value). Default false. */
  binarize?: boolean;
  /**
   * The seed every random stream derives from: data order, binarisation, Langevin noise, reparameterisation
   * noise, and the initialisation of networks given as specs without their own seed. Default 0.
   */
  seed?: number | bigint;
  /**
   * Threads of each onnxruntime session and of the native addon's pool (setThreads(), process-wide for this
   * thread). Default: the machine's cores for both. Keep it fixed for bit-identical runs and resumes.
   */
  threads?: number;
  /**
   * run() trains on the data's training part only, holding out its validation part (splitValidation in
   * lib/data: the last 10,000 images of the MNIST and Fashion-MNIST training splits, the last tenth of any
   * other set) for the caller to evaluate on. Default false.
   */
  validation?: boolean;
}

/** Every key of TrainerOptions, for the subclasses' unknown-option check. */
export const TRAINER_OPTION_KEYS = {
  decoder: true,
  likelihood: true,
  optimizer: true,
  encoderOptimizer: true,
  binarize: true,
  seed: true,
  threads: true,
  validation: true,
} satisfies OptionKeys<TrainerOptions>;

/** What a subclass's update returns (the base adds counters and timing). */
export interface UpdateOutcome {
  losses: Record<string, number>;
  meanEnergy: number;
  acceptRate: number | null;
  stepSize: number | null;
  restarts: number;
  droppedChains: number;
}

/** The networks and runtimes a trainer is built on. */
export interface TrainerCore {
  readonly decoder: Decoder;
  readonly encoder: Encoder | null;
  readonly energy: EnergyModel;
  readonly encoderModel: EncoderModel | null;
  readonly thetaOptimizer: Optimizer;
  readonly phiOptimizer: Optimizer | null;
  readonly streams: TrainingStreams;
  readonly binarize: boolean;
  readonly validation: boolean;
}

/**
 * Builds or adopts the networks, creates their runtimes (trainable), the optimisers and the random streams.
 * `encoder` undefined: no encoder.
 */
export async function createTrainerCore(options: TrainerOptions, encoderOption: Encoder | EncoderSpec | undefined): Promise<TrainerCore> {
  if (options.threads !== undefined) setThreads(checkInteger('threads', options.threads, 1, 256));
  const binarize = checkBoolean('binarize', options.binarize ?? false);
  const validation = checkBoolean('validation', options.validation ?? false);
  const seed = checkU64('seed', options.seed ?? 0);
  const [decoderKey, encoderKey] = initKeys(seed, 2);
  const decoder = isNetworkSpec(options.decoder) ? await resolveDecoder(options.decoder as DecoderSpec, decoderKey) : options.decoder;
  const encoder = encoderOption === undefined ? null : isNetworkSpec(encoderOption) ? await resolveEncoder(encoderOption as EncoderSpec, encoderKey) : encoderOption;
  if (encoder !== null) {
    if (encoder.latentDim !== decoder.latentDim) invalidArgument('encoder', `an encoder with the decoder's latent size ${decoder.latentDim}`, `latent size ${encoder.latentDim}`);
    if (encoder.imageShape.join() !== decoder.imageShape.join())
      invalidArgument('encoder', `an encoder of images [${decoder.imageShape.join(', ')}] like the decoder's`, `images [${encoder.imageShape.join(', ')}]`);
  }
  const energy = await EnergyModel.create(decoder, { likelihood: options.likelihood ?? { kind: 'bernoulli' }, trainable: true, threads: options.threads });
  let encoderModel: EncoderModel | null = null;
  try {
    encoderModel = encoder === null ? null : await EncoderModel.create(encoder, { trainable: true, threads: options.threads });
    const thetaOptimizer = new Optimizer(
      energy.params.names.map((n) => energy.params.get(n).data),
      optimizerOptions('optimizer', options.optimizer),
    );
    const phiOptimizer =
      encoderModel === null
        ? null
        : new Optimizer(
            encoderModel.params.names.map((n) => encoderModel!.params.get(n).data),
            optimizerOptions('encoderOptimizer', options.encoderOptimizer ?? options.optimizer),
          );
    return { decoder, encoder, energy, encoderModel, thetaOptimizer, phiOptimizer, streams: new TrainingStreams(seed), binarize, validation };
  } catch (error) {
    await energy.dispose();
    await encoderModel?.dispose();
    throw error;
  }
}

function optimizerOptions(name: string, options: OptimizerOptions | undefined): OptimizerOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) invalidArgument(name, 'optimizer options { kind?, lr?, ... }', options);
  return { kind: 'adam', lr: 1e-3, ...options };
}

/** The shared machinery of the trainers. */
export abstract class Trainer {
  /** The decoder (its parameter arrays are updated in place). */
  readonly decoder: Decoder;
  /** The encoder, when there is one (updated in place). */
  readonly encoder: Encoder | null;
  /** The decoder's energy runtime; `energy.params` holds the decoder's and the likelihood's parameters. */
  readonly energy: EnergyModel;
  /** The encoder's runtime, when there is one. */
  readonly encoderModel: EncoderModel | null;
  protected readonly thetaOptimizer: Optimizer;
  protected readonly phiOptimizer: Optimizer | null;
  protected readonly streams: TrainingStreams;
  readonly #binarize: boolean;
  readonly #validation: boolean;
  #updates = 0;
  #position: DataPosition = { epoch: 0, batch: 0, order: new Uint32Array(0), dataCount: 0, batchSize: 0, dropLast: false };
  #cursor: BatchCursor | null = null;
  #busy = false;
  #disposed = false;

  protected constructor(core: TrainerCore) {
    this.decoder = core.decoder;
    this.encoder = core.encoder;
    this.energy = core.energy;
    this.encoderModel = core.encoderModel;
    this.thetaOptimizer = core.thetaOptimizer;
    this.phiOptimizer = core.phiOptimizer;
    this.streams = core.streams;
    this.#binarize = core.binarize;
    this.#validation = core.validation;
  }

  /** 'lpc' or 'vae'. */
  abstract readonly kind: 'lpc' | 'vae';

  /** One update on x ([B, C, H, W] in the decoder's range). */
  protected abstract update(x: Float32Array, batch: number): Promise<UpdateOutcome>;

  /** Updates done (across runs and restored states). */
  get updates(): number {
    return this.#updates;
  }

  /** Epochs completed. */
  get epoch(): number {
    return this.#cursor?.epoch ?? this.#position.epoch;
  }

  /**
   * One update on a minibatch x ([B, C, H, W], in the decoder's range, binarised already if wanted: step()
   * uses x as given). For loops that bring their own data; run() draws, binarises and counts epochs.
   */
  async step(x: Float32Array): Promise<UpdateEvent> {
    this.#enter('step');
    try {
      return await this.#timedUpdate(x, this.#batchOf(x), this.epoch);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Trains on `options.data` (its training part with the `validation` option), yielding an event per update and per completed epoch, until the total number of
   * epochs or updates asked for is reached or `options.signal` aborts (checked before each update, so the update
   * in progress always completes). Breaking out of the loop stops it the same way. Between events the trainer
   * is paused, so getState() there gives a state to resume from.
   *
   * @example
   * for await (const event of trainer.run({ data: train, batchSize: 64, epochs: 5, signal })) {
   *   if (event.type === 'update') console.log(event.update, event.losses);
   * }
   */
  async *run(options: RunOptions): AsyncGenerator<TrainEvent, void, undefined> {
    const limits = checkRunOptions(options);
    this.#enter('run');
    let cursor: BatchCursor;
    try {
      cursor = this.#openCursor(options);
    } catch (error) {
      this.#busy = false;
      throw error;
    }
    this.#cursor = cursor;
    try {
      for (;;) {
        if (options.signal?.aborted || this.#updates >= limits.updates || cursor.epoch >= limits.epochs) return;
        const batch = cursor.next();
        yield await this.#timedUpdate(batch.x, batch.size, batch.epoch);
        if (batch.lastInEpoch) yield { type: 'epoch', epoch: cursor.epoch, update: this.#updates } satisfies EpochEvent;
      }
    } finally {
      this.#position = this.#positionOf(cursor);
      this.#cursor = null;
      this.#busy = false;
    }
  }

  /**
   * Everything that evolves across minibatches, as a flat record of typed arrays, numbers and bigints (copies):
   * parameters, optimiser moments, random-stream positions, the update count and the position in the data.
   * encodeState() writes it bit for bit. Call it between updates (between run()'s events, or after it).
   */
  getState(): StateRecord {
    this.#checkOpen();
    const position = this.#cursor === null ? this.#position : this.#positionOf(this.#cursor);
    return exportTrainerState(this.#parts(), { updates: this.#updates, position });
  }

  /**
   * Continues from a state returned by getState() of a trainer of the same kind and configuration: the next
   * run() over the same data with the same batch size goes on exactly as the exporting trainer would have.
   * Throws LPC_CHECKPOINT (changing nothing) for a state that does not fit.
   */
  setState(state: StateRecord): void {
    this.#checkOpen();
    if (this.#busy) throw new LpcError('LPC_INVALID_STATE', 'setState() was called while the trainer was running; stop the run first');
    const counters = importTrainerState(this.#parts(), state);
    this.#updates = counters.updates;
    this.#position = counters.position;
  }

  /** The trained decoder as ONNX bytes (the original model's bytes with the current parameters, when loaded). */
  exportDecoder(): Uint8Array {
    return exportDecoder(this.decoder);
  }

  /** The trained encoder as ONNX bytes; null without an encoder. */
  exportEncoder(): Uint8Array | null {
    return this.encoder === null ? null : exportEncoder(this.encoder);
  }

  /** Releases the runtimes, optimisers and generators. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.energy.dispose();
    await this.encoderModel?.dispose();
    this.thetaOptimizer.dispose();
    this.phiOptimizer?.dispose();
    this.streams.dispose();
    await this.disposeExtra();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /** Subclasses release what they own besides the shared parts. */
  protected async disposeExtra(): Promise<void> {}

  #parts(): TrainerParts {
    return {
      kind: this.kind,
      theta: this.energy.params,
      phi: this.encoderModel?.params ?? null,
      thetaOptimizer: this.thetaOptimizer,
      phiOptimizer: this.phiOptimizer,
      streams: this.streams,
    };
  }

  async #timedUpdate(x: Float32Array, batch: number, epoch: number): Promise<UpdateEvent> {
    const start = performance.now();
    const outcome = await this.update(x, batch);
    this.#updates++;
    const seconds = (performance.now() - start) / 1000;
    return { type: 'update', epoch, update: this.#updates, batchSize: batch, ...outcome, examplesPerSecond: batch / seconds, seconds };
  }

  #openCursor(options: RunOptions): BatchCursor {
    const data = this.#validation ? splitValidation(options.data).train : options.data;
    const shape = this.energy.imageShape;
    if (data.shape.join() !== shape.join()) invalidArgument('data', `images of shape [${shape.join(', ')}] (the decoder's)`, `images of shape [${data.shape.join(', ')}]`);
    const dropLast = options.dropLast ?? false;
    const cursor = new BatchCursor(data, {
      batchSize: options.batchSize,
      dropLast,
      binarize: this.#binarize,
      range: rangeValues(this.energy.range),
      order: this.streams.get('order'),
      binarizer: this.streams.get('binarize'),
    });
    const saved = this.#position;
    if (saved.order.length > 0 && (saved.dataCount !== data.count || saved.batchSize !== options.batchSize || saved.dropLast !== dropLast)) {
      throw new LpcError(
        'LPC_CHECKPOINT',
        `the state stopped mid-epoch on ${saved.dataCount} images in batches of ${saved.batchSize} (dropLast ${saved.dropLast}); continue with the same data and batching (got ${data.count} images, batches of ${options.batchSize}, dropLast ${dropLast})`,
      );
    }
    cursor.setPosition(saved);
    return cursor;
  }

  #positionOf(cursor: BatchCursor): DataPosition {
    return { ...cursor.getPosition(), dataCount: cursor.set.count, batchSize: cursor.batchSize, dropLast: cursor.dropLast };
  }

  #batchOf(x: Float32Array): number {
    const size = imageSize(this.energy.imageShape);
    if (!(x instanceof Float32Array) || x.length === 0 || x.length % size !== 0) invalidArgument('x', `a Float32Array of B * ${size} values`, x);
    return x.length / size;
  }

  #enter(what: string): void {
    this.#checkOpen();
    if (this.#busy) throw new LpcError('LPC_INVALID_STATE', `${what}() was called while the trainer was already training; one update at a time`);
    this.#busy = true;
  }

  #checkOpen(): void {
    if (this.#disposed) throw new LpcError('LPC_DISPOSED', `the ${this.kind} trainer was disposed`);
  }
}

/** Checks run options; returns the limits (Infinity for the one not given). */
function checkRunOptions(options: RunOptions): { epochs: number; updates: number } {
  checkKnownKeys(options, RUN_OPTION_KEYS, 'run');
  checkImageSet(options.data);
  checkInteger('batchSize', options.batchSize, 1);
  if (options.epochs === undefined && options.updates === undefined) invalidArgument('epochs', 'given (or updates): a run needs a limit', undefined);
  const epochs = options.epochs === undefined ? Infinity : checkInteger('epochs', options.epochs, 0);
  const updates = options.updates === undefined ? Infinity : checkInteger('updates', options.updates, 0);
  if (options.dropLast !== undefined) checkBoolean('dropLast', options.dropLast);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) invalidArgument('signal', 'an AbortSignal', options.signal);
  return { epochs, updates };
}

function checkImageSet(data: ImageSet): void {
  if (typeof data !== 'object' || data === null || !Number.isSafeInteger(data.count) || !Array.isArray(data.shape) || !ArrayBuffer.isView(data.images)) {
    invalidArgument('data', 'an ImageSet (see lib/data)', data);
  }
}
