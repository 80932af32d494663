/**
 * `langevin-pc bench [--suite NAME] [--quick] [--json] [--out DIR]`: runs the benchmark suites listed in
 * bench/suites.mjs through bench/run.mjs, in child processes. From an installed package it runs the suites
 * that need only the package, which the package ships, and writes ./langevin-pc-bench/<suite>.json in the
 * working directory (never into node_modules); the others need a clone of the repository and are refused
 * with LPC_NOT_FOUND. In a clone results go to bench/results/<suite>.json and a full run regenerates
 * bench/RESULTS.md. The suite list (names, what each measures, which need a clone) is read from
 * bench/suites.mjs, the one place it is written.
 */
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LpcError, type LpcErrorCode } from '../../errors.js';

/** The command's options as commander passes them. */
export interface BenchCliOptions {
  suite?: string;
  quick?: boolean;
  json?: boolean;
  out?: string;
}

/** A suite as bench/suites.mjs lists it. */
interface BenchSuite {
  name: string;
  what: string;
  cloneOnly?: boolean;
  needs?: string;
}

/** What bench/suites.mjs exports. */
interface SuitesModule {
  SUITES: readonly BenchSuite[];
  selectSuites(name: string | undefined): { chosen?: BenchSuite[]; error?: { code: LpcErrorCode; message: string } };
}

// bench/ sits beside dist/ in the package (and beside lib/ in a clone), both two levels above this file's folder.
const BENCH_DIR = fileURLToPath(new URL('../../../bench/', import.meta.url));
const RUNNER = path.join(BENCH_DIR, 'run.mjs');
const SUITES_FILE = path.join(BENCH_DIR, 'suites.mjs');

// Loaded as a file, not imported as a module of lib/: bench/ is plain JavaScript outside the compiled tree.
const suites: SuitesModule | undefined = existsSync(SUITES_FILE) ? ((await import(new URL('../../../bench/suites.mjs', import.meta.url).href)) as SuitesModule) : undefined;

/** The suites' names and what each measures, for --help. */
function suiteList(): string {
  if (suites === undefined) return `\nSuites: none here (${SUITES_FILE} is missing).`;
  const width = Math.max(...suites.SUITES.map((s) => s.name.length));
  const lines = suites.SUITES.map((s) => `  ${s.name.padEnd(width)}  ${s.what}${s.cloneOnly ? ' [clone only]' : ''}${s.needs ? `; needs ${s.needs}` : ''}`);
  return `\nSuites (in the order they run; [clone only]: needs a clone of the repository, not in the npm package):\n${lines.join('\n')}`;
}

/** Checks the suite against this installation, then runs bench/run.mjs with the options; returns its exit code. */
function runBench(options: BenchCliOptions): number {
  if (suites === undefined || !existsSync(RUNNER)) throw new LpcError('LPC_NOT_FOUND', `the benchmark suites are not here (${BENCH_DIR}): reinstall langevin-pc or run from a clone of the repository`);
  const selection = suites.selectSuites(options.suite);
  if (selection.error !== undefined) throw new LpcError(selection.error.code, selection.error.message);
  const args = [
    RUNNER,
    ...(options.suite === undefined ? [] : ['--suite', options.suite]),
    ...(options.quick ? ['--quick'] : []),
    ...(options.json ? ['--json'] : []),
    ...(options.out === undefined ? [] : ['--out', path.resolve(options.out)]),
  ];
  return spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;
}

export function register(program: Command): void {
  program
    .command('bench')
    .description(
      'run the benchmark suites: from an installed package those that need only the package, writing ./langevin-pc-bench/<suite>.json; from a clone all of them, writing bench/results/ and regenerating bench/RESULTS.md',
    )
    .option('--suite <name>', `run one suite: ${suites === undefined ? '(none here)' : suites.SUITES.map((s) => s.name).join(', ')} (default: every suite this installation has)`)
    .option('--quick', 'a short run of each suite (under two minutes each); results go to <suite>-quick.json')
    .option('--out <dir>', 'write the results to this folder (default: bench/results in a clone, ./langevin-pc-bench otherwise)')
    .option('--json', "print the suites' results as one JSON object")
    .addHelpText('after', suiteList())
    .action((options: BenchCliOptions) => {
      process.exitCode = runBench(options);
    });
}
