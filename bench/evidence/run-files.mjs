/**
 * What both evidence studies do with their runs, in one place: each run is a child process writing JSON lines
 * to runs/<id>.partial.jsonl, renamed to runs/<id>.jsonl when it ends (so a kill never leaves a file that looks
 * finished); the drivers run those processes a few at a time and read the files back; the timing steps run
 * several trainers side by side in interleaved rounds.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The lines of runs/<id>.jsonl under `outDir` as { start, evals, done }, or null before the run ended. */
export function readRunFile(outDir, id) {
  const file = path.join(outDir, 'runs', `${id}.jsonl`);
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  return { start: lines.find((l) => l.type === 'start'), evals: lines.filter((l) => l.type === 'eval'), done: lines.find((l) => l.type === 'done') };
}

/** Whether a run has ended for good: finished, diverged or degenerate (a failed run, status 'error', is run again). */
export const hasEnded = (run) => run !== null && run.done !== undefined && run.done.status !== 'error';

/** The NLL of a finished run's last evaluation; Infinity when it diverged, is degenerate or has none. */
export function lastNll(run) {
  if (run === null || run.done?.status !== 'ok' || run.evals.length === 0) return Infinity;
  return run.evals[run.evals.length - 1].nll;
}

/** A run log: write(line) appends to the partial file; finish() renames it to the finished one. */
export function openRunLog(outDir, id) {
  const runsDir = path.join(outDir, 'runs');
  const partial = path.join(runsDir, `${id}.partial.jsonl`);
  mkdirSync(runsDir, { recursive: true });
  writeFileSync(partial, '');
  return {
    write: (line) => appendFileSync(partial, `${JSON.stringify(line)}\n`),
    finish() {
      const final = path.join(runsDir, `${id}.jsonl`);
      rmSync(final, { force: true });
      renameSync(partial, final);
    },
  };
}

/** Runs `node script ...args` with its output going to this process's; resolves with its exit code. */
export function runNode(script, args, env = {}) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [script, ...args], { stdio: 'inherit', env: { ...process.env, ...env } });
    p.on('exit', (code) => resolve(code ?? 1));
  });
}

/** Runs the tasks (functions returning promises) at most `jobs` at a time. */
export async function runPool(tasks, jobs) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
}

/**
 * Seconds per update of each trainer, side by side: `warmup` updates each first, then in every round each trainer
 * runs `updates` updates in turn, so load from other processes falls on all alike. Returns one array of
 * per-round seconds per update for each trainer; `onRound(round)` is called after each round.
 */
export async function interleavedSecondsPerUpdate(trainers, data, { rounds, updates, warmup, batchSize, onRound = () => {} }) {
  for (const trainer of trainers) for await (const _ of trainer.run({ data, batchSize, updates: trainer.updates + warmup, dropLast: true }));
  const perRound = trainers.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < trainers.length; i++) {
      const target = trainers[i].updates + updates;
      const t0 = performance.now();
      for await (const _ of trainers[i].run({ data, batchSize, updates: target, dropLast: true }));
      perRound[i].push((performance.now() - t0) / 1000 / updates);
    }
    onRound(round);
  }
  return perRound;
}
