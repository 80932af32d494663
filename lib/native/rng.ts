/**
 * Seeded random numbers from Philox4x32-10, a counter-based generator: the i-th number of a request
 * depends only on (seed, stream, position), so results are the same for any thread count and on the GPU.
 */
import { binding, type NativeDevice, type NativeRng } from './binding.js';
import { NativeHandle } from './handle.js';
import { checkInteger, checkOneOf, checkU64 } from './validate.js';
import { invalidArgument } from '../errors.js';

export interface RngOptions {
  /** 64-bit key of the generator. Default 0. */
  seed?: bigint | number;
  /** Independent stream under the same seed (e.g. one per worker). Default 0. */
  stream?: bigint | number;
  /** 'cuda' draws normals on the GPU when one is usable (see cudaStatus()); default 'cpu'. */
  device?: NativeDevice;
}

/** Where a generator stands; pass to setState() to continue the same sequence. */
export interface RngState {
  seed: bigint;
  stream: bigint;
  /** Philox blocks used so far (each gives 4 numbers; a request uses ceil(n / 4) blocks). */
  counter: bigint;
}

/**
 * A seeded stream of uniform (0, 1) and standard normal float32 numbers (Box-Muller on Philox blocks).
 *
 * @example
 * using rng = new Rng({ seed: 42 });
 * const xi = rng.normal(1024);          // a new Float32Array of 1024 normals
 * rng.uniform(new Float32Array(16));    // or fill your own array
 * const saved = rng.getState();         // ...later: rng.setState(saved) replays from here
 */
export class Rng extends NativeHandle<NativeRng> {
  /** A generator at the start of stream `stream` under key `seed`. */
  constructor(options: RngOptions = {}) {
    const seed = checkU64('seed', options.seed ?? 0);
    const stream = checkU64('stream', options.stream ?? 0);
    const device = checkOneOf('device', options.device ?? 'cpu', ['cpu', 'cuda'] as const);
    super(new binding.Rng({ seed, stream, device }), 'Rng');
  }

  /** The device normals are drawn on, and why not CUDA when it was asked for. */
  get device(): NativeDevice {
    return this.native.device.device;
  }

  /** Why CUDA is not used although asked for ('' otherwise). */
  get deviceReason(): string {
    return this.native.device.reason;
  }

  /** Fills `out` (or a new array of `n` elements) with uniforms in the open interval (0, 1). */
  uniform(out: Float32Array | number): Float32Array {
    return this.native.uniform(target('out', out));
  }

  /** Fills `out` (or a new array of `n` elements) with standard normals. */
  normal(out: Float32Array | number): Float32Array {
    return this.native.normal(target('out', out));
  }

  /** The current position, to resume the same sequence later (e.g. from a checkpoint). */
  getState(): RngState {
    return this.native.getState();
  }

  /** Continues from a state returned by getState(). */
  setState(state: RngState): void {
    this.native.setState({
      seed: checkU64('state.seed', state?.seed),
      stream: checkU64('state.stream', state?.stream),
      counter: checkU64('state.counter', state?.counter),
    });
  }
}

function target(name: string, out: Float32Array | number): Float32Array {
  if (typeof out === 'number') return new Float32Array(checkInteger(name, out, 1, 2 ** 31 - 1));
  if (!(out instanceof Float32Array) || out.length === 0) invalidArgument(name, 'a non-empty Float32Array or a length', out);
  return out;
}
