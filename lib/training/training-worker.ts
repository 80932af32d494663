/**
 * A trainer in a worker thread, so that the caller's event loop stays free while onnxruntime and the native
 * sampler work (session.run blocks the thread it runs on). The worker trains freely; its events reach the
 * caller through an async iterator, buffered, and an AbortSignal stops it at its next update boundary through
 * a shared flag (no message round trip). States for checkpoints can ride along with update events.
 */
import { Worker } from 'node:worker_threads';
import type { ImageSet } from '../data/image-set.js';
import { invalidArgument, LpcError } from '../errors.js';
import { RUN_OPTION_KEYS, type RunOptions, type TrainEvent, type UpdateEvent } from './events.js';
import { isNetworkSpec } from './network-spec.js';
import type { StateRecord } from './state-blob.js';
import { fromWorkerError, type ExportedNetworks, type WorkerMessage, type WorkerRequest, type WorkerStart, type WorkerTrainerConfig } from './worker-protocol.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** Options of TrainingWorker.start. */
export interface TrainingWorkerOptions {
  /**
   * The worker's entry module (default: worker-entry.js beside this file, as built into dist/). Pass another
   * path or URL where the package runs untranspiled.
   */
  entry?: string | URL;
}

/** Every key of TrainingWorkerOptions (a misspelt option is refused, not ignored). */
const WORKER_KEYS = { entry: true } satisfies OptionKeys<TrainingWorkerOptions>;

/** run() options of a worker: also `stateEvery`. */
export interface WorkerRunOptions extends RunOptions {
  /** Attach the trainer's state (getState()) to every stateEvery-th update event, for checkpoints. */
  stateEvery?: number;
}

/** Every key of WorkerRunOptions (a misspelt option is refused, not ignored). */
const WORKER_RUN_KEYS = { ...RUN_OPTION_KEYS, stateEvery: true } satisfies OptionKeys<WorkerRunOptions>;

/** An update event from a worker, with the state after it when asked for by `stateEvery`. */
export type WorkerUpdateEvent = UpdateEvent & { readonly state?: StateRecord };

/** What a worker's run() yields. */
export type WorkerTrainEvent = WorkerUpdateEvent | Exclude<TrainEvent, UpdateEvent>;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onEvent?: (event: WorkerTrainEvent) => void;
}

/**
 * @example
 * const worker = await TrainingWorker.start({ algo: 'vae', options: { decoder: { kind: 'mlp', options: net }, encoder: { kind: 'mlp', options: net } } });
 * for await (const e of worker.run({ data: train, batchSize: 64, epochs: 5, signal, stateEvery: 100 })) {
 *   if (e.type === 'update' && e.state) await saveCheckpoint(e.state);
 * }
 * const { decoder } = await worker.exportNetworks();
 * await worker.close();
 */
export class TrainingWorker {
  readonly #worker: Worker;
  readonly #abortFlag: Int32Array;
  readonly #pending = new Map<number, Pending>();
  readonly #exit: Promise<void>;
  readonly #ready: Promise<void>;
  #onReady: Pending | null = null;
  #nextId = 1;
  #busy = false;
  #exited: Error | null = null;

  private constructor(worker: Worker, abortFlag: Int32Array) {
    this.#worker = worker;
    this.#abortFlag = abortFlag;
    this.#ready = new Promise<unknown>((resolve, reject) => (this.#onReady = { resolve, reject })).then(() => undefined);
    this.#exit = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: WorkerMessage) => this.#dispatch(m));
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new LpcError('LPC_INVALID_STATE', `the training worker exited (code ${code})`)));
  }

  /** Starts a worker thread and builds the trainer there; rejects with the trainer's own error if that fails. */
  static async start(config: WorkerTrainerConfig, options: TrainingWorkerOptions = {}): Promise<TrainingWorker> {
    checkKnownKeys(options, WORKER_KEYS, 'TrainingWorker.start');
    checkConfig(config);
    const flag = new SharedArrayBuffer(4);
    const workerData: WorkerStart = { config, abortFlag: flag };
    const entry = options.entry ?? new URL('./worker-entry.js', import.meta.url);
    const self = new TrainingWorker(new Worker(entry, { workerData }), new Int32Array(flag));
    try {
      await self.#ready;
    } catch (error) {
      await self.#worker.terminate();
      throw error;
    }
    return self;
  }

  /**
   * Trains in the worker (see Trainer.run for the limits and counters), yielding its events as they arrive.
   * The worker does not wait for the caller: events are buffered. Aborting `signal`, or leaving the loop early,
   * stops the worker at its next update boundary (leaving the loop waits for that).
   */
  async *run(options: WorkerRunOptions): AsyncGenerator<WorkerTrainEvent, void, undefined> {
    checkKnownKeys(options, WORKER_RUN_KEYS, 'TrainingWorker.run');
    const { signal, stateEvery, ...run } = options;
    if (stateEvery !== undefined && (!Number.isSafeInteger(stateEvery) || stateEvery < 1)) invalidArgument('stateEvery', 'a positive integer', stateEvery);
    if (signal !== undefined && !(signal instanceof AbortSignal)) invalidArgument('signal', 'an AbortSignal', signal);
    const queue: WorkerTrainEvent[] = [];
    let finished = false;
    let failure: Error | null = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      wake?.();
      wake = null;
    };
    Atomics.store(this.#abortFlag, 0, 0);
    const stop = () => Atomics.store(this.#abortFlag, 0, 1);
    signal?.addEventListener('abort', stop);
    if (signal?.aborted) stop();
    const done = this.#request({ op: 'run', run: { ...run, data: compactImages(run.data), ...(stateEvery === undefined ? {} : { stateEvery }) } }, (event) => {
      queue.push(event);
      notify();
    });
    done.then(
      () => ((finished = true), notify()),
      (error: Error) => ((failure = error), (finished = true), notify()),
    );
    try {
      for (;;) {
        if (queue.length > 0) {
          yield queue.shift() as WorkerTrainEvent;
          continue;
        }
        if (finished) {
          if (failure !== null) throw failure;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      if (!finished) {
        stop();
        await done.catch(() => undefined);
      }
    }
  }

  /** The trainer's state (see Trainer.getState); not during a run (use stateEvery). */
  async getState(): Promise<StateRecord> {
    return (await this.#request({ op: 'getState' })) as StateRecord;
  }

  /** Restores a state in the worker's trainer (see Trainer.setState). */
  async setState(state: StateRecord): Promise<void> {
    await this.#request({ op: 'setState', state });
  }

  /** The trained decoder and encoder as ONNX bytes. */
  async exportNetworks(): Promise<ExportedNetworks> {
    return (await this.#request({ op: 'export' })) as ExportedNetworks;
  }

  /** Disposes the trainer and ends the thread. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#exited !== null) return;
    await this.#request({ op: 'close' });
    await this.#exit;
  }

  /** Ends the thread at once, abandoning a run in progress. */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }

  #request(body: DistributiveOmit<WorkerRequest, 'id'>, onEvent?: (event: WorkerTrainEvent) => void): Promise<unknown> {
    if (this.#exited !== null) return Promise.reject(this.#exited);
    if (this.#busy) return Promise.reject(new LpcError('LPC_INVALID_STATE', `${body.op}() was called while the worker was busy with another request; await it (or stop the run) first`));
    this.#busy = true;
    const id = this.#nextId++;
    return new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onEvent });
      this.#worker.postMessage({ ...body, id });
    }).finally(() => (this.#busy = false));
  }

  #dispatch(m: WorkerMessage): void {
    if (m.kind === 'ready' || m.kind === 'failed') {
      if (m.kind === 'ready') this.#onReady?.resolve(undefined);
      else this.#onReady?.reject(fromWorkerError(m.error));
      this.#onReady = null;
      return;
    }
    const pending = this.#pending.get(m.id);
    if (pending === undefined) return;
    if (m.kind === 'event') {
      pending.onEvent?.(m.event);
      return;
    }
    this.#pending.delete(m.id);
    if (m.ok) pending.resolve(m.value);
    else pending.reject(fromWorkerError(m.error));
  }

  #fail(error: Error): void {
    this.#exited ??= error;
    this.#onReady?.reject(error);
    this.#onReady = null;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}

/**
 * The set with views that cover only its own values: posting a typed-array view clones its whole buffer, so a
 * subset of a larger set would otherwise cross with all of it.
 */
function compactImages(data: ImageSet): ImageSet {
  if (typeof data !== 'object' || data === null || !ArrayBuffer.isView(data.images)) return data;
  const own = (a: ArrayBufferView) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
  if (own(data.images) && (data.labels === null || own(data.labels))) return data;
  return { ...data, images: data.images.slice(), labels: data.labels === null ? null : data.labels.slice() };
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

function checkConfig(config: WorkerTrainerConfig): void {
  if (typeof config !== 'object' || config === null || (config.algo !== 'lpc' && config.algo !== 'vae')) {
    invalidArgument('config', "{ algo: 'lpc' | 'vae', options }", config);
  }
  if (typeof config.options !== 'object' || config.options === null) invalidArgument('config.options', 'trainer options', config.options);
  const { decoder, encoder } = config.options as { decoder: unknown; encoder?: unknown };
  if (!isNetworkSpec(decoder)) invalidArgument('config.options.decoder', "a network spec ({ kind: 'mlp' | 'conv' | 'onnx', ... }): a built network cannot cross into a worker", decoder);
  if (encoder !== undefined && !isNetworkSpec(encoder)) invalidArgument('config.options.encoder', "a network spec ({ kind: 'mlp' | 'conv' | 'onnx', ... })", encoder);
}
