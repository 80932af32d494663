/**
 * Which runs the validated study makes for one dataset, phase by phase, each chosen from the finished results of
 * the phase before (so a resumed study plans the same runs again):
 *
 * 1. select-a: LPC (Jeffreys, T = 20) at every preconditioner and step size of the grid; the VAE at every
 *    learning rate of its grid (the same number of runs as LPC's whole selection). One epoch each, scored on
 *    the validation copy.
 * 2. select-b: at stage A's best preconditioner and step size, the LPC variants of LPC_STAGE_B.
 * 3. selection.json: the lowest validation NLL among all LPC runs, and among the VAE runs, written down (with
 *    the declared proposal) before any test number exists.
 * 4. timing: the two selected configurations side by side; gives the equal-seconds point.
 * 5. final: the selected LPC and VAE with each seed of SEEDS, FINAL_EPOCHS epochs, scored on the test copy:
 *    the VAE at the end; LPC at the end, at the update count whose seconds equal the VAE's whole run, and at the
 *    one whose decoder passes equal the VAE's whole run.
 * 6. k-convergence and dispersion of seed 1's final models.
 */
import { hasEnded, lastNll, readRunFile } from '../run-files.mjs';
import {
  decoderPassesPerUpdate,
  FINAL_EPOCHS,
  lpcEtas,
  LPC_PRECONDITIONERS,
  LPC_STAGE_B,
  lpcSpec,
  OUT_DIR,
  runId,
  SEEDS,
  SELECT_EPOCHS,
  UPDATES_PER_EPOCH,
  vaeLearningRates,
  vaeSpec,
} from './config.mjs';

/** The lines of a finished run, or null. */
export const readRun = (id) => readRunFile(OUT_DIR, id);

/** Whether a run has ended for good (run-files.mjs hasEnded). */
export const isFinished = (id) => hasEnded(readRun(id));

/** The final NLL of a run (Infinity when it diverged, is degenerate or has no evaluation). */
export const finalNll = (id) => lastNll(readRun(id));

const selectionJob = (spec) => ({ spec, split: 'validation', at: [SELECT_EPOCHS * UPDATES_PER_EPOCH] });

export function stageASpecs(dataset) {
  const specs = [];
  for (const p of LPC_PRECONDITIONERS) for (const eta of lpcEtas(p)) specs.push(lpcSpec(dataset, { ...p, eta }));
  return specs;
}

export function vaeSelectionSpecs(dataset) {
  return vaeLearningRates().map((lr) => vaeSpec(dataset, lr));
}

function best(specs) {
  let winner = null;
  for (const spec of specs) {
    const nll = finalNll(runId(spec));
    if (winner === null || nll < winner.nll) winner = { spec, nll };
  }
  return winner;
}

export function stageBSpecs(dataset) {
  const a = best(stageASpecs(dataset)).spec;
  return LPC_STAGE_B.map((change) => lpcSpec(dataset, { init: a.init, objective: a.objective, precond: a.precond, momentum: a.momentum, eta: a.eta, T: a.T, ...change }));
}

export const selectAJobs = (dataset) => [...stageASpecs(dataset), ...vaeSelectionSpecs(dataset)].map(selectionJob);
export const selectBJobs = (dataset) => stageBSpecs(dataset).map(selectionJob);

/** The selection, from validation NLLs only: every candidate with its number, and the winners. */
export function selection(dataset) {
  const lpcCandidates = [...stageASpecs(dataset), ...stageBSpecs(dataset)];
  const vaeCandidates = vaeSelectionSpecs(dataset);
  const row = (spec) => ({ id: runId(spec), spec, validationNll: finalNll(runId(spec)), status: readRun(runId(spec))?.done?.status ?? null });
  const lpc = best(lpcCandidates);
  const vae = best(vaeCandidates);
  return { lpc: lpc.spec, vae: vae.spec, candidates: [...lpcCandidates, ...vaeCandidates].map(row) };
}

/** The final specs of a selected configuration at one seed. */
export const finalSpec = (spec, seed) => ({ ...spec, seed, epochs: FINAL_EPOCHS });

/** The update counts at which a final LPC run is scored (see 5. above), given LPC / VAE seconds per update. */
export function lpcPoints(lpc, vae, lpcOverVae) {
  const total = FINAL_EPOCHS * UPDATES_PER_EPOCH;
  const equalSeconds = Math.max(1, Math.round(total / lpcOverVae));
  const equalPasses = Math.max(1, Math.round((total * decoderPassesPerUpdate(vae)) / decoderPassesPerUpdate(lpc)));
  return { total, equalSeconds, equalPasses };
}

export function finalJobs(chosen, lpcOverVae) {
  const points = lpcPoints(chosen.lpc, chosen.vae, lpcOverVae);
  const jobs = [];
  for (const seed of SEEDS) {
    jobs.push({ spec: finalSpec(chosen.lpc, seed), split: 'test', at: [...new Set([points.equalPasses, points.equalSeconds, points.total])].sort((a, b) => a - b), keepModel: seed === SEEDS[0] });
    jobs.push({ spec: finalSpec(chosen.vae, seed), split: 'test', at: [points.total], keepModel: seed === SEEDS[0] });
  }
  return jobs;
}
