/**
 * `langevin-pc train` as a process under SIGINT and kill -9, checkpointing after every update: SIGINT (in the
 * main thread and with --worker) finishes the update in progress, writes a checkpoint of exactly that update
 * and exits with 130; SIGKILL at fixed file-system calls of a run (in updates, evaluations and checkpoint
 * writes alike: most calls here are a write's) always leaves a checkpoint that loads and resumes; and every
 * interrupted run, resumed to its end, equals the uninterrupted run byte for byte.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunDirectory } from '../../lib/training/run-directory.js';
import { transpileChildScript, type ChildScript } from '../support/child-script.js';
import { runCli, tempFolder } from './support.js';
import { expectSameRun, LPC, readMetrics, TINY } from './train-support.js';

const UPDATES = 60;
// 100 digits in batches of 25: epochs of 4 updates; evaluations at 0, 20, 40 and 60.
const RUN = [...TINY, ...LPC, '--updates', String(UPDATES), '--eval-every', '20', '--checkpoint-every', '1'];
// Resumes to the end may checkpoint less often (the later option wins): faster, and the same bits.
const RESUME = [...RUN, '--checkpoint-every', '1000', '--resume'];

const tmp = tempFolder('lpc-train-signals-');
let child: ChildScript;
let killable: ChildScript;
let reference: string;
let running: ChildProcess | undefined;

beforeAll(async () => {
  child = transpileChildScript('lib/cli/main.ts', ['lib/training/worker-entry.ts']);
  killable = transpileChildScript('test/cli/fixtures/cli-killed-at-call.ts');
  // main.ts reads its version from the package.json two folders up from lib/cli; the transpiled copies' hold none.
  for (const mainFile of [child.file, path.join(path.dirname(killable.file), '..', '..', '..', 'lib', 'cli', 'main.js')]) {
    writeFileSync(path.join(path.dirname(mainFile), '..', '..', 'package.json'), JSON.stringify({ type: 'module', version: '0.0.0-test' }));
  }
  reference = path.join(tmp.dir, 'reference');
  const run = await runCli([...RUN, '--out', reference]);
  expect(run.code, run.stderr).toBe(0);
});
afterAll(() => {
  child?.dispose();
  killable?.dispose();
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

/** Runs `langevin-pc ...args` killed just before its `call`-th disk-changing file-system call; resolves when it has ended. */
function runKilledAt(args: string[], call: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [killable.file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LPC_KILL_AT_CALL: String(call) } });
    running = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (chunk) => (stdout += chunk));
    proc.stderr!.on('data', (chunk) => (stderr += chunk));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
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

  it('kill -9 at fixed file-system calls always leaves a checkpoint that loads and resumes; the final result equals the uninterrupted run', async () => {
    const dir = path.join(tmp.dir, 'kill');
    const store = new RunDirectory(dir).store;
    // Five runs, each resuming the last, killed at calls 100, 137, ..., 248: 37 apart (a prime), so that
    // successive kills fall at different points of the cycle of checkpoint writes that repeats every update.
    let last = 0;
    let leftovers = 0;
    for (let i = 0; i < 5; i++) {
      const args = [...RUN, '--out', dir, ...(i > 0 ? ['--resume'] : [])];
      const exit = await runKilledAt(args, 100 + 37 * i);
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
    // Kills inside a write leave its half-written folder (measured: 5 of 5; 20 updates checkpointed by the last).
    expect(leftovers).toBeGreaterThanOrEqual(1);
  });
});
