// Kill and resume: runs of a small `langevin-pc train` (LPC, MLP 784-32-4 on 100 MNIST digits, 60 updates,
// a checkpoint after every update, evaluations at 0, 20, 40 and 60), each killed with SIGKILL at a seeded
// random moment (after a random checkpoint generation, a random delay), then continued with --resume. Each
// killed run must leave a checkpoint that loads with no generation rejected, and each resumed run must finish
// and end where an uninterrupted run ends: decoder.onnx byte for byte, metrics.json equal apart from
// wall-clock seconds and the run-control options a resume may change (README.md: "--resume ... ends bit for
// bit where an uninterrupted run with the same seed would have"). bench/ROBUSTNESS.md has the figure.
//
//   node bench/kill-resume.mjs [--cases 20] [--seed 1]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { RunDirectory } from '../dist/index.js';
import { random } from './random.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const CASES = arg('cases', 20);
const SEED = arg('seed', 1);

// The run of test/cli/train-signals.test.ts.
const RUN = ['train', '--dataset', 'mnist', '--train-images', '100', '--batch', '25', '--hidden', '32', '--latent', '4', '--binarize', '--threads', '1'];
RUN.push('--eval-images', '10', '--eval-iwae', '10', '--seed', '3', '--steps', '8', '--init', 'prior', '--updates', '60', '--eval-every', '20', '--checkpoint-every', '1');

const generation = (dir) => {
  try {
    return new RunDirectory(dir).store.latestGeneration() ?? 0;
  } catch {
    return 0; // the manifest is being replaced: the next poll reads it
  }
};

/**
 * Runs the CLI with `args`. With `kill` ({ generation, delay }): once `dir` holds checkpoint generation
 * `generation`, waits `delay` milliseconds and kills it with SIGKILL, unless it ended first. Resolves with its
 * exit, and for a run that checkpoints into `dir`, its last generation and the time from the first to its end.
 */
function run(args, dir, kill) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const proc = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let firstCheckpoint;
    let armed = false;
    let timer;
    proc.stderr.on('data', (chunk) => (stderr += chunk));
    const poll =
      dir === undefined
        ? undefined
        : setInterval(() => {
            const g = generation(dir);
            if (g > 0 && firstCheckpoint === undefined) firstCheckpoint = performance.now();
            if (kill !== undefined && !armed && g >= kill.generation) {
              armed = true;
              timer = setTimeout(() => proc.kill('SIGKILL'), kill.delay);
            }
          }, 2);
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      const end = performance.now();
      resolve({
        code,
        signal,
        stderr,
        seconds: (end - start) / 1000,
        afterCheckpointMs: firstCheckpoint === undefined ? null : end - firstCheckpoint,
        generations: dir === undefined ? null : generation(dir),
      });
    });
  });
}

function metricsOf(dir) {
  const m = JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
  const strip = (v) => {
    if (Array.isArray(v)) return v.map(strip);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== 'seconds')
        .map(([k, x]) => [k, strip(x)]),
    );
  };
  const { checkpointEvery: _c, worker: _w, ...config } = m.config;
  return strip({ ...m, config });
}

const tmp = mkdtempSync(path.join(tmpdir(), 'lpc-kill-resume-'));
try {
  const reference = path.join(tmp, 'reference');
  const ref = await run([...RUN, '--out', reference], reference);
  if (ref.code !== 0) throw new Error(`the uninterrupted run failed: ${ref.stderr}`);
  const generations = ref.generations;
  const gap = ref.afterCheckpointMs / generations;
  console.log(`uninterrupted run: ${ref.seconds.toFixed(1)} s, ${generations} checkpoint generations, ${gap.toFixed(0)} ms apart on average`);
  const rand = random(SEED);
  const rows = [];
  for (let i = 0; i < CASES; i++) {
    const dir = path.join(tmp, `run-${i}`);
    // A random moment measured in progress, so that it lands inside the run however loaded the machine: after
    // a uniformly drawn checkpoint generation, a uniform delay of up to two average gaps between generations
    // (updates, evaluations and checkpoint writes alike; after the last one, the final evaluation and export).
    const kill = { generation: 1 + Math.floor(rand() * generations), delay: Math.floor(rand() * 2 * gap) };
    const delay = kill.delay;
    const killed = await run([...RUN, '--out', dir], dir, kill);
    const row = { i, delay, killedBySignal: killed.signal === 'SIGKILL', updates: null, rejected: null, leftovers: 0, resumed: false, same: false, why: '' };
    try {
      const checkpoint = new RunDirectory(dir).readCheckpoint();
      row.updates = checkpoint.updates;
      row.rejected = checkpoint.rejected.length;
      const store = new RunDirectory(dir).store;
      const named = JSON.parse(readFileSync(path.join(store.dir, 'manifest.json'), 'utf8')).generations.map((g) => `gen-${String(g.generation).padStart(6, '0')}`);
      row.leftovers = readdirSync(store.dir).filter((n) => n !== 'manifest.json' && !named.includes(n)).length;
    } catch (error) {
      row.why = `checkpoint unreadable: ${error.code ?? ''} ${error.message}`;
    }
    const resumed = await run([...RUN, '--checkpoint-every', '1000', '--resume', '--out', dir]);
    row.resumed = resumed.code === 0;
    if (!row.resumed) row.why ||= `resume exited ${resumed.code}: ${resumed.stderr.trim().split('\n').at(-1)}`;
    else {
      const sameDecoder = existsSync(path.join(dir, 'decoder.onnx')) && readFileSync(path.join(dir, 'decoder.onnx')).equals(readFileSync(path.join(reference, 'decoder.onnx')));
      const sameMetrics = isDeepStrictEqual(metricsOf(dir), metricsOf(reference));
      row.same = sameDecoder && sameMetrics;
      if (!row.same) row.why = `differs from the uninterrupted run: decoder ${sameDecoder ? 'same' : 'different'}, metrics ${sameMetrics ? 'same' : 'different'}`;
    }
    rows.push(row);
    console.log(
      `run ${i}: ${row.killedBySignal ? `killed by SIGKILL ${delay} ms after checkpoint generation ${kill.generation}` : `not killed: it ended first (code ${killed.code}), ${delay} ms after generation ${kill.generation}`}; checkpoint of update ${row.updates}, ${row.rejected} generations rejected, ${row.leftovers} half-written folders; resumed ${row.resumed ? 'to the end' : 'FAILED'}; ${row.same ? 'same bits as the uninterrupted run' : row.why}`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
  const killed = rows.filter((r) => r.killedBySignal).length;
  const loadable = rows.filter((r) => r.updates !== null && r.rejected === 0).length;
  const finished = rows.filter((r) => r.resumed).length;
  const same = rows.filter((r) => r.same).length;
  const leftovers = rows.filter((r) => r.leftovers > 0).length;
  console.log(
    `\n| runs | killed by SIGKILL | loadable checkpoint, none rejected | resumed and finished | final decoder.onnx and metrics equal to the uninterrupted run | kills that left a half-written generation |`,
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  console.log(`| ${CASES} | ${killed} | ${loadable} | ${finished} | ${same} | ${leftovers} |`);
  console.log(`checkpointed updates at the kills: ${rows.map((r) => r.updates).join(', ')}`);
  process.exitCode = killed === CASES && loadable === CASES && finished === CASES && same === CASES ? 0 : 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
