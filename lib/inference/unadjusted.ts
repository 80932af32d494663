/**
 * The unadjusted Langevin loop (ULA, DESIGN.md §2): evaluate all chains, then one fused native step.
 *
 * Non-finite energies or gradients are handled by the native step: such a chain returns to its last finite
 * state with its step size halved and its preconditioner state reset. A chain that fails
 * maxConsecutiveRestarts times in a row ends the run with LPC_DIVERGED.
 */
import { LpcError } from '../errors.js';
import { evaluateChecked, meanFinite } from './evaluation.js';
import { divergedError, recordIfKept, type LoopOutcome, type RunContext } from './run-context.js';

export async function runUnadjusted(ctx: RunContext): Promise<LoopOutcome> {
  const { fn, x, batch, chains, trace } = ctx;
  for (let k = 0; k < ctx.options.steps; k++) {
    const out = await evaluateChecked(fn, x, batch, chains.z, k);
    trace[k] = meanFinite(out.energy);
    try {
      chains.step(out.gradZ, { energy: out.energy });
    } catch (error) {
      if (error instanceof LpcError && error.code === 'LPC_DIVERGED') throw hopeless(ctx, k, error);
      throw error;
    }
    recordIfKept(ctx, k + 1);
  }
  return { restarts: chains.restarts(), acceptRate: null, acceptRates: null, warmupAcceptRate: null };
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
  const what = `got a non-finite energy or gradient ${ctx.options.maxConsecutiveRestarts} times in a row`;
  return divergedError(ctx, failing, first, step, what, cause);
}
