/**
 * The messages between a TrainingWorker (caller's thread) and its worker thread. Everything is structured-
 * cloneable: trainer configurations name their networks by spec, events and states are plain data.
 *
 * The caller sends one request at a time (run, getState, setState, export, close) with an id; the worker
 * answers each with a reply of the same id, and during a run also posts the run's events under that id.
 * Cancellation needs no message: the caller sets a shared Int32 flag that the worker reads between updates.
 */
import { LpcError, type LpcErrorCode } from '../errors.js';
import type { RunOptions, TrainEvent } from './events.js';
import type { LpcTrainerOptions } from './lpc-trainer.js';
import type { DecoderSpec, EncoderSpec } from './network-spec.js';
import type { StateRecord } from './state-blob.js';
import type { VaeTrainerOptions } from './vae-trainer.js';

/** A trainer to build inside a worker: its networks must be specs (plain data), not built objects. */
export type WorkerTrainerConfig =
  { algo: 'lpc'; options: LpcTrainerOptions & { decoder: DecoderSpec; encoder?: EncoderSpec } } | { algo: 'vae'; options: VaeTrainerOptions & { decoder: DecoderSpec; encoder: EncoderSpec } };

/** What the worker thread is started with. */
export interface WorkerStart {
  config: WorkerTrainerConfig;
  /** Int32Array view: [0] = 1 asks the current run to stop at the next update boundary. */
  abortFlag: SharedArrayBuffer;
}

/** The trained networks as ONNX bytes. */
export interface ExportedNetworks {
  decoder: Uint8Array;
  encoder: Uint8Array | null;
}

/** A run as the worker receives it: the run options without the signal, and how often to attach the state. */
export type WorkerRunRequest = Omit<RunOptions, 'signal'> & { stateEvery?: number };

/** Caller to worker. */
export type WorkerRequest =
  { id: number; op: 'run'; run: WorkerRunRequest } | { id: number; op: 'getState' } | { id: number; op: 'setState'; state: StateRecord } | { id: number; op: 'export' } | { id: number; op: 'close' };

/** An error as it crosses the thread boundary. */
export interface WorkerError {
  name: string;
  message: string;
  code?: LpcErrorCode;
}

/** Worker to caller: 'ready' once the trainer exists (or 'failed'), then events and one reply per request. */
export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'failed'; error: WorkerError }
  | { kind: 'event'; id: number; event: TrainEvent & { state?: StateRecord } }
  | { kind: 'reply'; id: number; ok: true; value?: unknown }
  | { kind: 'reply'; id: number; ok: false; error: WorkerError };

/** Flattens an error for posting. */
export function toWorkerError(error: unknown): WorkerError {
  if (error instanceof LpcError) return { name: error.name, message: error.message, code: error.code };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** Rebuilds a posted error on the caller's side (an LpcError keeps its code; the stack is the caller's). */
export function fromWorkerError(error: WorkerError): Error {
  if (error.code !== undefined) return new LpcError(error.code, error.message);
  const e = new Error(error.message);
  e.name = error.name;
  return e;
}
