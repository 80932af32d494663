/**
 * `langevin-pc bench [--suite NAME] [--quick] [--json]`: runs the benchmark suites of a clone of the
 * repository (bench/run.mjs: update profile and roofline, threads, throughput in T, memory, peers), which write
 * bench/results/<suite>.json and regenerate bench/RESULTS.md. The npm package does not ship bench/.
 */
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LpcError } from '../../errors.js';

/** The command's options as commander passes them. */
export interface BenchCliOptions {
  suite?: string;
  quick?: boolean;
  json?: boolean;
}

/** Runs bench/run.mjs in a child process with the options; returns its exit code. */
function runBench(options: BenchCliOptions): number {
  const runner = fileURLToPath(new URL('../../../bench/run.mjs', import.meta.url));
  if (!existsSync(runner)) throw new LpcError('LPC_NOT_FOUND', `the benchmarks are not here (${runner}): they live in the repository's bench/, which the npm package does not ship; run from a clone`);
  const args = [runner, ...(options.suite === undefined ? [] : ['--suite', options.suite]), ...(options.quick ? ['--quick'] : []), ...(options.json ? ['--json'] : [])];
  return spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('run the benchmark suites of a repository clone and regenerate bench/RESULTS.md from their JSON')
    .option('--suite <name>', 'run one suite: update-profile, threads, throughput, memory or peers (default: all)')
    .option('--quick', 'a short run of each suite (under two minutes each); results go to bench/results/<suite>-quick.json')
    .option('--json', "print the suites' results as one JSON object")
    .action((options: BenchCliOptions) => {
      process.exitCode = runBench(options);
    });
}
