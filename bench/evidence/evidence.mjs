/**
 * The evidence benchmark, LPC against the VAE on Fashion-MNIST (bench/RESULTS.md, "Evidence: LPC vs VAE on
 * Fashion-MNIST"): timing of each configuration (alone), then the phases of plan.mjs, JOBS single-threaded
 * runs at a time, each in its own process; finished runs are skipped, so an interrupted benchmark resumes where
 * it stopped. Ends with the summary (summary.mjs), which writes the tables into bench/RESULTS.md.
 *
 * Run: npm run bench:evidence   (npm run build:ts && node bench/evidence/evidence.mjs; about two hours)
 *      EVIDENCE_SCALE=tiny node bench/evidence/evidence.mjs   (the whole pipeline in a minute or two, into bench/out/evidence-tiny/)
 *      EVIDENCE_JOBS=1 ...   (one run at a time)
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { costKey, JOBS, OUT_DIR, runId } from './config.mjs';
import { runNode, runPool } from './run-files.mjs';
import { fullEvalIds, isFinished, lateSpecs, mainSpecs, readFull, seedSpecs, sweepChoice, sweepSpecs } from './plan.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const started = Date.now();
const log = (text) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`);
/** The driver's own record (phases with their times and load), for the summary's total machine time. */
const record = (line) => appendFileSync(path.join(OUT_DIR, 'driver.jsonl'), `${JSON.stringify({ ...line, time: new Date().toISOString(), loadavg: os.loadavg() })}\n`);

/** Runs one of this folder's scripts in its own process; resolves with its exit code. */
const child = (script, args, env = {}) => runNode(path.join(here, script), args, env);
/** Runs the jobs (functions returning promises) at most JOBS at a time. */
const pool = (jobs) => runPool(jobs, JOBS);

async function runPhase(name, specs) {
  const todo = specs.filter((s) => !isFinished(runId(s)));
  log(`phase ${name}: ${specs.length} runs, ${todo.length} to do (load ${os.loadavg()[0].toFixed(2)})`);
  record({ phase: name, event: 'start', runs: todo.length });
  await pool(
    todo.map((spec) => async () => {
      log(`start ${runId(spec)}`);
      const code = await child('run.mjs', [JSON.stringify(spec)], { EVIDENCE_CONCURRENCY: String(Math.min(JOBS, todo.length)) });
      log(`end ${runId(spec)} (exit ${code})`);
    }),
  );
  record({ phase: name, event: 'end' });
}

mkdirSync(OUT_DIR, { recursive: true });
log(
  `evidence benchmark into ${OUT_DIR}, ${JOBS} jobs at a time, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

// Timing first and alone: one trainer per cost structure, interleaved.
if (!existsSync(path.join(OUT_DIR, 'timing.json'))) {
  const seen = new Set();
  const structures = mainSpecs().filter((s) => !seen.has(costKey(s)) && seen.add(costKey(s)));
  log(`timing ${structures.length} configurations`);
  record({ phase: 'timing', event: 'start', runs: structures.length });
  if ((await child('timing.mjs', [JSON.stringify(structures)])) !== 0) throw new Error('the timing step failed');
  record({ phase: 'timing', event: 'end' });
}

await runPhase('sweep', sweepSpecs());
const choice = sweepChoice();
log(`sweep choice: preconditioned ${choice.pre.precond} eta ${choice.pre.eta}, unpreconditioned eta ${choice.none.eta}`);
await runPhase('main', mainSpecs(choice));
await runPhase('seeds', seedSpecs(choice));

const fullTodo = fullEvalIds(choice).filter((id) => readFull(id) === null);
log(`phase full: ${fullTodo.length} to do`);
record({ phase: 'full', event: 'start', runs: fullTodo.length });
await pool(
  fullTodo.map((id) => async () => {
    log(`start full ${id}`);
    const code = await child('full-eval.mjs', [id]);
    log(`end full ${id} (exit ${code})`);
  }),
);
record({ phase: 'full', event: 'end' });
await runPhase('late', lateSpecs(choice));

if ((await child('summary.mjs', [])) !== 0) throw new Error('the summary step failed');
log(`done in ${((Date.now() - started) / 60000).toFixed(1)} minutes`);
