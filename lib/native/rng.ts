/**
 * Seeded random numbers from Philox4x32-10, a counter-based generator: the i-th number of a request
 * depends only on (seed, stream, position), so results are the same for any thread count and on the GPU.
 */
import { binding, DEVICES, type NativeDevice, type NativeRng } from './binding.js';
import { NativeHandle } from './handle.js';
import { checkInteger, checkKnownKeys, checkOneOf, checkU64 } from '../checks.js';
import { invalidArgument } from '../errors.js';

/** Where an Rng starts: its key, stream and device. */
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

/** Native uniforms are (k + 1/2) 2^-24 for a 24-bit k, so floor(u 2^24) recovers k exactly. */
const TWO_24 = 2 ** 24;
const TWO_48 = 2 ** 48;
/** The longest permutation: its 2 (n - 1) uniforms must fit one request. */
const MAX_PERMUTATION = 2 ** 30;

/**
 * A seeded stream of uniform (0, 1) and standard normal float32 numbers (Box-Muller on Philox blocks), and of
 * permutations. It is the data layer's RandomSource: pass it wherever a `source` is asked for.
 *
 * @example
 * using rng = new Rng({ seed: 42 });
 * const xi = rng.normal(1024);          // a new Float32Array of 1024 normals
 * rng.uniform(new Float32Array(16));    // or fill your own array
 * const order = rng.permutation(60000); // a shuffled 0..59999
 * const saved = rng.getState();         // ...later: rng.setState(saved) replays from here
 * const loader = new MinibatchLoader(set, { batchSize: 128, source: rng });
 */
export class Rng extends NativeHandle<NativeRng> {
  /** A generator at the start of stream `stream` under key `seed`. */
  constructor(options: RngOptions = {}) {
    checkKnownKeys(options, ['seed', 'stream', 'device'] satisfies (keyof RngOptions)[], 'Rng');
    const seed = checkU64('seed', options.seed ?? 0);
    const stream = checkU64('stream', options.stream ?? 0);
    const device = checkOneOf('device', options.device ?? 'cpu', DEVICES);
    super(new binding.Rng({ seed, stream, device }), 'Rng');
  }

  /** Fills `out` (or a new array of `n` elements) with uniforms in the open interval (0, 1). An empty `out` draws nothing. */
  uniform(out: Float32Array | number): Float32Array {
    const native = this.native;
    const array = target('out', out);
    return array.length === 0 ? array : native.uniform(array);
  }

  /** Fills `out` (or a new array of `n` elements) with standard normals. An empty `out` draws nothing. */
  normal(out: Float32Array | number): Float32Array {
    const native = this.native;
    const array = target('out', out);
    return array.length === 0 ? array : native.normal(array);
  }

  /**
   * A uniformly random permutation of 0..n-1, drawn with one request of 2 (n - 1) uniforms (none for n < 2).
   *
   * Fisher-Yates: for i = n-1 down to 1, swap i with j = floor(r (i + 1) / 2^48), r a 48-bit integer made of the
   * 24 bits of two uniforms. Each j then has probability 1/(i + 1) to within (i + 1) / 2^48 relative, below 1e-9
   * for any set that fits in memory (a single 24-bit uniform would bias a 60,000-image epoch by 0.4%).
   */
  permutation(n: number): Uint32Array {
    checkInteger('n', n, 0, MAX_PERMUTATION);
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (n < 2) return order;
    const u = this.uniform(2 * (n - 1));
    for (let i = n - 1, k = 0; i > 0; i--, k += 2) {
      const r = Math.floor(u[k] * TWO_24) * TWO_24 + Math.floor(u[k + 1] * TWO_24);
      const j = Math.floor((r / TWO_48) * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
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
  if (!(out instanceof Float32Array)) invalidArgument(name, 'a Float32Array or a length', out);
  return out;
}
