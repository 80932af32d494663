/**
 * The examples every subcommand's --help ends with, in one table, so that each command's help shows at least
 * one command line that works and adding a command without examples is easy to spot (a test checks them all).
 */
import type { Command } from 'commander';

/** Example command lines by subcommand. */
export const COMMAND_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  train: [
    'langevin-pc train --dataset mnist --binarize --updates 400 --out runs/lpc',
    'langevin-pc train --dataset mnist --binarize --algo vae --updates 400 --out runs/vae',
    'langevin-pc train --decoder decoder.onnx --dataset digits/ --epochs 2 --out runs/finetune',
    'langevin-pc train --decoder web-demo.onnx --decoder-tensor x_mean --dataset digits/ --epochs 2 --out runs/web-demo',
  ],
  eval: [
    'langevin-pc eval runs/lpc',
    'langevin-pc eval runs/lpc --split validation --iwae 1000 --json',
    'langevin-pc eval decoder.onnx --dataset damaged/ --mask mask.png --range 01 --likelihood gaussian --sigma fixed:0.05',
  ],
  infer: ['langevin-pc infer decoder.onnx --images digits/ --out inferred'],
  sample: ['langevin-pc sample runs/lpc/decoder.onnx -n 64 --out samples'],
  'check-grad': ['langevin-pc check-grad decoder.onnx', 'langevin-pc check-grad spatial-decoder.onnx --dims height=4,width=4 --json'],
  report: ['langevin-pc report runs/lpc', 'langevin-pc report runs/lpc runs/vae --out compare.html'],
  'export-web': ['langevin-pc export-web runs/vae --serve', 'langevin-pc export-web --decoder decoder.onnx --latent 16 --out site'],
  info: ['langevin-pc info', 'langevin-pc info --json'],
  bench: ['langevin-pc bench --suite native --quick', 'langevin-pc bench --out bench-results --json', 'langevin-pc bench --suite gradients --out bench-results'],
};

/** Appends the examples of each subcommand of `program` that has some to its --help. */
export function addExamples(program: Command): void {
  for (const command of program.commands) {
    const examples = COMMAND_EXAMPLES[command.name()];
    if (examples !== undefined) command.addHelpText('after', ['', 'Examples:', ...examples.map((e) => `  ${e}`)].join('\n'));
  }
}
