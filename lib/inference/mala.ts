/**
 * The Metropolis-adjusted loop (MALA, docs/ARCHITECTURE.md §2.4): one evaluation at the initial states, then per step a
 * native proposal, one evaluation at it, and the native Metropolis-Hastings decision.
 *
 * Non-finite values: a proposal whose energy or gradient is not finite is rejected, so the chain stays at
 * its last finite state; for the kernel this is a proposal into a region of zero density, which keeps it
 * exact. During the warm-up the chain's step size is also halved (after it, step sizes stay frozen so the
 * kernel stays exact); no preconditioner reset is needed because MALA folds only gradients at accepted,
 * finite states into it. Such rejections are counted as restarts. A chain whose proposals are non-finite
 * maxConsecutiveRestarts times in a row during the warm-up ends the run with LPC_DIVERGED, as does a
 * non-finite energy or gradient at an initial state (MALA has no finite state to return to).
 */
import type { EnergyEvaluation } from '../likelihoods/energy-function.js';
import { chainIsFinite, countNonFinite, evaluateChecked, meanFinite } from './evaluation.js';
import { divergedError, recordIfKept, type LoopOutcome, type RunContext } from './run-context.js';

export async function runMala(ctx: RunContext): Promise<LoopOutcome> {
  const { fn, x, batch, chains, trace, options } = ctx;
  const n = chains.n;
  const d = chains.d;
  const first = await evaluateChecked(fn, x, batch, chains.z, 0);
  const bad = countNonFinite(first, d);
  if (bad.count > 0) {
    throw divergedError(ctx, bad.count, bad.first, 0, 'have a non-finite energy or gradient at their initial state');
  }
  chains.setCurrent(first.energy, first.gradZ);
  // Energies at the current states: MALA knows them, so the trace costs no extra evaluation.
  const current = Float32Array.from(first.energy);
  const restarts = new Int32Array(n);
  const consecutive = new Int32Array(n);
  const stepSizes = chains.stepSizes;
  // The native counters (O(n) per step) say which chains moved and whether any proposal was non-finite,
  // so the O(n*d) per-chain scan runs only at steps that had one.
  let before = chains.stats();
  let atWarmupEnd: ChainCounts | null = null;
  let anyConsecutive = false;

  for (let k = 0; k < options.steps; k++) {
    trace[k] = meanFinite(current);
    if (k === options.warmup && k > 0) atWarmupEnd = before;
    const warm = k < options.warmup;
    const out = await evaluateChecked(fn, x, batch, chains.propose(), k);
    chains.accept(out.energy, out.gradZ);
    const after = chains.stats();
    for (let c = 0; c < n; c++) if (after.accepted[c] !== before.accepted[c]) current[c] = out.energy[c];
    if (after.nonFiniteProposals > before.nonFiniteProposals) {
      const failing = countFailures(ctx, out, warm, restarts, consecutive, stepSizes);
      anyConsecutive = true;
      if (failing.count > 0) {
        const what = `proposed states with a non-finite energy or gradient ${options.maxConsecutiveRestarts} times in a row during the warm-up although each failure halved their step size`;
        throw divergedError(ctx, failing.count, failing.first, k, what);
      }
    } else if (anyConsecutive) {
      consecutive.fill(0);
      anyConsecutive = false;
    }
    before = after;
    recordIfKept(ctx, k + 1);
  }
  trace[options.steps] = meanFinite(current);
  return { restarts, energies: current, ...acceptance(ctx, before, atWarmupEnd) };
}

type ChainCounts = { accepted: Float64Array; proposed: Float64Array };

/**
 * Counts the chains whose proposal was not finite as restarted (halving their step during the warm-up) and
 * returns how many of them have now failed maxConsecutiveRestarts times in a row during the warm-up.
 */
function countFailures(ctx: RunContext, out: EnergyEvaluation, warm: boolean, restarts: Int32Array, consecutive: Int32Array, stepSizes: Float32Array): { count: number; first: number } {
  const d = ctx.chains.d;
  let count = 0;
  let first = -1;
  for (let c = 0; c < restarts.length; c++) {
    if (chainIsFinite(out, c, d)) {
      consecutive[c] = 0;
      continue;
    }
    restarts[c]++;
    consecutive[c]++;
    if (!warm) continue;
    stepSizes[c] *= 0.5;
    if (consecutive[c] >= ctx.options.maxConsecutiveRestarts) {
      count++;
      if (first < 0) first = c;
    }
  }
  return { count, first };
}

/** Acceptance after the warm-up (all steps without one), and during it. */
function acceptance(ctx: RunContext, end: ChainCounts, atWarmupEnd: ChainCounts | null): Pick<LoopOutcome, 'acceptRate' | 'acceptRates' | 'warmupAcceptRate'> {
  const n = ctx.chains.n;
  const perChain = new Float64Array(n);
  let accepted = 0;
  let proposed = 0;
  let warmAccepted = 0;
  let warmProposed = 0;
  for (let c = 0; c < n; c++) {
    const a0 = atWarmupEnd?.accepted[c] ?? 0;
    const p0 = atWarmupEnd?.proposed[c] ?? 0;
    perChain[c] = (end.accepted[c] - a0) / (end.proposed[c] - p0);
    accepted += end.accepted[c] - a0;
    proposed += end.proposed[c] - p0;
    warmAccepted += a0;
    warmProposed += p0;
  }
  return {
    acceptRate: accepted / proposed,
    acceptRates: perChain,
    warmupAcceptRate: atWarmupEnd === null ? null : warmAccepted / warmProposed,
  };
}
