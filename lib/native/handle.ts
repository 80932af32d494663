/**
 * What every native object shares: its lifetime (`dispose()`, idempotent, frees its native memory and
 * `Symbol.dispose` lets `using` do it; any later use throws LPC_DISPOSED) and the device it computes on.
 */
import { LpcError } from '../errors.js';
import type { NativeDevice, NativeDeviceInfo } from './binding.js';

export abstract class NativeHandle<T extends { dispose(): void; readonly device: NativeDeviceInfo }> {
  #native: T | undefined;
  readonly #className: string;

  protected constructor(native: T, className: string) {
    this.#native = native;
    this.#className = className;
  }

  /** The native object; throws LPC_DISPOSED after dispose(). */
  protected get native(): T {
    if (this.#native === undefined) {
      throw new LpcError('LPC_DISPOSED', `${this.#className} was disposed; create a new one`);
    }
    return this.#native;
  }

  /** 'cuda' when this object computes on the GPU (asked for, and usable: see cudaStatus()), else 'cpu'. */
  get device(): NativeDevice {
    return this.native.device.device;
  }

  /** Why CUDA is not used although it was asked for ('' otherwise). */
  get deviceReason(): string {
    return this.native.device.reason;
  }

  /** True once dispose() has run. */
  get disposed(): boolean {
    return this.#native === undefined;
  }

  /** Frees the native memory now rather than at garbage collection. Safe to call twice. */
  dispose(): void {
    this.#native?.dispose();
    this.#native = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
