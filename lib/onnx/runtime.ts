/**
 * The thin layer between the IR and onnxruntime-node: sessions from models, runs, and tensors both ways.
 * Float32Array inputs are wrapped without copying (onnxruntime-node reads them in place).
 *
 * Subnormal floats are flushed to zero while a session computes, unless it was created with
 * flushDenormals: false or under setDenormals('keep'). Training produces them (importance weights far below the largest, sigmoids of
 * saturated logits), and each subnormal operand costs the CPU about a hundred cycles: an IWAE-50 update was 3.6
 * times slower by its 600th update without the flush (bench/RESULTS.md, "Subnormal floats"). The mode
 * belongs to a thread: onnxruntime's own pool threads keep it for good, while the JavaScript thread, which
 * computes too, gets it only for the duration of each run and then its previous mode back.
 */
import * as ort from 'onnxruntime-node';
import { LpcError } from '../errors.js';
import { writeModel } from './convert.js';
import type { DType } from './dtype.js';
import type { Model } from './ir.js';
import { makeTensor, type Tensor } from './tensor.js';
import { checkBoolean, checkKnownKeys, type OptionKeys } from '../checks.js';
import { getDenormals, setFlushDenormals } from '../native/runtime.js';

/** Options of createSession. */
export interface SessionOptions {
  /** Intra-op threads (default: onnxruntime's choice, one per core). */
  threads?: number;
  /** Graph optimisation level (default 'all': lets onnxruntime fuse and prepack). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Read and write subnormal floats as zero while the session computes (default: the process's policy, setDenormals). */
  flushDenormals?: boolean;
}

/** Every key of SessionOptions (a misspelt option is refused, not ignored). */
const SESSION_KEYS = { threads: true, optimization: true, flushDenormals: true } satisfies OptionKeys<SessionOptions>;

/** Creates an onnxruntime session for a model (IR or .onnx bytes). Failures become LPC_INVALID_MODEL. */
export async function createSession(model: Model | Uint8Array, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  checkKnownKeys(options, SESSION_KEYS, 'createSession');
  const flush = checkBoolean('flushDenormals', options.flushDenormals ?? getDenormals() === 'flush');
  const bytes = model instanceof Uint8Array ? model : writeModel(model);
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: options.optimization ?? 'all',
    executionMode: 'sequential',
    // Each session has its own intra-op pool, whose threads by default spin for a while after every run:
    // several sessions used in turn (encoder, energy, gradient graphs) then fight each other and the main
    // thread for the cores, and two threads ran an update twice as slow as one. Idle threads sleep instead.
    extra: { session: { intra_op: { allow_spinning: '0' }, force_spinning_stop: '1', set_denormal_as_zero: flush ? '1' : '0' } },
  };
  if (options.threads !== undefined) {
    sessionOptions.intraOpNumThreads = options.threads;
    sessionOptions.interOpNumThreads = 1;
  }
  // onnxruntime sets the mode on the thread that creates the session as well as on its pool's threads: the
  // JavaScript thread gets its own mode back at once.
  const callerMode = setFlushDenormals(false);
  try {
    const session = await ort.InferenceSession.create(bytes, sessionOptions);
    if (flush) flushingSessions.add(session);
    return session;
  } catch (error) {
    throw new LpcError('LPC_INVALID_MODEL', `onnxruntime could not load the model: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    setFlushDenormals(callerMode);
  }
}

/** Sessions whose runs flush subnormals on the JavaScript thread. */
const flushingSessions = new WeakSet<ort.InferenceSession>();
/** Runs of flushing sessions in flight (they may overlap), and the thread's mode before the first began. */
let flushingRuns = 0;
let modeBeforeRuns = false;

/**
 * session.run with the JavaScript thread's subnormal mode set for its duration when the session was created
 * with flushDenormals (createSession's default). Overlapping runs share one setting; the last to finish
 * restores the mode found by the first.
 */
export async function runOrt(session: ort.InferenceSession, feeds: ort.InferenceSession.FeedsType, fetches?: readonly string[]): Promise<ort.InferenceSession.OnnxValueMapType> {
  const run = () => (fetches === undefined ? session.run(feeds) : session.run(feeds, [...fetches]));
  if (!flushingSessions.has(session)) return run();
  if (flushingRuns++ === 0) modeBeforeRuns = setFlushDenormals(true);
  try {
    return await run();
  } finally {
    if (--flushingRuns === 0) setFlushDenormals(modeBeforeRuns);
  }
}

/** Wraps an IR tensor for onnxruntime (no copy for numeric types). */
export function toOrt(t: Tensor): ort.Tensor {
  if (t.dtype === 'bfloat16') throw new LpcError('LPC_INVALID_ARGUMENT', 'onnxruntime-node cannot take bfloat16 inputs');
  return new ort.Tensor(t.dtype as Exclude<DType, 'bfloat16'>, t.data as never, [...t.dims]);
}

/** Reads an onnxruntime output as an IR tensor. */
export function fromOrt(t: ort.Tensor): Tensor {
  return makeTensor(t.type as DType, t.dims.map(Number), t.data as never);
}

/**
 * Runs a session on IR tensors and returns IR tensors, by name. A failed run (a kernel refusing the values,
 * a shape the graph cannot take) becomes LPC_INVALID_MODEL with onnxruntime's message.
 */
export async function runSession(session: ort.InferenceSession, feeds: Record<string, Tensor>, outputs?: readonly string[]): Promise<Record<string, Tensor>> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(v);
  let result: ort.InferenceSession.OnnxValueMapType;
  try {
    result = await runOrt(session, ortFeeds, outputs);
  } catch (error) {
    const shapes = Object.entries(feeds)
      .map(([k, v]) => `${k} [${v.dims.join(', ')}]`)
      .join(', ');
    throw new LpcError('LPC_INVALID_MODEL', `onnxruntime could not run the model on ${shapes}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(result)) out[k] = fromOrt(v);
  return out;
}
