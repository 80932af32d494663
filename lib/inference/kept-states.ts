/**
 * The chain states a run keeps after its burn-in, stacked so that a trainer can hand them to an energy graph
 * as K*S chains per datapoint without reordering.
 *
 * Layout [B*K*S, d] row-major: the s-th kept state of chain c = b*K + k is row c*S + s. So rows
 * b*K*S .. (b+1)*K*S - 1 belong to datapoint b (datapoint-major, like the chains themselves), and one chain's
 * kept states are contiguous in time order.
 */
import { LpcError } from '../errors.js';

export class KeptStates {
  /** [n*perChain, d], see the file comment. */
  readonly values: Float32Array;
  readonly #n: number;
  readonly #d: number;
  readonly #burnIn: number;
  readonly #thin: number;
  readonly #perChain: number;

  constructor(n: number, d: number, keep: { burnIn: number; thin: number; perChain: number }) {
    this.#n = n;
    this.#d = d;
    this.#burnIn = keep.burnIn;
    this.#thin = keep.thin;
    this.#perChain = keep.perChain;
    this.values = new Float32Array(n * keep.perChain * d);
  }

  /** The slot of state z_t (the state after t steps, t = 1..T), or -1 when it is not kept. */
  slotOf(t: number): number {
    const after = t - this.#burnIn;
    if (after <= 0 || after % this.#thin !== 0) return -1;
    const slot = after / this.#thin - 1;
    return slot < this.#perChain ? slot : -1;
  }

  /**
   * Copies z ([n, d]) into slot `slot` of every chain. Returns false when some value is not finite (then
   * checkSlot() after replacing restarted chains' rows).
   */
  record(slot: number, z: Float32Array): boolean {
    const d = this.#d;
    const stride = this.#perChain * d;
    const out = this.values;
    let probe = 0;
    for (let c = 0; c < this.#n; c++) {
      const src = c * d;
      const dst = c * stride + slot * d;
      for (let j = 0; j < d; j++) {
        const v = z[src + j];
        probe += v * 0;
        out[dst + j] = v;
      }
    }
    return probe === 0;
  }

  /** Throws LPC_DIVERGED if a value in slot `slot` (state z_t) is not finite. */
  checkSlot(slot: number, t: number): void {
    const d = this.#d;
    const column = new Float32Array(this.#n * d);
    for (let c = 0; c < this.#n; c++) {
      const row = c * this.#perChain + slot;
      column.set(this.values.subarray(row * d, (row + 1) * d), c * d);
    }
    if (!allFinite(column)) throw nonFiniteState(column, d, t);
  }

  /** Overwrites chain c's row in slot `slot` with its row of z (a chain that went back to an earlier state). */
  recordChain(slot: number, c: number, z: Float32Array): void {
    const d = this.#d;
    this.values.set(z.subarray(c * d, (c + 1) * d), c * this.#perChain * d + slot * d);
  }
}

/** True when no element is NaN or infinite (x * 0 is 0 for finite x and NaN otherwise). */
export function allFinite(values: Float32Array): boolean {
  let probe = 0;
  for (let i = 0; i < values.length; i++) probe += values[i] * 0;
  return probe === 0;
}

/**
 * The error for a state that left the float32 range: a step whose drift eta*G*g overflowed. The next
 * evaluation would restart such a chain, but a state that is handed out must be finite.
 */
export function nonFiniteState(z: Float32Array, d: number, t: number): LpcError {
  let bad = 0;
  let first = -1;
  for (let c = 0; c < z.length / d; c++) {
    if (!allFinite(z.subarray(c * d, (c + 1) * d))) {
      bad++;
      if (first < 0) first = c;
    }
  }
  return new LpcError(
    'LPC_DIVERGED',
    `${bad} chain(s) left the float32 range at step ${t} (first: chain ${first}): the step size times the gradient overflowed; lower stepSize or gMax`,
  );
}
