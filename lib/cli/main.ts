#!/usr/bin/env node
/**
 * The `langevin-pc` command line. Each subcommand lives in its own file under ./commands and
 * registers itself on the program; this file only assembles them.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { addExamples } from './command-examples.js';
import { register as registerBench } from './commands/bench.js';
import { errorLine } from './error-line.js';
import { register as registerCheckGrad } from './commands/check-grad.js';
import { register as registerEval } from './commands/eval.js';
import { register as registerExportWeb } from './commands/export-web.js';
import { register as registerInfer } from './commands/infer.js';
import { register as registerInfo } from './commands/info.js';
import { register as registerReport } from './commands/report.js';
import { register as registerSample } from './commands/sample.js';
import { register as registerTrain } from './commands/train.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function buildProgram(): Command {
  const program = new Command('langevin-pc')
    .description('Langevin predictive coding and VAE training for ONNX latent-variable models')
    .version(pkg.version)
    // Read from argv by main() (it must work for usage errors too); declared so every command accepts it.
    .option('--verbose', 'print stack traces with errors')
    // Usage errors (unknown options, missing arguments) are thrown, not exited on, so that main() reports
    // them like every other error; subcommands inherit both settings.
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  registerCheckGrad(program);
  registerInfer(program);
  registerSample(program);
  registerTrain(program);
  registerEval(program);
  registerBench(program);
  registerReport(program);
  registerExportWeb(program);
  registerInfo(program);
  addExamples(program);
  return program;
}

/** Runs the CLI; a failure prints one line with its code on stderr (and the stack with --verbose). */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    // --help and --version end here too, with exit code 0 and their text already printed.
    if (error instanceof CommanderError && error.exitCode === 0) return 0;
    process.stderr.write(errorLine(error, argv.includes('--verbose')));
    return 1;
  }
}

// npm links the bin through a symlink, so compare real paths.
const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  // A reader that stops early (`| head`) closes the pipe: end quietly, as Unix tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  process.exitCode = await main(process.argv);
}
