/** `langevin-pc info [--json]`: versions, execution providers, the native build and where data sets were found. */
import type { Command } from 'commander';
import { describeSystem, systemInfo } from '../system-info.js';

/** Adds the info subcommand to the program. */
export function register(program: Command): void {
  program
    .command('info')
    .usage('[--json]')
    .description('print versions, onnxruntime execution providers, the native build (instruction sets, threads, CUDA) and where the data sets were found')
    .option('--json', 'print one JSON object')
    .action((options: { json?: boolean }) => {
      const info = systemInfo();
      process.stdout.write(options.json === true ? `${JSON.stringify(info, null, 2)}\n` : describeSystem(info));
    });
}
