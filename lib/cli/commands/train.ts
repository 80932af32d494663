/**
 * `langevin-pc train`: trains a decoder (and an encoder) with Langevin predictive coding or as a VAE, on MNIST,
 * Fashion-MNIST or images from a path, evaluating on fixed test images as it goes, checkpointing crash-safely,
 * resumable bit for bit. The loop lives in ../train-run.ts, the configuration in ../train-config.ts and
 * ../train-plan.ts, the defaults in ../train-defaults.ts; this file declares the options.
 */
import type { Command } from 'commander';
import { INTERRUPTED_EXIT_CODE } from '../interrupt.js';
import { addTrainOptions, RESUMABLE_FLAGS, type TrainFlags } from '../train-flags.js';
import { runTrain } from '../train-run.js';

/** Adds the train subcommand to the program. */
export function register(program: Command): void {
  const command = program
    .command('train')
    .description('train a decoder (and encoder) with Langevin predictive coding or as a VAE; writes DIR/decoder.onnx, encoder.onnx, samples.png, metrics.json and checkpoint/');
  addTrainOptions(command);
  command
    .option('--out <dir>', 'the run folder (created when absent) (default run)')
    .option(
      '--resume',
      `continue the run in --out from its newest checkpoint, bit for bit as if never stopped; options not given keep the run's values, options given must agree (except ${RESUMABLE_FLAGS.join(', ')}; pretrained files are compared by content, not path)`,
    )
    .option('--json', 'print one JSON object (the content of metrics.json) and no progress')
    .addHelpText(
      'after',
      [
        '',
        'Ctrl-C finishes the current update, writes a checkpoint and exits with status 130 (again: exit at once).',
        'Defaults are set in lib/cli/train-defaults.ts from the evidence benchmark (bench/RESULTS.md, "Evidence: LPC vs VAE on Fashion-MNIST").',
        '',
      ].join('\n'),
    )
    .action(async (options: TrainFlags) => {
      const result = await runTrain(options, { stdout: (s) => process.stdout.write(s), stderr: process.stderr });
      if (result.interrupted) process.exitCode = INTERRUPTED_EXIT_CODE;
    });
}
