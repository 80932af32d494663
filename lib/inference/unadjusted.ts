/**
 * The unadjusted Langevin loop (ULA, docs/ARCHITECTURE.md §2.3): per step, evaluate all chains at z_k, then one fused
 * native step; after the last step one more evaluation at z_T, so that every state handed out has a known,
 * finite energy. T steps cost T + 1 evaluations.
 *
 * Non-finite energies or gradients are handled by the native step: such a chain returns to its last finite
 * state with its step size halved and its preconditioner state reset. A chain that fails
 * maxConsecutiveRestarts times in a row ends the run with LPC_DIVERGED. A chain whose final state z_T is not
 * finite returns to z_{T-1} (also counted as a restart).
 */
import { LpcError } from '../errors.js';
import { chainIsFinite, evaluateChecked, meanFinite } from './evaluation.js';
import { divergedError, type LoopOutcome, type RunContext } from './run-context.js';

export async function runUnadjusted(ctx: RunContext): Promise<LoopOutcome> {
  const { fn, x, batch, chains, trace, kept, options } = ctx;
  const steps = options.steps;
  let restartsSoFar: Int32Array = new Int32Array(chains.n);
  let previous = chains.z;
  const previousEnergy = new Float32Array(chains.n);
  for (let k = 0; k < steps; k++) {
    // A view of the buffer holding z_k: the step writes z_{k+1} into the other buffer, so it stays intact.
    const zk = chains.z;
    const out = await evaluateChecked(fn, x, batch, zk, k);
    trace[k] = meanFinite(out.energy);
    let restarted: number;
    try {
      restarted = chains.step(out.gradZ, { energy: out.energy });
    } catch (error) {
      if (error instanceof LpcError && error.code === 'LPC_DIVERGED') throw hopeless(ctx, k, error);
      throw error;
    }
    const slot = kept === null ? -1 : kept.slotOf(k);
    const finite = slot >= 0 ? kept!.record(slot, zk) : true;
    if (restarted > 0) {
      const now = chains.restarts();
      // A restarted chain's state at time k is its last finite one, which the step put in the new z.
      for (let c = 0; c < chains.n && slot >= 0; c++) {
        if (now[c] !== restartsSoFar[c]) kept!.recordChain(slot, c, chains.z);
      }
      restartsSoFar = now;
    }
    if (!finite) kept!.checkSlot(slot, k);
    if (k === steps - 1) {
      previous = zk;
      previousEnergy.set(out.energy);
    }
  }
  const restarts = chains.restarts();
  const energies = await finalEnergies(ctx, previous, previousEnergy, restarts);
  trace[steps] = meanFinite(energies);
  const slot = kept === null ? -1 : kept.slotOf(steps);
  if (slot >= 0 && !kept!.record(slot, chains.z)) kept!.checkSlot(slot, steps);
  return { restarts, energies, acceptRate: null, acceptRates: null, warmupAcceptRate: null };
}

/**
 * Evaluates z_T. A chain whose energy or gradient there is not finite goes back to z_{T-1} (in `previous`,
 * with energy `previousEnergy`): that state was evaluated finite, because a chain restarted at step T-1
 * already sits at its last finite state in z_T.
 */
async function finalEnergies(ctx: RunContext, previous: Float32Array, previousEnergy: Float32Array, restarts: Int32Array): Promise<Float32Array> {
  const { chains } = ctx;
  const d = chains.d;
  const z = chains.z;
  const out = await evaluateChecked(ctx.fn, ctx.x, ctx.batch, z, ctx.options.steps);
  const energies = Float32Array.from(out.energy);
  let failing = 0;
  let first = -1;
  for (let c = 0; c < chains.n; c++) {
    if (chainIsFinite(out, c, d)) continue;
    z.set(previous.subarray(c * d, (c + 1) * d), c * d);
    energies[c] = previousEnergy[c];
    restarts[c]++;
    // Only an energy function that is not deterministic, or a chain that never had a finite state, gets here.
    if (!Number.isFinite(previousEnergy[c])) {
      failing++;
      if (first < 0) first = c;
    }
  }
  if (failing > 0) throw divergedError(ctx, failing, first, ctx.options.steps, 'have no finite state to end on');
  return energies;
}

/** Rewords the native error with the count of failing chains and the step. */
function hopeless(ctx: RunContext, step: number, cause: LpcError): LpcError {
  const consecutive = ctx.chains.stats().consecutiveRestarts;
  let failing = 0;
  let first = -1;
  for (let c = 0; c < consecutive.length; c++) {
    if (consecutive[c] >= ctx.options.maxConsecutiveRestarts) {
      failing++;
      if (first < 0) first = c;
    }
  }
  const what = `got a non-finite energy or gradient ${ctx.options.maxConsecutiveRestarts} times in a row although each failure halved their step size`;
  return divergedError(ctx, failing, first, step, what, cause);
}
