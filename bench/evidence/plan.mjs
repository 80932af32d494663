/**
 * Which runs the evidence benchmark makes, phase by phase, each phase chosen from the finished results of the
 * one before (so a resumed benchmark plans the same runs again):
 *
 * 1. sweep: LPC from the prior, T = 20, theta-gradient over all states, 1 epoch per point: final NLL against
 *    the step size eta with adam (beta2 0.999), without a preconditioner, and at one point with rmsprop.
 * 2. main: 5 epochs each, evaluated at EVAL_AT. The preconditioned arms use the better of adam and rmsprop at
 *    its best sweep eta, the unpreconditioned arms the best sweep eta without one. The VAE; LPC from the prior
 *    at T = 20 with and without the preconditioner, at T = 5, and with the theta-gradient from the last state;
 *    amortised LPC with each encoder objective (forward, reverse, Jeffreys), and for Jeffreys also with the
 *    last state only, at T = 5, and without the preconditioner.
 * 3. seeds: the VAE and the best LPC run of phase 2 (lowest final NLL) with seeds 2 and 3, final point only.
 * 4. full: the whole test set for seed 1 of the VAE and of the best LPC.
 * 5. late: arms cut from phase 2 for time, run with the time left (lateSpecs).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { hasEnded, lastNll, readRunFile } from './run-files.mjs';
import { EXTRA_SEEDS, lpcSpec, OUT_DIR, runId, SWEEP_EPOCHS, SWEEP_ETAS, SWEEP_NONE_ETAS, SWEEP_RMSPROP_ETAS, vaeSpec } from './config.mjs';

/** The lines of a finished run, or null. */
export const readRun = (id) => readRunFile(OUT_DIR, id);

/** The full-test-set line of a run, or null. */
export function readFull(id) {
  const file = path.join(OUT_DIR, 'runs', `${id}.full.jsonl`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8').trim()) : null;
}

/** Whether a run has ended for good (run-files.mjs hasEnded). */
export const isFinished = (id) => hasEnded(readRun(id));

/** The final NLL of a run (Infinity when it diverged, is degenerate or has no evaluation). */
export const finalNll = (id) => lastNll(readRun(id));

export function sweepSpecs() {
  const specs = [];
  for (const eta of SWEEP_ETAS) specs.push(lpcSpec({ init: 'prior', precond: 'adam', eta, T: 20, epochs: SWEEP_EPOCHS }));
  for (const eta of SWEEP_NONE_ETAS) specs.push(lpcSpec({ init: 'prior', precond: 'none', eta, T: 20, epochs: SWEEP_EPOCHS }));
  for (const eta of SWEEP_RMSPROP_ETAS) specs.push(lpcSpec({ init: 'prior', precond: 'rmsprop', eta, T: 20, epochs: SWEEP_EPOCHS }));
  return specs;
}

/** The best step size of each preconditioner in the sweep, and the preconditioned setting the main runs use. */
export function sweepChoice() {
  const best = {};
  for (const spec of sweepSpecs()) {
    const nll = finalNll(runId(spec));
    if (best[spec.precond] === undefined || nll < best[spec.precond].nll) best[spec.precond] = { eta: spec.eta, nll };
  }
  const pre = best.rmsprop !== undefined && best.rmsprop.nll < best.adam.nll ? 'rmsprop' : 'adam';
  return { best, pre: { precond: pre, eta: best[pre].eta }, none: { precond: 'none', eta: best.none.eta } };
}

/**
 * Phase 2's runs, given the sweep's choice (placeholder step sizes serve the timing step), most important
 * first. Planned and cut for time (the timing table still has their costs): LPC from the prior without the
 * preconditioner at T = 5, with a burn-in of 10, and with K = 4 chains of T = 5. Amortised Jeffreys without
 * the preconditioner moved to lateSpecs: on the shared 2-core machine it was the longest remaining run, and
 * in this phase it would have pushed the seeds and full-test-set evaluations past the time budget.
 */
export function mainSpecs(choice = { pre: { precond: 'adam', eta: 0.1 }, none: { precond: 'none', eta: 0.01 } }) {
  const { pre, none } = choice;
  return [
    vaeSpec(1),
    lpcSpec({ init: 'prior', ...pre, T: 20 }),
    lpcSpec({ init: 'jeffreys', ...pre, T: 20 }),
    lpcSpec({ init: 'prior', ...none, T: 20 }),
    lpcSpec({ init: 'forward', ...pre, T: 20 }),
    lpcSpec({ init: 'reverse', ...pre, T: 20 }),
    lpcSpec({ init: 'prior', ...pre, T: 5 }),
    lpcSpec({ init: 'prior', ...pre, T: 20, thetaGrad: 'last' }),
    lpcSpec({ init: 'jeffreys', ...pre, T: 20, thetaGrad: 'last' }),
    lpcSpec({ init: 'jeffreys', ...pre, T: 5 }),
  ];
}

/**
 * Phase 5, run last with the time left: amortised Jeffreys without the preconditioner (the sweep's best eta
 * without one). It starts after the seeds were chosen, so it is no candidate for the best LPC of bestLpc.
 */
export function lateSpecs(choice = { none: { precond: 'none', eta: 0.01 } }) {
  return [lpcSpec({ init: 'jeffreys', ...choice.none, T: 20 })];
}

/** The LPC spec of phase 2 with the lowest final NLL, optionally among one kind ('prior' or 'encoder'). */
export function bestLpc(choice, init = null) {
  let best = null;
  for (const spec of mainSpecs(choice)) {
    if (spec.algo !== 'lpc' || (init !== null && spec.init !== init)) continue;
    const nll = finalNll(runId(spec));
    if (best === null || nll < best.nll) best = { spec, nll };
  }
  return best.spec;
}

/** The best LPC's seeds first (the longer runs), so that two jobs at a time finish together. */
export function seedSpecs(choice) {
  const best = bestLpc(choice);
  return [...EXTRA_SEEDS.map((seed) => ({ ...best, seed, finalOnly: true })), ...EXTRA_SEEDS.map((seed) => vaeSpec(seed))];
}

/** Ids of the runs evaluated on the whole test set (the best LPC of the other kind was planned too; cut for time). */
export function fullEvalIds(choice) {
  return [runId(vaeSpec(1)), runId(bestLpc(choice))];
}
