/**
 * What one run's sampling loop works on, shared by the unadjusted and the MALA loop.
 */
import type { EnergyFunction } from '../likelihoods/energy-function.js';
import type { Chains } from '../native/chains.js';
import { LpcError } from '../errors.js';
import type { KeptStates } from './kept-states.js';
import type { ResolvedLangevinOptions } from './options.js';

export interface RunContext {
  readonly fn: EnergyFunction;
  /** The batch, [batch, dataSize]. */
  readonly x: Float32Array;
  readonly batch: number;
  /** B*K chains of fn.latentDim dims, already initialised. */
  readonly chains: Chains;
  readonly options: ResolvedLangevinOptions;
  /** Where kept states go (null: none kept). */
  readonly kept: KeptStates | null;
  /** [T + 1], filled by the loop: entry t is the mean energy of the states z_t (t = 0..T). */
  readonly trace: Float64Array;
}

/** Per-chain outcome of a loop. */
export interface LoopOutcome {
  /** Returns to the last finite state, per chain. */
  restarts: Int32Array;
  /** Energies at the final states, [n], all finite. */
  energies: Float32Array;
  /** MALA only: acceptance after the warm-up (or over all steps without one), overall and per chain. */
  acceptRate: number | null;
  acceptRates: Float64Array | null;
  /** MALA only: acceptance during the warm-up (null without one). */
  warmupAcceptRate: number | null;
}

/** Records z_t (the state after t steps) when it is a kept state. */
export function recordIfKept(ctx: RunContext, t: number): void {
  if (ctx.kept === null) return;
  const slot = ctx.kept.slotOf(t);
  if (slot >= 0 && !ctx.kept.record(slot, ctx.chains.z)) ctx.kept.checkSlot(slot, t);
}

/**
 * The error for chains that keep failing: how many, at which step, the first one and its datapoint.
 * `cause` carries the native error when there is one.
 */
export function divergedError(ctx: RunContext, failing: number, first: number, step: number, what: string, cause?: unknown): LpcError {
  const n = ctx.chains.n;
  const k = ctx.options.chains;
  return new LpcError(
    'LPC_DIVERGED',
    `${failing} of ${n} chain(s) ${what} at step ${step} of ${ctx.options.steps} (first: chain ${first}, datapoint ${Math.floor(first / k)}); ` +
      'check the energy function at these states (and the data), or lower stepSize',
    cause === undefined ? undefined : { cause },
  );
}
