/**
 * Writes the evidence tables from bench/out/evidence/ into bench/RESULTS.md, between the markers of the section
 * "Evidence: LPC vs VAE on Fashion-MNIST" (created at the end of the file when missing); text after the end
 * marker (the conclusions) is kept. With EVIDENCE_SCALE=tiny the tables go to bench/out/evidence-tiny/summary.md.
 *
 * Run: node bench/evidence/summary.mjs   (the last step of npm run bench:evidence)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  BATCH,
  costKey,
  EPOCHS,
  EVAL_AT,
  IWAE_K,
  label,
  OUT_DIR,
  REPO,
  runId,
  SWEEP_EPOCHS,
  SWEEP_ETAS,
  SWEEP_NONE_ETAS,
  SWEEP_RMSPROP_ETAS,
  TEST_SUBSET,
  TINY,
  UPDATES_PER_EPOCH,
  vaeSpec,
} from './config.mjs';
import { bestLpc, fullEvalIds, lateSpecs, mainSpecs, readFull, readRun, seedSpecs, sweepChoice, sweepSpecs } from './plan.mjs';

const BEGIN = '<!-- evidence:begin (written by bench/evidence/summary.mjs) -->';
const END = '<!-- evidence:end -->';
const HEADING = '## Evidence: LPC vs VAE on Fashion-MNIST';

const timing = JSON.parse(readFileSync(path.join(OUT_DIR, 'timing.json'), 'utf8'));
const costOf = new Map(timing.rows.map((r) => [r.key, r]));
const f2 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(2));
const f1 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(1));
const f0 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(0));
const millions = (x) => (x === null || !Number.isFinite(x) ? '—' : (x / 1e6).toFixed(x < 1e6 ? 2 : 1));
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** The evaluation points of a run with their costs: updates, timed seconds (updates x measured cost), decoder passes. */
function curve(spec) {
  const run = readRun(runId(spec));
  if (run === null) return null;
  const perUpdate = costOf.get(costKey(spec)).secondsPerUpdate;
  const points = run.evals.map((e) => ({ updates: e.updates, seconds: e.updates * perUpdate, passes: e.decoderPasses, nll: e.nll, e }));
  return { spec, run, points, status: run.done?.status ?? 'running' };
}

/** NLL at cost c by linear interpolation in log cost between evaluation points; null outside them. */
function nllAt(points, key, c) {
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (Math.abs(p[key] - c) < 1e-9 * c) return p.nll;
    if (i > 0 && points[i - 1][key] < c && c < p[key]) {
      const a = points[i - 1];
      const t = (Math.log(c) - Math.log(a[key])) / (Math.log(p[key]) - Math.log(a[key]));
      return a.nll + t * (p.nll - a.nll);
    }
  }
  return null;
}

/** Cost at which the curve first reaches `target` (interpolated in log cost); '≤ first' or null (never). */
function costToReach(points, key, target) {
  if (points.length === 0) return null;
  if (points[0].nll <= target) return { le: true, value: points[0][key] };
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (b.nll <= target) {
      const t = (a.nll - target) / (a.nll - b.nll);
      return { le: false, value: Math.exp(Math.log(a[key]) + t * (Math.log(b[key]) - Math.log(a[key]))) };
    }
  }
  return null;
}
const reach = (r, fmt) => (r === null ? 'not reached' : `${r.le ? '≤ ' : ''}${fmt(r.value)}`);

function loadRange(runs) {
  const loads = runs.flatMap((c) => [c.run.start.loadavg[0], ...c.run.evals.map((e) => e.loadavg[0]), c.run.done?.loadavg[0]]).filter((x) => x !== undefined);
  return `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`;
}

/** The range of the final points' standard errors over images. */
function stdErrRange(curves) {
  const se = curves.map((c) => c.run.evals.at(-1)?.nllStdErr).filter((x) => Number.isFinite(x));
  return se.length === 0 ? '—' : `${Math.min(...se).toFixed(1)}–${Math.max(...se).toFixed(1)}`;
}

/**
 * The driver's span: first and last record (UTC clock time) and the minutes its phases ran, counted from each
 * phase's last start to its end (an invocation stopped mid-phase leaves no end, so its time is not counted).
 */
function machineTime() {
  const file = path.join(OUT_DIR, 'driver.jsonl');
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const clock = (l) => l.time.slice(11, 16);
  let total = 0;
  const open = new Map();
  for (const l of lines) {
    if (l.event === 'start') open.set(l.phase, Date.parse(l.time));
    else if (open.has(l.phase)) {
      total += Date.parse(l.time) - open.get(l.phase);
      open.delete(l.phase);
    }
  }
  return { minutes: total / 60000, first: clock(lines[0]), last: clock(lines.at(-1)) };
}

const sections = [];
const choice = sweepChoice();
const planned = mainSpecs(choice)
  .map(curve)
  .filter((c) => c !== null);
/** Phase 2 and the late arms (which are no candidates for the best LPC: they ran after the seeds were chosen). */
const main = [
  ...planned,
  ...lateSpecs(choice)
    .map(curve)
    .filter((c) => c !== null),
];
const vae = main.find((c) => c.spec.algo === 'vae');
const sweep = sweepSpecs()
  .map(curve)
  .filter((c) => c !== null);
const seeds = seedSpecs(choice)
  .map(curve)
  .filter((c) => c !== null);
const all = [...sweep, ...main, ...seeds];
const minutes = machineTime();

sections.push(`Command: \`npm run bench:evidence\` (\`npm run build:ts && node bench/evidence/evidence.mjs\`; resumable: finished runs in
bench/out/evidence/runs/ are skipped; tables rewritten by \`node bench/evidence/summary.mjs\`). Validation of the whole
pipeline at tiny scale: \`EVIDENCE_SCALE=tiny node bench/evidence/evidence.mjs\` (into bench/out/evidence-tiny/).

Setup: Fashion-MNIST, 60,000 training images dynamically binarised per minibatch; the 10,000 test images binarised once
(Philox seed 20261125); MLP decoder and encoder 784-512-512-32 (ReLU), Bernoulli likelihood, batch ${BATCH} (last partial
batch dropped: ${UPDATES_PER_EPOCH} updates per epoch), Adam 1e-3 for decoder and encoder, K = 1 chain per image, ULA.
Test NLL: importance sampling with K = ${IWAE_K} fresh draws per image on the first ${TEST_SUBSET} test images (classes balanced),
in nats per image, the same draws' seed for every model; the proposal is the encoder's q or the Langevin fit started
from it, whichever gives the lower estimate (models with an encoder), or the Langevin fit from the prior (encoder-free
models); both are upper bounds in expectation. Every run is one process with one onnxruntime thread; ${main[0]?.run.start.concurrency ?? 2}
runs at a time on the 2-core machine, which other engineers' jobs shared (load average during the runs ${all.length ? loadRange(all) : '—'}).
Seconds below are *timed seconds*: updates x the configuration's median seconds per update, measured side by side
(next table), so that all configurations are compared at equal machine conditions; each run's own wall-clock is in
its JSON line and in the main table. Gradient evaluations are passes through the decoder (forward + backward) per
training image: VAE 1; LPC (T + 1) for dE/dz plus S for dE/dtheta over the S kept states, plus 1 for the reverse-KL
term; encoder passes are counted apart (1 per image for the VAE and amortised LPC).${minutes === null ? '' : ` The driver ran from ${minutes.first} to ${minutes.last} UTC; its completed phases took ${minutes.minutes.toFixed(0)} minutes of wall-clock (phases stopped and resumed count from their last start only).`}`);

sections.push(`### Cost per update

Seconds per update (whole update: minibatch, binarisation, sampling, gradients, optimiser steps), ${timing.rounds} interleaved rounds
of ${timing.updatesPerRound} updates per configuration, all trainers alive at once; medians [min, max] over rounds and per-round
ratios to the VAE; load average ${timing.loadStart[0].toFixed(2)} at the start, ${timing.loadEnd[0].toFixed(2)} at the end.

${table(
  ['configuration', 'ms per update', 'ratio to VAE', 'decoder passes per image', 'encoder passes per image'],
  timing.rows.map((r) => [
    r.key,
    `${f1(r.secondsPerUpdate * 1000)} [${f1(r.min * 1000)}, ${f1(r.max * 1000)}]`,
    `${f2(r.ratioToVae.median)} [${f2(r.ratioToVae.min)}, ${f2(r.ratioToVae.max)}]`,
    r.passesPerUpdate.decoder,
    r.passesPerUpdate.encoder,
  ]),
)}`);

const sweepCell = (precond, eta) => {
  const c = sweep.find((s) => s.spec.precond === precond && s.spec.eta === eta);
  if (c === undefined) return '';
  if (c.status !== 'ok') return `${c.status} at ${c.run.done?.updates}`;
  const e = c.run.evals.at(-1);
  return `${f1(e.nll)} ± ${f1(e.nllStdErr)}${c.run.done.restarts > 0 ? ` (${c.run.done.restarts} restarts)` : ''}`;
};
const etas = [...new Set([...SWEEP_ETAS, ...SWEEP_NONE_ETAS, ...SWEEP_RMSPROP_ETAS])].sort((a, b) => a - b);
sections.push(`### Step-size robustness

LPC from the prior, T = 20, theta-gradient over all 20 states, ${SWEEP_EPOCHS} epoch (${SWEEP_EPOCHS * UPDATES_PER_EPOCH} updates) per point, seed 1 (shortened
from 5 epochs to fit the time budget): test NLL (± its standard error over the ${TEST_SUBSET} images) after training, against
eta. adam: bias-corrected second moment with beta2 = 0.999, no momentum; rmsprop: beta2 = 0.99 (the CLI's two
preconditioners); gMax 10. Restarts: chains that hit a non-finite energy or gradient and were restarted with
their step halved (their theta-gradient dropped for that minibatch). The main runs below use
${choice.pre.precond} at eta = ${choice.pre.eta} (preconditioned) and eta = ${choice.none.eta} (no preconditioner), the best of each here.

${table(
  ['eta', 'adam', 'none', 'rmsprop'],
  etas.map((eta) => [eta, sweepCell('adam', eta), sweepCell('none', eta), sweepCell('rmsprop', eta)]),
)}`);

const evalCols = EVAL_AT.filter((u) => u <= EPOCHS * UPDATES_PER_EPOCH);
sections.push(`### Test NLL against parameter updates (${EPOCHS} epochs, seed 1)

NLL (nats per image, ${TEST_SUBSET} test images, K = ${IWAE_K}) after each number of updates; standard errors over images are
${stdErrRange(main)} nats at the final points, but the images are common to all rows, so differences between rows are more
precise than that (the seed table below gives the spread between training runs). Last columns: the test negative ELBO at the end (models with an encoder), and the run's training wall-clock
(run ${main[0]?.run.start.concurrency ?? 2} at a time; evaluations excluded) and chain restarts.

${table(
  ['configuration', ...evalCols.map((u) => `${u} upd`), '−ELBO', 'wall s', 'restarts'],
  main.map((c) => {
    const byU = new Map(c.points.map((p) => [p.updates, p.nll]));
    const last = c.run.evals.at(-1);
    return [label(c.spec), ...evalCols.map((u) => (byU.has(u) ? f1(byU.get(u)) : c.status !== 'ok' ? c.status : '')), f1(last?.negElbo), f0(c.run.done?.trainSeconds), c.run.done?.restarts ?? ''];
  }),
)}`);

if (vae !== undefined) {
  const vaeFinal = vae.points.at(-1);
  const rows = main
    .filter((c) => c !== vae)
    .map((c) => [
      label(c.spec),
      f1(c.points.at(-1)?.nll),
      f0(c.points.at(-1)?.seconds),
      millions(c.points.at(-1)?.passes ?? null),
      f1(nllAt(c.points, 'seconds', vaeFinal.seconds)),
      f1(nllAt(c.points, 'passes', vaeFinal.passes)),
      reach(costToReach(c.points, 'updates', vaeFinal.nll), f0),
      reach(costToReach(c.points, 'seconds', vaeFinal.nll), f0),
      reach(costToReach(c.points, 'passes', vaeFinal.nll), millions),
    ]);
  sections.push(`### Per update, per second, per gradient evaluation

The VAE after ${vaeFinal.updates} updates: NLL ${f1(vaeFinal.nll)}, ${f0(vaeFinal.seconds)} timed seconds, ${millions(vaeFinal.passes)} M decoder passes. For each LPC
run: its own final NLL and cost; its NLL at the VAE's final cost in seconds and in decoder passes (interpolated
linearly in log cost between evaluation points; — where that cost lies outside the run's points); and the updates,
timed seconds and decoder passes (M) it needed to reach the VAE's final NLL (interpolated the same way; "≤" when
already at its first evaluation point, ${evalCols[0]} updates).

${table(['configuration', 'final NLL', 'timed s', 'M passes', 'NLL at VAE seconds', 'NLL at VAE passes', 'updates to VAE NLL', 'seconds to VAE NLL', 'M passes to VAE NLL'], rows)}

The VAE's own curve for comparison: ${vae.points.map((p) => `${p.updates} upd / ${f0(p.seconds)} s / ${millions(p.passes)} M passes: ${f1(p.nll)}`).join('; ')}.`);
}

const best = planned.length === mainSpecs(choice).length ? bestLpc(choice) : null;
if (best !== null) {
  const groups = [vaeSpec(1), best].map((spec) => {
    const ids = [1, ...seeds.map((s) => s.spec.seed)].filter((v, i, a) => a.indexOf(v) === i).map((seed) => runId({ ...spec, seed }));
    const nlls = ids
      .map((id) => readRun(id))
      .filter((r) => r?.done?.status === 'ok')
      .map((r) => r.evals.at(-1).nll);
    const sorted = [...nlls].sort((a, b) => a - b);
    const median = sorted.length === 0 ? null : sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    return [label(spec), ...nlls.map(f1), `${f1(median)} [${f1(sorted[0])}, ${f1(sorted.at(-1))}]`];
  });
  sections.push(`### Seeds (final point, ${EPOCHS} epochs)

Test NLL after ${EPOCHS * UPDATES_PER_EPOCH} updates for seeds 1, 2, 3 (network initialisation, data order, binarisation and sampling noise
all change with the seed) of the VAE and of the best LPC configuration of the main table; median [min, max] over seeds.

${table(['configuration', 'seed 1', 'seed 2', 'seed 3', 'median [range]'], groups)}`);

  const fullRows = fullEvalIds(choice)
    .map((id) => [id, readFull(id)])
    .filter(([, r]) => r !== null)
    .map(([id, r]) => {
      const kind = (k) => r.proposals.find((p) => p.kind === k);
      return [
        id,
        `${f2(r.nll)} ± ${f2(r.nllStdErr)} (${r.proposal})`,
        f2(kind('encoder')?.nll),
        f2(kind('langevin-from-encoder')?.nll ?? kind('langevin')?.nll),
        f2(r.negElbo),
        r.reconMse.toFixed(4),
        f0(r.evalSeconds),
      ];
    });
  sections.push(`### Full test set (${readFull(fullEvalIds(choice)[0])?.images ?? '—'} images, seed 1)

The VAE and the best LPC run: NLL ± standard error over
images (the proposal it came from), the NLL under each proposal (encoder q; the Langevin fit, started from q or from the prior),
the negative ELBO, the reconstruction MSE (encoder mean or Langevin posterior mean, [0, 1] scale), evaluation seconds.

${table(['run', 'NLL', 'q', 'Langevin', '−ELBO', 'recon MSE', 'eval s'], fullRows)}`);

  const proposalRows = main
    .filter((c) => c.spec.init === 'encoder' || c.spec.algo === 'vae')
    .map((c) => {
      const e = c.run.evals.at(-1);
      const kind = (k) => e?.proposals.find((p) => p.kind === k)?.nll;
      return [label(c.spec), f2(kind('encoder')), f2(kind('langevin-from-encoder')), f2(kind('langevin'))];
    });
  sections.push(`### Estimator check (final point, ${TEST_SUBSET} images)

For the models with an encoder, the final NLL under each proposal: the encoder's q, the Langevin fit started from q,
and the encoder-free Langevin fit from the prior (the estimator the encoder-free models get).

${table(['configuration', 'q', 'Langevin from q', 'Langevin from prior'], proposalRows)}`);
}

const body = sections.join('\n\n');
if (TINY) {
  writeFileSync(path.join(OUT_DIR, 'summary.md'), `${HEADING}\n\n${body}\n`);
  console.log(`summary written to ${path.join(OUT_DIR, 'summary.md')}`);
} else {
  const file = path.join(REPO, 'bench/RESULTS.md');
  let text = readFileSync(file, 'utf8');
  const block = `${BEGIN}\n${body}\n${END}`;
  if (text.includes(BEGIN) && text.includes(END)) text = text.slice(0, text.indexOf(BEGIN)) + block + text.slice(text.indexOf(END) + END.length);
  else text = `${text.trimEnd()}\n\n${HEADING}\n\n${block}\n`;
  writeFileSync(file, text);
  console.log(`summary written to ${file}`);
}
