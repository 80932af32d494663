/**
 * The thin layer between the IR and onnxruntime-node: sessions from models, and tensors both ways.
 * Float32Array inputs are wrapped without copying (onnxruntime-node reads them in place).
 */
import * as ort from 'onnxruntime-node';
import { LpcError } from '../errors.js';
import { writeModel } from './convert.js';
import type { DType } from './dtype.js';
import type { Model } from './ir.js';
import { makeTensor, type Tensor } from './tensor.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** Options of createSession. */
export interface SessionOptions {
  /** Intra-op threads (default: onnxruntime's choice, one per core). */
  threads?: number;
  /** Graph optimisation level (default 'all': lets onnxruntime fuse and prepack). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** Every key of SessionOptions (a misspelt option is refused, not ignored). */
const SESSION_KEYS = { threads: true, optimization: true } satisfies OptionKeys<SessionOptions>;

/** Creates an onnxruntime session for a model (IR or .onnx bytes). Failures become LPC_INVALID_MODEL. */
export async function createSession(model: Model | Uint8Array, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  checkKnownKeys(options, SESSION_KEYS, 'createSession');
  const bytes = model instanceof Uint8Array ? model : writeModel(model);
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: options.optimization ?? 'all',
    executionMode: 'sequential',
    // Each session has its own intra-op pool, whose threads by default spin for a while after every run:
    // several sessions used in turn (encoder, energy, gradient graphs) then fight each other and the main
    // thread for the cores, and two threads ran an update twice as slow as one. Idle threads sleep instead.
    extra: { session: { intra_op: { allow_spinning: '0' }, force_spinning_stop: '1' } },
  };
  if (options.threads !== undefined) {
    sessionOptions.intraOpNumThreads = options.threads;
    sessionOptions.interOpNumThreads = 1;
  }
  try {
    return await ort.InferenceSession.create(bytes, sessionOptions);
  } catch (error) {
    throw new LpcError('LPC_INVALID_MODEL', `onnxruntime could not load the model: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
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
    result = outputs === undefined ? await session.run(ortFeeds) : await session.run(ortFeeds, [...outputs]);
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
