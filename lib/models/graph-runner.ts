/**
 * Runs a family of related graphs (a sampling graph, a gradient graph, an evaluation graph of one network)
 * in onnxruntime: each session is created on first use and kept, parameters are fed from the live
 * Float32Arrays of a ParameterSet (wrapped once, read in place at every run, so optimiser updates show
 * without copying), and each call is one session.run.
 */
import * as ort from 'onnxruntime-node';
import { LpcError } from '../errors.js';
import type { Model } from '../onnx/ir.js';
import type { ParameterSet } from '../onnx/params.js';
import { createSession, runOrt } from '../onnx/runtime.js';

/** Options of GraphRunner. */
export interface GraphRunnerOptions {
  /** Intra-op threads per session (default: onnxruntime's choice, one per core). */
  threads?: number;
}

/** Lazily created sessions keyed by graph kind. */
export class GraphRunner<K extends string> {
  private readonly sessions = new Map<K, Promise<ort.InferenceSession>>();
  private readonly paramTensors = new Map<string, ort.Tensor>();
  private closed = false;

  /**
   * @param owner names the runtime in messages (e.g. 'EnergyModel')
   * @param build builds the model of a kind (called once per kind)
   * @param params the parameters that graphs taking them as inputs are fed
   */
  constructor(
    private readonly owner: string,
    private readonly build: (kind: K) => Model,
    params: ParameterSet,
    private readonly options: GraphRunnerOptions = {},
  ) {
    for (const p of params) this.paramTensors.set(p.name, new ort.Tensor('float32', p.data, [...p.dims]));
  }

  /** Creates the session of `kind` now (sessions are otherwise created on first run). */
  async prepare(kind: K): Promise<void> {
    await this.session(kind);
  }

  /** Runs graph `kind` on `feeds` plus whichever parameters it takes, returning the `fetches` outputs. */
  async run(kind: K, feeds: Record<string, ort.Tensor>, fetches: readonly string[]): Promise<Record<string, Float32Array>> {
    const session = await this.session(kind);
    const all: Record<string, ort.Tensor> = { ...feeds };
    for (const name of session.inputNames) {
      if (all[name] !== undefined) continue;
      const t = this.paramTensors.get(name);
      if (t === undefined) throw new LpcError('LPC_INVALID_MODEL', `${this.owner}: the ${kind} graph takes an input '${name}' that is neither fed nor a parameter`);
      all[name] = t;
    }
    let result: ort.InferenceSession.OnnxValueMapType;
    try {
      result = await runOrt(session, all, fetches);
    } catch (error) {
      throw new LpcError('LPC_INVALID_MODEL', `${this.owner}: onnxruntime failed running the ${kind} graph: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const out: Record<string, Float32Array> = {};
    for (const name of fetches) out[name] = result[name].data as Float32Array;
    return out;
  }

  /** True once dispose() has run. */
  get disposed(): boolean {
    return this.closed;
  }

  /** Throws LPC_DISPOSED after dispose(). */
  checkOpen(): void {
    if (this.closed) throw new LpcError('LPC_DISPOSED', `${this.owner} was disposed; create a new one`);
  }

  /** Releases every session. Later runs throw LPC_DISPOSED. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of sessions) await (await s.catch(() => undefined))?.release();
  }

  private session(kind: K): Promise<ort.InferenceSession> {
    this.checkOpen();
    let s = this.sessions.get(kind);
    if (s === undefined) {
      s = createSession(this.build(kind), { threads: this.options.threads, optimization: 'all' });
      this.sessions.set(kind, s);
      // A failed creation is not cached: the next call reports the error again rather than a stale promise.
      s.catch(() => this.sessions.get(kind) === s && this.sessions.delete(kind));
    }
    return s;
  }
}
