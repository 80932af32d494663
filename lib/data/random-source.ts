/**
 * The randomness every data routine draws from. It is a structural interface so that the
 * project's native Philox generator satisfies it without this layer importing native code, and so
 * that results depend only on the source's stream, never on Math.random.
 */
import { LpcError } from '../errors.js';

/**
 * A source of random numbers. The native `Rng` is one: pass it directly.
 *
 * @example
 * const u = new Float32Array(4);
 * source.uniform(u);               // four values in the open interval (0, 1)
 * const order = source.permutation(10); // a shuffled 0..9
 */
export interface RandomSource {
  /** Fills `out` with independent uniform values strictly inside (0, 1). */
  uniform(out: Float32Array): void;
  /** Returns a uniformly random permutation of 0..n-1. */
  permutation(n: number): Uint32Array;
}

/** Throws LPC_INVALID_ARGUMENT unless `source` has the two methods of a RandomSource. */
export function checkRandomSource(source: unknown, name: string): asserts source is RandomSource {
  const candidate = source as Partial<RandomSource> | null | undefined;
  if (typeof candidate?.uniform !== 'function' || typeof candidate?.permutation !== 'function') {
    throw new LpcError('LPC_INVALID_ARGUMENT', `${name} must be a random source with uniform(out) and permutation(n) methods (for example the native Rng)`);
  }
}

/**
 * Draws a permutation of 0..n-1 from `source` and checks it is one: a source that repeated or
 * skipped an index would silently bias every epoch, so the O(n) check is worth its cost.
 */
export function drawPermutation(source: RandomSource, n: number): Uint32Array {
  const order = source.permutation(n);
  if (!(order instanceof Uint32Array) || order.length !== n) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `source.permutation(${n}) must return a Uint32Array of length ${n}`);
  }
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = order[i];
    if (j >= n || seen[j] === 1) {
      throw new LpcError('LPC_INVALID_ARGUMENT', `source.permutation(${n}) returned a repeated or out-of-range index ${j}`);
    }
    seen[j] = 1;
  }
  return order;
}
