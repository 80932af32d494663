/**
 * `langevin-pc check-grad <model.onnx>`: checks the gradients the autodiff builds for a model against
 * finite differences (lib/onnx/check-grad.ts), before a user trains or samples it.
 */
import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import { checkGradients, type GradCheckOptions, type GradCheckResult } from '../../onnx/check-grad.js';
import { readModel } from '../../onnx/convert.js';
import { readModelFile } from '../options.js';

/** The command's options as commander passes them (strings from the command line). */
export interface CheckGradCliOptions {
  wrt?: string;
  batch?: string | number;
  seed?: string | number;
  json?: boolean;
}

function positiveInt(name: string, value: string | number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) invalidArgument(name, `an integer >= ${min}`, value);
  return n;
}

/**
 * Runs the check and prints the report to `write`; returns the exit code (0 only when the check passes).
 * `extra` passes further check options (tests use it to inject a wrong gradient rule).
 *
 * @example
 * const code = await runCheckGrad('decoder.onnx', { wrt: 'params', json: true }, (s) => process.stdout.write(s));
 */
export async function runCheckGrad(path: string, options: CheckGradCliOptions, write: (text: string) => void, extra: Omit<GradCheckOptions, 'wrt' | 'batch' | 'seed'> = {}): Promise<number> {
  const wrt = options.wrt ?? 'all';
  if (wrt !== 'inputs' && wrt !== 'params' && wrt !== 'all') invalidArgument('--wrt', "'inputs', 'params' or 'all'", wrt);
  const batch = positiveInt('--batch', options.batch, 2, 1);
  const seed = positiveInt('--seed', options.seed, 0, 0);
  const bytes = readModelFile(path, 'model');
  const result = await checkGradients(readModel(bytes), { ...extra, wrt, batch, seed });
  write(options.json ? `${JSON.stringify(toJson(result))}\n` : formatReport(path, result));
  return result.ok ? 0 : 1;
}

function toJson(r: GradCheckResult) {
  return {
    ok: r.ok,
    maxRelErr: r.maxRelErr,
    tolerance: r.tolerance,
    precision: r.precision,
    rule: r.rule,
    outputs: r.outputs,
    tensors: r.tensors.map((t) => ({ name: t.name, kind: t.kind, maxRelErr: t.maxRelErr, noise: t.noise })),
  };
}

function formatReport(path: string, r: GradCheckResult): string {
  const width = Math.max(6, ...r.tensors.map((t) => t.name.length));
  const lines = [`check-grad ${path}: ${r.tensors.length} tensors, outputs ${r.outputs.join(', ')}, ${r.precision}`, `  ${'tensor'.padEnd(width)}  kind    max rel err        noise of L`];
  for (const t of r.tensors) {
    lines.push(
      `  ${t.name.padEnd(width)}  ${t.kind.padEnd(6)}  ${t.maxRelErr.toExponential(2).padStart(9)}  ${(t.maxRelErr <= r.tolerance ? 'ok' : 'FAIL').padEnd(4)}  ${t.noise.toExponential(2).padStart(9)}`,
    );
  }
  lines.push(`tolerance ${r.tolerance.toExponential()} (${r.rule})`);
  lines.push(r.ok ? `OK: max relative error ${r.maxRelErr.toExponential(2)}` : `FAILED: max relative error ${r.maxRelErr.toExponential(2)} exceeds ${r.tolerance.toExponential()}`);
  return `${lines.join('\n')}\n`;
}

/** Adds the check-grad subcommand to the program. */
export function register(program: Command): void {
  program
    .command('check-grad')
    .description('check the gradient graphs of an ONNX model against finite differences')
    .argument('<model>', 'path of the .onnx file')
    .option('--wrt <what>', 'what to differentiate: inputs, params or all', 'all')
    .option('--batch <n>', 'size of dynamic dimensions', '2')
    .option('--seed <n>', 'seed of inputs, projections and directions', '0')
    .option('--json', 'print one JSON object')
    .action(async (path: string, options: CheckGradCliOptions) => {
      process.exitCode = await runCheckGrad(path, options, (s) => process.stdout.write(s));
    });
}
