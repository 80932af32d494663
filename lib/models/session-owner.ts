/**
 * The lifetime every onnxruntime-backed runtime (EnergyModel, EncoderModel, DecoderMeans) shares: its sessions
 * live in one GraphRunner, and disposing the runtime releases them.
 */
import type { GraphRunner } from './graph-runner.js';

/** A runtime whose onnxruntime sessions are owned by `runner`; `await using` releases them. */
export abstract class SessionOwner<K extends string> {
  protected abstract readonly runner: GraphRunner<K>;

  /** True once dispose() has run. */
  get disposed(): boolean {
    return this.runner.disposed;
  }

  /** Releases the onnxruntime sessions; later calls throw LPC_DISPOSED. Safe to call twice. */
  async dispose(): Promise<void> {
    await this.runner.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
