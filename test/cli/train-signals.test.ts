/**
 * `langevin-pc train` as a process under SIGINT and kill -9, checkpointing after every update: SIGINT (in the
 * main thread and with --worker) finishes the update in progress, writes a checkpoint of exactly that update
 * and exits with 130; SIGKILL at seeded random moments (most of a run's time is spent writing checkpoints
 * here, so many land inside a write) always leaves a checkpoint that loads and resumes; and every interrupted
 * run, resumed to its end, equals the uninterrupted run byte for byte.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunDirectory } from '../../lib/training/run-directory.js';
import { transpileChildScript, type ChildScript } from '../support/child-script.js';
import { SeededRandom } from '../support/seeded-random.js';
import { runCli, tempFolder } from './support.js';
import { expectSameRun, LPC, readMetrics, TINY } from './train-support.js';

const UPDATES = 60;
// 100 digits in batches of 25: epochs of 4 updates; evaluations at 0, 20, 40 and 60.
const RUN = [...TINY, ...LPC, '--updates', String(UPDATES), '--eval-every', '20', '--checkpoint-every', '1'];
// Resumes to the end may checkpoint less often (the later option wins): faster, and the same bits.
const RESUME = [...RUN, '--checkpoint-every', '1000', '--resume'];

const tmp = tempFolder('lpc-train-signals-');
let child: ChildScript;
let reference: string;
let msPerUpdate: number;
let running: ChildProcess | undefined;

beforeAll(async () => {
  child = transpileChildScript('lib/cli/main.ts', ['lib/training/worker-entry.ts']);
  // main.ts reads its version from the package.json two folders up; the transpiled copy's holds none.
  writeFileSync(path.join(path.dirname(child.file), '..', '..', 'package.json'), JSON.stringify({ type: 'module', version: '0.0.0-test' }));
  reference = path.join(tmp.dir, 'reference');
  const started = performance.now();
  const run = await runCli([...RUN, '--out', reference]);
  expect(run.code, run.stderr).toBe(0);
  msPerUpdate = (performance.now() - started) / UPDATES;
});
afterAll(() => {
  child?.dispose();
  tmp.dispose();
});
// A process still running when a test fails must not outlive it.
afterEach(() => running?.kill('SIGKILL'));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The newest checkpoint generation named by the manifest, or 0 before the first. */
function generation(dir: string): number {
  return new RunDirectory(dir).store.latestGeneration() ?? 0;
}

/**
 * Starts `langevin-pc ...args`, waits until it has committed a checkpoint generation newer than `after`, then
 * calls `act` on it; resolves when the process has ended.
 */
function spawnAndAct(args: string[], dir: string, after: number, act: (proc: ChildProcess) => void): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child.file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    running = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (chunk) => (stdout += chunk));
    proc.stderr!.on('data', (chunk) => (stderr += chunk));
    const poll = setInterval(() => {
      if (generation(dir) > after) {
        clearInterval(poll);
        act(proc);
      }
    }, 5);
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearInterval(poll);
      running = undefined;
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('langevin-pc train under signals', () => {
  // With --worker also --json: the metrics are then printed on the way out as well.
  for (const mode of [[], ['--worker', '--json']]) {
    it(`SIGINT${mode.length > 0 ? ' with --worker' : ''} finishes the update, checkpoints it, exits 130, and the resumed run equals the uninterrupted one`, async () => {
      const dir = path.join(tmp.dir, `sigint${mode.length}`);
      const exit = await spawnAndAct([...RUN, ...mode, '--out', dir], dir, 0, (proc) => proc.kill('SIGINT'));
      expect(exit.signal, exit.stderr).toBeNull();
      expect(exit.code, exit.stderr).toBe(130);
      const stopped = Number(/stopped after update (\d+)/.exec(exit.stderr)?.[1]);
      expect(stopped).toBeGreaterThanOrEqual(1);
      expect(stopped).toBeLessThan(UPDATES);
      // The checkpoint holds the last update completed, as do the metrics written on the way out.
      expect(new RunDirectory(dir).readCheckpoint()).toMatchObject({ updates: stopped, rejected: [] });
      const metrics = readMetrics(dir);
      expect(metrics).toMatchObject({ interrupted: true, updates: stopped });
      expect(metrics.traces.update.at(-1)).toBe(stopped);
      if (mode.includes('--json')) expect(JSON.parse(exit.stdout)).toEqual(metrics);
      else expect(exit.stdout).toBe('');
      expect(existsSync(path.join(dir, 'decoder.onnx'))).toBe(false);
      // The report is rewritten on the way out too, and says so.
      expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain(`${stopped} updates (stopped early)`);
      // Resumed in this process (--worker is not inherited): the same bits either way.
      const resumed = await runCli([...RESUME, '--out', dir]);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(readMetrics(dir).config.worker).toBe(false);
      expectSameRun(reference, dir, false);
    });
  }

  it('kill -9 at seeded random moments always leaves a checkpoint that loads and resumes; the final result equals the uninterrupted run', async () => {
    const dir = path.join(tmp.dir, 'kill');
    const store = new RunDirectory(dir).store;
    // Delays of up to about three updates with their checkpoints (as fast or slow as this disk is), so that
    // kills land in updates, in evaluations and in checkpoint writes alike.
    const maxDelayMs = Math.max(5, Math.round(3 * msPerUpdate));
    const delays = new SeededRandom(20250301);
    let last = 0;
    let leftovers = 0;
    for (let i = 0; i < 5; i++) {
      const delay = (delays.nextUint32() % maxDelayMs) + 1;
      const args = [...RUN, '--out', dir, ...(i > 0 ? ['--resume'] : [])];
      const exit = await spawnAndAct(args, dir, generation(dir), (proc) => setTimeout(() => proc.kill('SIGKILL'), delay));
      expect(exit.signal, `run ${i} ended by itself: ${exit.stderr}`).toBe('SIGKILL');
      const named = JSON.parse(readFileSync(path.join(store.dir, 'manifest.json'), 'utf8')).generations.map((g: { generation: number }) => `gen-${String(g.generation).padStart(6, '0')}`);
      if (readdirSync(store.dir).some((n) => n !== 'manifest.json' && !named.includes(n))) leftovers++;
      const checkpoint = new RunDirectory(dir).readCheckpoint();
      // SIGKILL loses nothing the kernel accepted, so the newest generation itself is intact.
      expect(checkpoint.rejected, `after kill ${i}`).toEqual([]);
      expect(checkpoint.updates).toBeGreaterThan(last);
      last = checkpoint.updates;
    }
    expect(last).toBeLessThan(UPDATES);
    const resumed = await runCli([...RESUME, '--out', dir]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expectSameRun(reference, dir, false);
    // Most of such a run is spent writing checkpoints, so kills land inside writes (5 of 5 when measured).
    expect(leftovers).toBeGreaterThanOrEqual(1);
  });
});
