/**
 * Gathers the validated study's finished steps into bench/results/evidence.json (one entry per dataset with the
 * selection, the paired comparisons, the K convergence, the chain dispersion; MNIST also the literature anchor
 * from bench/results/literature.json), then regenerates bench/RESULTS.md's tables from it.
 *
 * Differences are LPC minus VAE in nats per image (negative: LPC's NLL is lower), paired over the same test
 * images: for each seed s, d_i = NLL_lpc,s(i) - NLL_vae,s(i); `diff` is their mean over images and seeds,
 * `seDiff` the standard error over images of the seed-averaged d_i, `seedSpread` the per-seed means' spread.
 *
 * Run: node bench/evidence/study/summary.mjs
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machineInfo } from '../../machine.mjs';
import { renderResults } from '../../render-results.mjs';
import {
  DATASETS,
  FINAL_EPOCHS,
  K_IMAGES,
  label,
  OUT_DIR,
  REPO,
  RESULTS_FILE,
  runId,
  SEEDS,
  SELECT_EPOCHS,
  SELECT_EVAL_LANGEVIN,
  TEST_IMAGES,
  TEST_K,
  TINY,
  UPDATES_PER_EPOCH,
  VALIDATION_IMAGES,
  VALIDATION_K,
} from './config.mjs';
import { finalSpec, lpcPoints, readRun } from './plan.mjs';

const readJson = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null);
const round = (v, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? v : Number(v.toFixed(digits)));

function meanSd(values) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : NaN;
  return { mean, sd: Math.sqrt(variance) };
}

/** Paired comparison of per-image NLL arrays, one pair per seed ({lpc: number[], vae: number[]}[]). */
export function paired(pairs) {
  const N = pairs[0].lpc.length;
  const perSeed = pairs.map(({ lpc, vae }) => {
    const d = lpc.map((v, i) => v - vae[i]);
    const s = meanSd(d);
    return { lpc: meanSd(lpc).mean, vae: meanSd(vae).mean, diff: s.mean, seDiff: s.sd / Math.sqrt(N) };
  });
  const averaged = Array.from({ length: N }, (_, i) => pairs.reduce((a, p) => a + p.lpc[i] - p.vae[i], 0) / pairs.length);
  const overall = meanSd(averaged);
  const seeds = meanSd(perSeed.map((s) => s.diff));
  return {
    lpc: round(meanSd(perSeed.map((s) => s.lpc)).mean),
    vae: round(meanSd(perSeed.map((s) => s.vae)).mean),
    diff: round(overall.mean),
    seDiff: round(overall.sd / Math.sqrt(N)),
    seedSpread: { sd: round(seeds.sd), min: round(Math.min(...perSeed.map((s) => s.diff))), max: round(Math.max(...perSeed.map((s) => s.diff))) },
    perSeed: perSeed.map((s, i) => ({ seed: SEEDS[i], lpc: round(s.lpc), vae: round(s.vae), diff: round(s.diff), seDiff: round(s.seDiff) })),
  };
}

function evalAt(id, updates) {
  const run = readRun(id);
  return run?.evals.find((e) => e.updates === updates) ?? null;
}

function comparisons(dataset, chosen, timing) {
  const points = lpcPoints(chosen.lpc, chosen.vae, timing.lpcOverVae.median);
  const axes = [
    { axis: 'equal updates', lpcUpdates: points.total },
    { axis: 'equal seconds', lpcUpdates: points.equalSeconds },
    { axis: 'equal decoder passes', lpcUpdates: points.equalPasses },
  ];
  const rows = [];
  for (const { axis, lpcUpdates } of axes) {
    const evals = SEEDS.map((seed) => ({ lpc: evalAt(runId(finalSpec(chosen.lpc, seed)), lpcUpdates), vae: evalAt(runId(finalSpec(chosen.vae, seed)), points.total) }));
    const done = evals.filter((e) => e.lpc !== null && e.vae !== null);
    if (done.length === 0) continue;
    const byProposal = (lpcKind, vaeKind) => paired(done.map((e) => ({ lpc: e.lpc.perImage[lpcKind], vae: e.vae.perImage[vaeKind] })));
    const declared = byProposal(done[0].lpc.declared, done[0].vae.declared);
    const encoder = chosen.lpc.init === 'encoder' ? byProposal('encoder', 'encoder') : null;
    rows.push({
      axis,
      lpcUpdates,
      vaeUpdates: points.total,
      lpcSeconds: round(lpcUpdates * timing.lpc.secondsPerUpdate.median, 1),
      vaeSeconds: round(points.total * timing.vae.secondsPerUpdate.median, 1),
      lpcDecoderPasses: lpcUpdates * (chosen.lpc.T + 2 + (['reverse', 'jeffreys'].includes(chosen.lpc.objective) ? 1 : 0)),
      vaeDecoderPasses: points.total,
      proposal: done[0].lpc.declared,
      ...declared,
      seeds: done.length,
      images: done[0].lpc.perImage[done[0].lpc.declared].length,
      K: done[0].lpc.K,
      encoderProposal: encoder === null ? null : { lpc: encoder.lpc, vae: encoder.vae, diff: encoder.diff, seDiff: encoder.seDiff, seedSpread: encoder.seedSpread },
    });
  }
  return rows;
}

function kConvergence(dataset) {
  const lpc = readJson(path.join(OUT_DIR, `${dataset}-kconv-lpc.json`));
  const vae = readJson(path.join(OUT_DIR, `${dataset}-kconv-vae.json`));
  if (lpc === null || vae === null) return [];
  return lpc.kLadder.map((K) => {
    const d = paired([{ lpc: lpc.perImage[lpc.declared][K], vae: vae.perImage[vae.declared][K] }]);
    const e = lpc.perImage.encoder === undefined ? null : paired([{ lpc: lpc.perImage.encoder[K], vae: vae.perImage.encoder[K] }]);
    return {
      K,
      images: lpc.images,
      proposal: lpc.declared,
      lpc: d.lpc,
      vae: d.vae,
      diff: d.diff,
      seDiff: d.seDiff,
      encoderProposal: e === null ? null : { lpc: e.lpc, vae: e.vae, diff: e.diff, seDiff: e.seDiff },
      seconds: { lpc: round(lpc.seconds, 0), vae: round(vae.seconds, 0) },
    };
  });
}

function dispersion(dataset) {
  const out = {};
  for (const algo of ['lpc', 'vae']) {
    const d = readJson(path.join(OUT_DIR, `${dataset}-dispersion-${algo}.json`));
    if (d !== null) out[algo] = d;
  }
  return Object.keys(out).length === 0 ? null : out;
}

function literature() {
  const lit = readJson(path.join(REPO, 'bench/results/literature.json'));
  if (lit === null || lit.stages.length === 0) return null;
  const last = lit.stages[lit.stages.length - 1];
  return {
    architecture: lit.protocol.architecture,
    epochs: last.totalEpochs,
    plannedEpochs: 3280,
    stage: last.stage,
    nll: round(last.nll, 2),
    nllStdErr: round(last.nllStdErr, 2),
    K: last.k,
    images: last.images,
    anchor: lit.protocol.anchor,
  };
}

function datasetEntry(dataset) {
  const chosen = readJson(path.join(OUT_DIR, `${dataset}-selection.json`));
  if (chosen === null) return null;
  const timing = readJson(path.join(OUT_DIR, `${dataset}-timing.json`));
  const entry = {
    name: dataset,
    selection: {
      on: 'validation',
      validationImages: VALIDATION_IMAGES,
      K: VALIDATION_K,
      estimator: `the declared proposal with a cheaper refinement (${SELECT_EVAL_LANGEVIN.chains} chains x ${SELECT_EVAL_LANGEVIN.steps} steps)`,
      epochs: SELECT_EPOCHS,
      updates: SELECT_EPOCHS * UPDATES_PER_EPOCH,
      lpc: { id: runId(chosen.lpc), label: label(chosen.lpc), spec: chosen.lpc },
      vae: { id: runId(chosen.vae), label: label(chosen.vae), spec: chosen.vae },
      declaredProposal: chosen.declaredProposal,
      decidedAt: chosen.time,
      candidates: chosen.candidates.map((c) => ({
        id: c.id,
        label: label(c.spec),
        algo: c.spec.algo,
        validationNll: Number.isFinite(c.validationNll) ? round(c.validationNll) : null,
        status: readRun(c.id)?.done?.status ?? null,
      })),
    },
    timing:
      timing === null
        ? null
        : {
            vaeMsPerUpdate: round(timing.vae.secondsPerUpdate.median * 1000, 2),
            lpcMsPerUpdate: round(timing.lpc.secondsPerUpdate.median * 1000, 2),
            lpcOverVae: timing.lpcOverVae,
            rounds: timing.rounds,
            loadStart: timing.loadStart,
          },
    final: { epochs: FINAL_EPOCHS, updates: FINAL_EPOCHS * UPDATES_PER_EPOCH, testImages: TEST_IMAGES, K: TEST_K },
    comparisons: timing === null ? [] : comparisons(dataset, chosen, timing),
    kConvergence: kConvergence(dataset),
    kConvergenceImages: K_IMAGES,
    dispersion: dispersion(dataset),
  };
  if (dataset === 'mnist') entry.literature = literature();
  return entry;
}

/**
 * Which model each comparison favours: the lower NLL when the difference is more than two paired standard errors
 * and every seed agrees in sign; otherwise neither.
 */
function conclusions(datasets) {
  return datasets.flatMap((d) =>
    d.comparisons.map((c) => {
      const clear = Math.abs(c.diff) > 2 * c.seDiff && Math.sign(c.seedSpread.min) === Math.sign(c.seedSpread.max);
      return {
        dataset: d.name,
        axis: c.axis,
        favours: clear ? (c.diff < 0 ? 'lpc' : 'vae') : 'neither',
        diff: c.diff,
        seDiff: c.seDiff,
        rule: 'lower NLL by more than 2 paired SE, every seed agreeing in sign',
      };
    }),
  );
}

const datasets = DATASETS.map(datasetEntry).filter((e) => e !== null);
writeFileSync(RESULTS_FILE, `${JSON.stringify({ machine: machineInfo(), conclusions: conclusions(datasets), datasets }, null, 1)}\n`);
// At tiny scale the pipeline is only being checked: bench/RESULTS.md keeps the real study's tables.
const rendered = TINY ? [] : renderResults();
console.log(`wrote ${path.relative(REPO, RESULTS_FILE)} (${datasets.map((d) => d.name).join(', ')}); regenerated: ${rendered.join(', ') || 'nothing'}`);
