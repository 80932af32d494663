/**
 * The chain states a run keeps after its burn-in, stacked so that a trainer can hand them to an energy graph
 * as K*S chains per datapoint without reordering.
 *
 * Layout [B, S, K, d] row-major: chain k of datapoint b at its s-th kept time is row (b*S + s)*K + k. So rows
 * b*S*K .. (b+1)*S*K - 1 belong to datapoint b (datapoint-major, like the chains themselves), and recording
 * one time copies B contiguous blocks of K*d values (a chain-major [B, K, S, d] would scatter B*K rows).
 */
import { LpcError } from '../errors.js';

export class KeptStates {
  /** [B*S*K, d], see the file comment. */
  readonly values: Float32Array;
  readonly #batch: number;
  readonly #chains: number;
  readonly #d: number;
  readonly #burnIn: number;
  readonly #thin: number;
  readonly #perChain: number;

  constructor(batch: number, chains: number, d: number, keep: { burnIn: number; thin: number; perChain: number }) {
    this.#batch = batch;
    this.#chains = chains;
    this.#d = d;
    this.#burnIn = keep.burnIn;
    this.#thin = keep.thin;
    this.#perChain = keep.perChain;
    this.values = new Float32Array(batch * keep.perChain * chains * d);
  }

  /** The slot of state z_t (the state after t steps, t = 1..T), or -1 when it is not kept. */
  slotOf(t: number): number {
    const after = t - this.#burnIn;
    if (after <= 0 || after % this.#thin !== 0) return -1;
    const slot = after / this.#thin - 1;
    return slot < this.#perChain ? slot : -1;
  }

  /**
   * Copies z ([B*K, d]) into slot `slot`. Returns false when some value is not finite (then call checkSlot()
   * after replacing restarted chains' rows).
   */
  record(slot: number, z: Float32Array): boolean {
    const block = this.#chains * this.#d;
    for (let b = 0; b < this.#batch; b++) {
      this.values.set(z.subarray(b * block, (b + 1) * block), (b * this.#perChain + slot) * block);
    }
    return allFinite(z);
  }

  /** Overwrites chain c's row in slot `slot` with its row of z (a chain that went back to an earlier state). */
  recordChain(slot: number, c: number, z: Float32Array): void {
    const d = this.#d;
    this.values.set(z.subarray(c * d, (c + 1) * d), this.#row(slot, c) * d);
  }

  /** Throws LPC_DIVERGED if a value in slot `slot` (state z_t) is not finite. */
  checkSlot(slot: number, t: number): void {
    const d = this.#d;
    const states = new Float32Array(this.#batch * this.#chains * d);
    for (let c = 0; c < this.#batch * this.#chains; c++) {
      const row = this.#row(slot, c);
      states.set(this.values.subarray(row * d, (row + 1) * d), c * d);
    }
    if (!allFinite(states)) throw nonFiniteState(states, d, t);
  }

  #row(slot: number, c: number): number {
    const b = Math.floor(c / this.#chains);
    return (b * this.#perChain + slot) * this.#chains + (c - b * this.#chains);
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
  return new LpcError('LPC_DIVERGED', `${bad} chain(s) left the float32 range at step ${t} (first: chain ${first}): the step size times the gradient overflowed; lower stepSize or gMax`);
}
