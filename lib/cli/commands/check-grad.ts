/**
 * `langevin-pc check-grad <model.onnx>`: checks the gradients the autodiff builds for a model against
 * finite differences (lib/onnx/check-grad.ts), before a user trains or samples it.
 */
import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import { checkGradients, type GradCheckOptions, type GradCheckResult } from '../../onnx/check-grad.js';
import { inputFromValues, readInputsDir } from '../../onnx/check-grad-inputs.js';
import { readModel } from '../../onnx/convert.js';
import { cutGraph } from '../../onnx/cut-graph.js';
import { formatSizes } from '../../onnx/open-dims.js';
import { inferTypes } from '../../onnx/infer.js';
import type { Model } from '../../onnx/ir.js';
import type { Tensor } from '../../onnx/tensor.js';
import { readModelFile } from '../options.js';

/** The command's options as commander passes them (strings from the command line). */
export interface CheckGradCliOptions {
  /** Comma-separated tensor names: the graph is cut there and those tensors are differentiated. */
  outputs?: string;
  wrt?: string;
  batch?: string | number;
  /** Sizes of open dims, 'name=size,...'. */
  dims?: string;
  seed?: string | number;
  json?: boolean;
  /** `name=v1,v2,...` per input (repeatable). */
  input?: string[];
  /** A folder of input_0.pb, input_1.pb, ... TensorProto files. */
  inputs?: string;
  perturbParams?: boolean;
  perNode?: boolean;
}

function positiveInt(name: string, value: string | number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) invalidArgument(name, `an integer >= ${min}`, value);
  return n;
}

/**
 * Runs the check and prints the report to `write`; returns the exit code: 0 when the check passes, 1 for a
 * wrong gradient, 2 when the model is not finite where it was checked (no verdict).
 * `extra` passes further check options (tests use it to inject a wrong gradient rule).
 *
 * @example
 * const code = await runCheckGrad('decoder.onnx', { wrt: 'params', json: true }, (s) => process.stdout.write(s));
 */
export async function runCheckGrad(path: string, options: CheckGradCliOptions, write: (text: string) => void, extra: Omit<GradCheckOptions, 'wrt' | 'batch' | 'seed' | 'dims'> = {}): Promise<number> {
  const wrt = options.wrt ?? 'all';
  if (wrt !== 'inputs' && wrt !== 'params' && wrt !== 'all') invalidArgument('--wrt', "'inputs', 'params' or 'all'", wrt);
  const batch = positiveInt('--batch', options.batch, 2, 1);
  const seed = positiveInt('--seed', options.seed, 0, 0);
  const dims = parseDims(options.dims);
  const read = readModel(readModelFile(path, 'model'));
  const model = options.outputs === undefined ? read : cutGraph(read, parseNames(options.outputs));
  const inputs = givenInputs(model, options, batch);
  const result = await checkGradients(model, { ...extra, wrt, batch, seed, dims, inputs, perturbParams: options.perturbParams === true, perNode: options.perNode === true });
  write(options.json ? `${JSON.stringify(toJson(result))}\n` : formatReport(path, result));
  return result.status === 'ok' ? 0 : result.status === 'wrong' ? 1 : 2;
}

/** The values of --inputs DIR, then of each --input name=values (which win). */
function givenInputs(model: Model, options: CheckGradCliOptions, batch: number): Record<string, Tensor> {
  const inputs = options.inputs === undefined ? {} : readInputsDir(model, options.inputs);
  const types = inferTypes(model, { strict: () => false });
  for (const spec of options.input ?? []) {
    const match = /^([^=]+)=(.+)$/.exec(spec);
    if (match === null) invalidArgument('--input', 'name=v1,v2,... (numbers separated by commas)', spec);
    const values = match[2].split(',').map((v) => (v.trim() === '' ? NaN : Number(v)));
    if (values.some((v) => !Number.isFinite(v))) invalidArgument('--input', 'name=v1,v2,... (finite numbers separated by commas)', spec);
    inputs[match[1]] = inputFromValues(model, types, match[1], values, batch);
  }
  return inputs;
}

/** 'height=4,width=4' as { height: 4, width: 4 }; the model checks the names. */
function parseDims(text: string | undefined): Record<string, number> | undefined {
  if (text === undefined) return undefined;
  const sizes: Record<string, number> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([^=\s][^=]*?)\s*=\s*(\d+)\s*$/.exec(part);
    if (m === null || Number(m[2]) < 1) invalidArgument('--dims', "a list 'name=size,...' with sizes >= 1", text);
    if (sizes[m[1]] !== undefined) invalidArgument('--dims', 'a list naming each dim once', text);
    sizes[m[1]] = Number(m[2]);
  }
  return sizes;
}

function parseNames(value: string): string[] {
  const names = value.split(',').map((v) => v.trim());
  if (names.some((n) => n === '')) invalidArgument('--outputs', 'tensor names separated by commas', value);
  return names;
}

function toJson(r: GradCheckResult) {
  return {
    ok: r.ok,
    status: r.status,
    maxRelErr: r.maxRelErr,
    tolerance: r.tolerance,
    precision: r.precision,
    precisionFallback: r.precisionFallback,
    inputDomain: r.inputDomain,
    perturbedParams: r.perturbedParams,
    ...(r.nonFinite === undefined ? {} : { nonFinite: r.nonFinite }),
    rule: r.rule,
    outputs: r.outputs,
    dims: r.dims,
    tensors: r.tensors.map((t) => ({
      name: t.name,
      kind: t.kind,
      maxRelErr: t.maxRelErr,
      noise: t.noise,
      status: t.status,
      directions: t.directions.map((d) => ({ analytic: d.analytic, numeric: d.numeric, allowance: d.allowance, step: d.step, relErr: d.relErr })),
    })),
    ...(r.nodes === undefined ? {} : { nodes: r.nodes }),
  };
}

function formatReport(path: string, r: GradCheckResult): string {
  const width = Math.max(6, ...r.tensors.map((t) => t.name.length));
  const lines = [`check-grad ${path}: ${r.tensors.length} tensors, outputs ${r.outputs.join(', ')}, ${r.precision}, open dims ${formatSizes(r.dims)}`];
  if (r.precisionFallback !== null) lines.push(`  float32, not float64: ${r.precisionFallback}`);
  if (r.inputDomain !== null) lines.push(`  inputs drawn ${r.inputDomain}`);
  if (r.perturbedParams) lines.push('  parameters perturbed (--perturb-params)');
  if (r.tensors.length > 0) lines.push(`  ${'tensor'.padEnd(width)}  kind    max rel err        noise of L`);
  for (const t of r.tensors) {
    const label = t.status === 'ok' ? 'ok' : t.status === 'wrong' ? 'FAIL' : 'NaN';
    lines.push(`  ${t.name.padEnd(width)}  ${t.kind.padEnd(6)}  ${t.maxRelErr.toExponential(2).padStart(9)}  ${label.padEnd(4)}  ${t.noise.toExponential(2).padStart(9)}`);
  }
  for (const n of r.nodes ?? []) {
    if (n.status !== 'ok') lines.push(`  node ${n.name} (${n.opType}): ${n.status === 'wrong' ? 'FAIL' : 'not finite'}, max rel err ${n.maxRelErr?.toExponential(2) ?? '-'}`);
  }
  if (r.nodes !== undefined) lines.push(`  ${r.nodes.length} nodes checked on their own, ${r.nodes.filter((n) => n.status === 'wrong').length} wrong`);
  lines.push(`tolerance ${r.tolerance.toExponential()} (${r.rule})`);
  if (r.status === 'ok') lines.push(`OK: max relative error ${r.maxRelErr.toExponential(2)}`);
  else if (r.tensors.some((t) => t.status === 'wrong')) lines.push(`FAILED: max relative error ${r.maxRelErr.toExponential(2)} exceeds ${r.tolerance.toExponential()}`);
  else if (r.status === 'wrong') {
    const nodes = (r.nodes ?? []).filter((n) => n.status === 'wrong');
    lines.push(`FAILED: ${nodes.map((n) => `node ${n.name} (${n.opType})`).join(', ')} on its own exceeds ${r.tolerance.toExponential()} (the whole model: ${r.maxRelErr.toExponential(2)})`);
  } else lines.push(`NOT FINITE: ${r.nonFinite ?? 'the model is not finite at the base point'}; no verdict on the gradient (give inputs inside its domain with --input or --inputs)`);
  return `${lines.join('\n')}\n`;
}

/** Adds the check-grad subcommand to the program. */
export function register(program: Command): void {
  program
    .command('check-grad')
    .description('check the gradient graphs of an ONNX model against finite differences')
    .argument('<model>', 'path of the .onnx file')
    .option('--outputs <names>', 'differentiate these tensors (comma-separated), with the graph cut there (e.g. before a uint8 picture output)')
    .option('--wrt <what>', 'what to differentiate: inputs, params or all', 'all')
    .option('--batch <n>', 'size of open batch dims (the leading axis of an input)', '2')
    .option('--dims <list>', "sizes of open dims by name, 'name=size,...' (default: the smallest sizes the model runs at)")
    .option('--seed <n>', 'seed of inputs, projections and directions', '0')
    .option('--input <name=values>', 'values of an input (integers for integer inputs; one value fills it), repeatable', (v: string, all: string[] = []) => [...all, v])
    .option('--inputs <dir>', 'a folder of input_0.pb, input_1.pb, ... TensorProto files (as ONNX test data sets ship)')
    .option('--perturb-params', 'check at randomly perturbed parameters (catches rules hidden by zero or tiny weights)')
    .option('--per-node', "also check each node's vector-Jacobian product on its own")
    .option('--json', 'print one JSON object')
    .action(async (path: string, options: CheckGradCliOptions) => {
      process.exitCode = await runCheckGrad(path, options, (s) => process.stdout.write(s));
    });
}
