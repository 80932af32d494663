/**
 * The Metropolis-adjusted loop (MALA, DESIGN.md §2): one evaluation at the initial states, then per step a
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
  let atWarmupEnd: { accepted: Float64Array; proposed: Float64Array } | null = null;

  for (let k = 0; k < options.steps; k++) {
    trace[k] = meanFinite(current);
    if (k === options.warmup && k > 0) atWarmupEnd = chains.stats();
    const warm = k < options.warmup;
    const proposal = chains.propose();
    const out = await evaluateChecked(fn, x, batch, proposal, k);
    chains.accept(out.energy, out.gradZ);
    const z = chains.z;
    let failing = 0;
    let firstFailing = -1;
    for (let c = 0; c < n; c++) {
      if (!chainIsFinite(out, c, d)) {
        restarts[c]++;
        consecutive[c]++;
        if (warm) {
          stepSizes[c] *= 0.5;
          if (consecutive[c] >= options.maxConsecutiveRestarts) {
            failing++;
            if (firstFailing < 0) firstFailing = c;
          }
        }
      } else {
        consecutive[c] = 0;
        // An accepted chain holds a copy of its proposal. A rejected one equals its proposal only if the
        // noise vanished, and then both energies are equal anyway.
        if (sameRow(z, proposal, c, d)) current[c] = out.energy[c];
      }
    }
    if (failing > 0) {
      const what = `proposed states with a non-finite energy or gradient ${options.maxConsecutiveRestarts} times in a row during the warm-up`;
      throw divergedError(ctx, failing, firstFailing, k, what);
    }
    recordIfKept(ctx, k + 1);
  }
  trace[options.steps] = meanFinite(current);
  return { restarts, energies: current, ...acceptance(ctx, atWarmupEnd) };
}

function sameRow(a: Float32Array, b: Float32Array, c: number, d: number): boolean {
  for (let j = c * d, end = j + d; j < end; j++) if (a[j] !== b[j]) return false;
  return true;
}

/** Acceptance after the warm-up (all steps without one), and during it. */
function acceptance(
  ctx: RunContext,
  atWarmupEnd: { accepted: Float64Array; proposed: Float64Array } | null,
): Pick<LoopOutcome, 'acceptRate' | 'acceptRates' | 'warmupAcceptRate'> {
  const end = ctx.chains.stats();
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
