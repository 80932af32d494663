/**
 * The validated evidence study (plan.mjs gives the phases), one dataset or every one in turn: JOBS single-threaded
 * runs at a time, each in its own process; finished runs and steps are skipped, so an interrupted study resumes
 * where it stopped. Ends with the summary (summary.mjs), which writes bench/results/evidence.json and
 * bench/RESULTS.md's tables.
 *
 * Run: npm run bench:study   (npm run build:ts && node bench/evidence/study/study.mjs: both datasets, then the summary)
 *      node bench/evidence/study/study.mjs --dataset mnist [--jobs 2]   (one dataset; two can run side by side)
 *      STUDY_SCALE=tiny ... (the whole pipeline in a few minutes, into bench/out/study-tiny/)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATASETS, DISPERSION_IMAGES, OUT_DIR, runId, SEEDS } from './config.mjs';
import { runNode, runPool } from '../run-files.mjs';
import { finalJobs, finalSpec, isFinished, selectAJobs, selectBJobs, selection } from './plan.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const argument = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const only = argument('--dataset', null);
if (only !== null && !DATASETS.includes(only)) throw new Error(`--dataset must be one of ${DATASETS.join(', ')}; got ${only}`);
const JOBS = Number(argument('--jobs', 1));
let dataset = null;
const log = (text) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${dataset}: ${text}`);
const file = (name) => path.join(OUT_DIR, `${dataset}-${name}`);

/** Runs one of this folder's scripts in its own process; resolves with its exit code. */
const child = (script, args) => runNode(path.join(here, script), args);
/** Runs the tasks at most JOBS at a time. */
const pool = (tasks) => runPool(tasks, JOBS);

async function runJobs(phase, jobs) {
  const todo = jobs.filter((j) => !isFinished(runId(j.spec)));
  log(`${phase}: ${jobs.length} runs, ${todo.length} to do (load ${os.loadavg()[0].toFixed(2)})`);
  await pool(
    todo.map((job) => async () => {
      if ((await child('train-run.mjs', [JSON.stringify(job)])) !== 0) log(`run ${runId(job.spec)} failed`);
    }),
  );
}

/** Runs a step script unless its output exists. */
async function step(name, script, job, out) {
  if (existsSync(out)) return;
  log(`${name}`);
  if ((await child(script, [JSON.stringify(job), out])) !== 0) throw new Error(`${name} failed`);
}

/** Every phase of one dataset, in order. */
async function studyDataset() {
  await runJobs('select-a', selectAJobs(dataset));
  await runJobs('select-b', selectBJobs(dataset));

  // Written once, before any test number exists; later runs read it back rather than choose again.
  const selectionFile = file('selection.json');
  if (!existsSync(selectionFile)) {
    const chosen = selection(dataset);
    writeFileSync(
      selectionFile,
      `${JSON.stringify({ ...chosen, declaredProposal: 'langevin-from-encoder (langevin from the prior for a model without an encoder)', time: new Date().toISOString() }, null, 2)}\n`,
    );
  }
  const chosen = JSON.parse(readFileSync(selectionFile, 'utf8'));
  log(`selected ${runId(chosen.lpc)} and ${runId(chosen.vae)}`);

  await step('timing', 'timing.mjs', [finalSpec(chosen.vae, 1), finalSpec(chosen.lpc, 1)], file('timing.json'));
  const timing = JSON.parse(readFileSync(file('timing.json'), 'utf8'));
  await runJobs('final', finalJobs(chosen, timing.lpcOverVae.median));

  const modelOf = (spec) => {
    const dir = path.join(OUT_DIR, 'models', runId(finalSpec(spec, SEEDS[0])));
    return { decoder: path.join(dir, 'decoder.onnx'), encoder: existsSync(path.join(dir, 'encoder.onnx')) ? path.join(dir, 'encoder.onnx') : null };
  };
  const steps = [];
  for (const algo of ['lpc', 'vae']) {
    const spec = chosen[algo];
    steps.push(() => step(`k-convergence ${algo}`, 'k-convergence.mjs', { dataset, id: runId(finalSpec(spec, SEEDS[0])), model: modelOf(spec) }, file(`kconv-${algo}.json`)));
  }
  const lpc = chosen.lpc;
  const sampler = { steps: lpc.T, stepSize: lpc.eta, preconditioner: lpc.precond, momentum: lpc.momentum };
  for (const algo of ['lpc', 'vae']) {
    const model = modelOf(chosen[algo]);
    steps.push(() =>
      step(
        `dispersion ${algo} (${DISPERSION_IMAGES} images)`,
        'dispersion.mjs',
        { dataset, decoder: model.decoder, encoder: model.encoder, sampler, out: file(`dispersion-${algo}.json`) },
        file(`dispersion-${algo}.json`),
      ),
    );
  }
  await pool(steps);
  log('done');
}

mkdirSync(OUT_DIR, { recursive: true });
for (dataset of only === null ? DATASETS : [only]) await studyDataset();
if (only === null && (await child('summary.mjs', [])) !== 0) throw new Error('the summary failed');
