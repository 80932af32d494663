/**
 * `train`'s flags, one row each: the configuration field it sets, its flag and argument, how its text is
 * parsed, its default (as help shows it; the values are in train-defaults.ts), the algorithms it applies to,
 * whether --resume may change it, and its help. The flag type, the field-to-flag map, the Langevin-only fields,
 * the fields --resume may change, the parsing and the command's options are all derived from this table, so a
 * new flag is one row here plus its use.
 */
import type { Command } from 'commander';
import { invalidArgument } from '../errors.js';
import { PRECONDITIONERS } from '../native/index.js';
import * as flags from './options.js';
import type { TrainConfig } from './train-config.js';
import { TRAIN_DEFAULTS as D } from './train-defaults.js';

/** One flag of `train`. */
export interface TrainFlagRow<K extends keyof TrainConfig = keyof TrainConfig> {
  /** The configuration field the flag sets. */
  readonly key: K;
  readonly flag: `--${string}`;
  /** The argument's placeholder in help; null for a switch (a boolean, true when given). */
  readonly arg: string | null;
  /** The field's value from the flag's text (switches have none). */
  readonly parse?: (text: string, flag: string) => TrainConfig[K];
  /** The default as help states it; absent when there is none to state. */
  readonly default?: string;
  /** 'lpc': refused with --algo vae (a Langevin setting). */
  readonly algos: 'all' | 'lpc';
  /** True when a resumed run may give another value (run control); otherwise it must agree with the checkpoint. */
  readonly resumable: boolean;
  /** Help text; 'encoder' and 'likelihood' rows are registered with the options other commands share. */
  readonly help: string | 'encoder' | 'likelihood';
}

const int = (min: number) => (text: string, flag: string) => flags.parseInteger(flag, text, 0, min);
const positive = (text: string, flag: string) => flags.parsePositive(flag, text, 0);
const choice =
  <T extends string>(choices: readonly T[]) =>
  (text: string, flag: string) =>
    flags.parseChoice(flag, text, choices) as T;
const text = (value: string) => value;

/**
 * The rows, in the order --resume compares fields (the first difference is the one reported). A row's type
 * argument ties its parser to its field's type.
 */
export const TRAIN_FLAGS = [
  row({
    key: 'dataset',
    flag: '--dataset',
    arg: 'name|path',
    parse: text,
    default: D.dataset,
    algos: 'all',
    resumable: false,
    help: 'mnist, fashion-mnist, or a folder of PNGs / .png / .npy / IDX file (its last tenth is held out for testing)',
  }),
  row({ key: 'trainImages', flag: '--train-images', arg: 'n', parse: int(1), algos: 'all', resumable: false, help: 'train on the first n images of the training split (default all)' }),
  row({
    key: 'validation',
    flag: '--validation',
    arg: null,
    algos: 'all',
    resumable: false,
    help: 'hold out the last 10,000 training images of mnist and fashion-mnist (the last tenth of the training part of a path), evaluate on them instead of test images, and keep the networks of the best validation NLL in DIR/best/',
  }),
  row({
    key: 'binarize',
    flag: '--binarize',
    arg: null,
    algos: 'all',
    resumable: false,
    help: 'binarise every minibatch afresh (pixel = 1 with probability its grey value) and score a fixed binarised test copy, so the Bernoulli NLL is a proper likelihood',
  }),
  row({ key: 'algo', flag: '--algo', arg: 'algo', parse: choice(['lpc', 'vae'] as const), default: D.algo, algos: 'all', resumable: false, help: 'lpc (Langevin predictive coding) or vae' }),
  row({
    key: 'arch',
    flag: '--arch',
    arg: 'arch',
    parse: choice(['mlp', 'conv'] as const),
    default: D.arch,
    algos: 'all',
    resumable: false,
    help: 'builder of the networks not loaded from files: mlp or conv',
  }),
  row({
    key: 'hidden',
    flag: '--hidden',
    arg: 'widths',
    parse: parseWidths,
    default: `${D.hidden.join(',')} for mlp, the conv builder's for conv`,
    algos: 'all',
    resumable: false,
    help: 'hidden layer widths of the builder, e.g. 512,512',
  }),
  row({
    key: 'latent',
    flag: '--latent',
    arg: 'd',
    parse: int(1),
    algos: 'all',
    resumable: false,
    help: `latent size of built networks (default ${D.latent}); with --decoder only when the model leaves it open`,
  }),
  row({
    key: 'latentShape',
    flag: '--latent-shape',
    arg: 'C,h,w',
    parse: (t) => flags.parseLatentShape(t)!,
    algos: 'all',
    resumable: false,
    help: 'a spatial latent: with --arch conv, fully convolutional networks with a [C, h, w] latent (the image side h times a power of two); with --decoder, the shape of its open latent input (default: found from the images)',
  }),
  row({
    key: 'decoder',
    flag: '--decoder',
    arg: 'model.onnx',
    parse: text,
    algos: 'all',
    resumable: true,
    help: 'start from a pretrained ONNX decoder (latent size, layout and range come from the model)',
  }),
  row({
    key: 'decoderTensor',
    flag: '--decoder-tensor',
    arg: 'name',
    parse: text,
    algos: 'all',
    resumable: false,
    help: "with --decoder: use the graph's tensor NAME as the mean image and drop the nodes after it (for outputs such as a uint8 canvas); DIR/decoder.onnx is then the cut graph",
  }),
  row({
    key: 'layout',
    flag: '--layout',
    arg: 'layout',
    parse: (t) => flags.parseLayout(t) ?? null,
    algos: 'all',
    resumable: false,
    help: 'with --decoder: axis order of its image output, nchw or nhwc (default: detected)',
  }),
  row({
    key: 'range',
    flag: '--range',
    arg: 'range',
    parse: (t) => flags.parseRange(t)!,
    algos: 'all',
    resumable: false,
    help: 'with --decoder: its output range, 01 (sigmoid) or 11 (tanh) (default: detected)',
  }),
  row({
    key: 'encoder',
    flag: '--encoder',
    arg: 'model.onnx',
    parse: text,
    algos: 'all',
    resumable: true,
    help: 'start from a pretrained ONNX encoder (outputs mu and log sigma, or log variance: see --encoder-output)',
  }),
  row({ key: 'encoderOutput', flag: '--encoder-output', arg: 'kind', parse: (t) => flags.parseEncoderOutput(t) ?? null, algos: 'all', resumable: false, help: 'encoder' }),
  row({ key: 'encoderLayout', flag: '--encoder-layout', arg: 'layout', parse: choice(['nchw', 'nhwc'] as const), algos: 'all', resumable: false, help: 'encoder' }),
  row({ key: 'likelihood', flag: '--likelihood', arg: 'kind', parse: choice(['bernoulli', 'gaussian', 'discretized'] as const), algos: 'all', resumable: false, help: 'likelihood' }),
  row({ key: 'sigma', flag: '--sigma', arg: 'sigma', parse: text, algos: 'all', resumable: false, help: 'likelihood' }),
  row({ key: 'batch', flag: '--batch', arg: 'B', parse: int(1), default: String(D.batch), algos: 'all', resumable: false, help: 'minibatch size' }),
  row({
    key: 'lr',
    flag: '--lr',
    arg: 'rate',
    parse: positive,
    default: `${D.lr.lpc} for lpc, ${D.lr.vae} for vae`,
    algos: 'all',
    resumable: false,
    help: 'Adam learning rate of decoder and encoder',
  }),
  row({
    key: 'seed',
    flag: '--seed',
    arg: 'n',
    parse: (t) => flags.parseSeed(t).toString(),
    default: '0',
    algos: 'all',
    resumable: false,
    help: 'seed of every random number: initialisation, data order, binarisation, Langevin noise, evaluation',
  }),
  row({
    key: 'init',
    flag: '--init',
    arg: 'where',
    parse: choice(['prior', 'encoder'] as const),
    default: D.init,
    algos: 'lpc',
    resumable: false,
    help: 'start chains from the prior or from an encoder trained alongside',
  }),
  row({
    key: 'encoderObjective',
    flag: '--encoder-objective',
    arg: 'kl',
    parse: choice(['forward', 'reverse', 'jeffreys'] as const),
    default: `${D.encoderObjective} when there is an encoder`,
    algos: 'lpc',
    resumable: false,
    help: 'train an encoder for warm-starts with forward, reverse or jeffreys KL',
  }),
  row({
    key: 'precond',
    flag: '--precond',
    arg: 'kind',
    parse: choice(PRECONDITIONERS),
    default: D.precond,
    algos: 'lpc',
    resumable: false,
    help: `Langevin preconditioner ${PRECONDITIONERS.join(', ')}`,
  }),
  row({ key: 'momentum', flag: '--momentum', arg: null, algos: 'lpc', resumable: false, help: "drift along the adam preconditioner's first moment (needs --precond adam)" }),
  row({
    key: 'sampler',
    flag: '--sampler',
    arg: 'kind',
    parse: choice(['ula', 'mala'] as const),
    default: D.sampler,
    algos: 'lpc',
    resumable: false,
    help: 'ula or mala (mala adapts step sizes during the burn-in, then is exact)',
  }),
  row({ key: 'steps', flag: '--steps', arg: 'T', parse: int(1), default: String(D.steps), algos: 'lpc', resumable: false, help: 'Langevin steps per minibatch' }),
  row({ key: 'stepSize', flag: '--step-size', arg: 'eta', parse: positive, default: String(D.stepSize), algos: 'lpc', resumable: false, help: 'Langevin step size' }),
  row({
    key: 'burnIn',
    flag: '--burn-in',
    arg: 'n',
    parse: int(0),
    default: `min(${D.burnIn}, T/2)`,
    algos: 'lpc',
    resumable: false,
    help: "states left out of the decoder's gradient with --theta-grad mean",
  }),
  row({
    key: 'thetaGrad',
    flag: '--theta-grad',
    arg: 'mode',
    parse: choice(['mean', 'last'] as const),
    default: D.thetaGrad,
    algos: 'lpc',
    resumable: false,
    help: 'decoder gradient from the mean over kept states or the last state',
  }),
  row({ key: 'chains', flag: '--chains', arg: 'K', parse: int(1), default: String(D.chains), algos: 'lpc', resumable: false, help: 'chains per image' }),
  row({
    key: 'evalEvery',
    flag: '--eval-every',
    arg: 'n',
    parse: int(1),
    algos: 'all',
    resumable: false,
    help: 'evaluate on the validation images (with --validation) or else the test images every n updates (default: at the end of each epoch), and always at the end',
  }),
  row({
    key: 'evalImages',
    flag: '--eval-images',
    arg: 'n',
    parse: int(1),
    default: String(D.evalImages),
    algos: 'all',
    resumable: false,
    help: 'images evaluated (the first n of the validation or test split)',
  }),
  row({
    key: 'evalIwae',
    flag: '--eval-iwae',
    arg: 'K',
    parse: int(1),
    default: String(D.evalIwae),
    algos: 'all',
    resumable: false,
    help: 'importance samples per image of the test NLL during training',
  }),
  row({ key: 'epochs', flag: '--epochs', arg: 'n', parse: int(1), default: `${D.epochs} when --updates is not given`, algos: 'all', resumable: true, help: 'train for n epochs in total' }),
  row({ key: 'updates', flag: '--updates', arg: 'n', parse: int(1), algos: 'all', resumable: true, help: 'train for n updates in total (instead of --epochs)' }),
  row({
    key: 'checkpointEvery',
    flag: '--checkpoint-every',
    arg: 'n',
    parse: int(1),
    default: String(D.checkpointEvery),
    algos: 'all',
    resumable: true,
    help: 'checkpoint every n updates, and at the end of each epoch and of the run',
  }),
  row({
    key: 'threads',
    flag: '--threads',
    arg: 'n',
    parse: (t, flag) => flags.parseInteger(flag, t, 0, 1, 1024),
    algos: 'all',
    resumable: true,
    help: "intra-op threads of each onnxruntime session (default: onnxruntime's choice); keep it fixed for bit-identical resumes",
  }),
  row({ key: 'worker', flag: '--worker', arg: null, algos: 'all', resumable: true, help: 'train in a worker thread (the main thread stays free for progress and signals)' }),
] as const;

/** A row, with its parser checked against its field's type and its flag, argument and algorithms kept literal. */
function row<K extends keyof TrainConfig, const F extends `--${string}`, const Arg extends string | null, const A extends 'all' | 'lpc'>(
  r: TrainFlagRow<K> & { flag: F; arg: Arg; algos: A },
): TrainFlagRow<K> & { key: K; flag: F; arg: Arg; algos: A } {
  return r;
}

/** The camel-case option name commander gives a flag (--train-images: trainImages). */
type OptionName<F extends string> = F extends `--${infer Rest}` ? CamelCase<Rest> : never;
type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

type Row = (typeof TRAIN_FLAGS)[number];

/** train's flags as commander passes them (only those given on the command line are present). */
export type TrainFlags = { [R in Row as OptionName<R['flag']>]?: R['arg'] extends null ? boolean : string } & {
  out?: string;
  resume?: boolean;
  json?: boolean;
};

/** The fields of the Langevin settings. */
export type LpcField = Extract<Row, { algos: 'lpc' }>['key'];

/** The Langevin settings: refused with --algo vae, and null in its configuration. */
export const LPC_FIELDS: readonly LpcField[] = TRAIN_FLAGS.filter((r): r is Extract<Row, { algos: 'lpc' }> => r.algos === 'lpc').map((r) => r.key);

/** The fields a resumed run may change. */
export const RESUMABLE_FIELDS: ReadonlySet<keyof TrainConfig> = new Set(TRAIN_FLAGS.filter((r) => r.resumable).map((r) => r.key));

/** The flags of the fields a resumed run may change (pretrained files compare by digest, so their paths may too). */
export const RESUMABLE_FLAGS: readonly string[] = TRAIN_FLAGS.filter((r) => r.resumable).map((r) => r.flag);

/** The camel-case option name of a flag, as commander passes it. */
export function optionName(flag: string): string {
  return flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Adds every row's option to `command`, in table order (the shared encoder and likelihood options where their rows are). */
export function addTrainOptions(command: Command): Command {
  const shared = new Set<string>();
  for (const r of TRAIN_FLAGS as readonly TrainFlagRow[]) {
    if (r.help === 'encoder' || r.help === 'likelihood') {
      if (!shared.has(r.help)) (r.help === 'encoder' ? flags.addEncoderOptions : flags.addLikelihoodOptions)(command);
      shared.add(r.help);
      continue;
    }
    const scope = r.algos === 'lpc' ? 'lpc: ' : '';
    const fallback = r.default === undefined ? '' : ` (default ${r.default})`;
    command.option(r.arg === null ? r.flag : `${r.flag} <${r.arg}>`, `${scope}${r.help}${fallback}`);
  }
  return command;
}

/** --hidden: comma-separated positive widths, e.g. 512,512. */
function parseWidths(value: string, flag: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) invalidArgument(flag, 'comma-separated positive layer widths, e.g. 512,512', value);
  return parts.map(Number);
}
