/**
 * The configuration of a training run: what `train`'s flags say, fully resolved (every default filled in,
 * the data and pretrained networks identified by digest), as plain JSON. It is written into every checkpoint
 * and into metrics.json, and `--resume` compares the resumed run's configuration with the checkpoint's,
 * field by field, naming the flag of the first field that differs.
 *
 * Resolution happens in two steps: parseTrainFlags() turns the flags given on the command line into typed
 * values (no I/O), then resolveTrainPlan() (train-plan.ts) fills in defaults and reads the data and models.
 * On --resume the flags given are laid over the checkpoint's configuration, so `train --out DIR --resume`
 * alone continues the run as it was configured.
 */
import { invalidArgument, LpcError } from '../errors.js';
import type { ImageLayout } from '../data/index.js';
import type { OutputRange } from '../models/networks.js';
import type { EncoderScale } from '../models/networks.js';
import type { Preconditioner } from '../native/chains.js';
import { PRECONDITIONERS } from '../native/index.js';
import type { SamplerKind } from '../inference/options.js';
import type { EncoderObjective } from '../training/encoder-objectives.js';
import * as flags from './options.js';

/** train's flags as commander passes them (only those given on the command line are present). */
export interface TrainFlags extends flags.DecoderFlags, flags.EncoderFlags, flags.LikelihoodFlags {
  dataset?: string;
  trainImages?: string;
  validation?: boolean;
  binarize?: boolean;
  algo?: string;
  init?: string;
  encoderObjective?: string;
  precond?: string;
  momentum?: boolean;
  sampler?: string;
  steps?: string;
  stepSize?: string;
  burnIn?: string;
  thetaGrad?: string;
  chains?: string;
  epochs?: string;
  updates?: string;
  batch?: string;
  arch?: string;
  hidden?: string;
  decoder?: string;
  encoder?: string;
  lr?: string;
  evalEvery?: string;
  evalImages?: string;
  evalIwae?: string;
  checkpointEvery?: string;
  threads?: string;
  seed?: string;
  out?: string;
  resume?: boolean;
  json?: boolean;
  worker?: boolean;
}

/** Version of the configuration format; a checkpoint of another version is refused. */
export const TRAIN_CONFIG_VERSION = 2;

/**
 * A resolved training configuration. Fields of Langevin PC are null for the VAE; `decoder`/`encoder` are the
 * pretrained files (null when built), identified by their SHA-256 digests.
 */
export interface TrainConfig {
  version: number;
  /** 'mnist', 'fashion-mnist' or an absolute path. */
  dataset: string;
  /** Training images used (the first ones of the training split, after validation is held out). */
  trainImages: number;
  /** The training split's validation part is held out, and evaluation during training scores it. */
  validation: boolean;
  /** SHA-256 of those images (imagesDigest). */
  datasetSha256: string;
  imageShape: number[];
  binarize: boolean;
  algo: 'lpc' | 'vae';
  /** Builder of the networks not loaded from files, and its hidden widths (null: the builder's default). */
  arch: 'mlp' | 'conv';
  hidden: number[] | null;
  latent: number;
  decoder: string | null;
  decoderSha256: string | null;
  layout: ImageLayout | null;
  range: OutputRange;
  encoder: string | null;
  encoderSha256: string | null;
  encoderOutput: EncoderScale | null;
  encoderLayout: ImageLayout | null;
  likelihood: 'bernoulli' | 'gaussian' | 'discretized';
  /** --sigma as given (fixed:S, learned, learned:S0, optimal); null for Bernoulli. */
  sigma: string | null;
  batch: number;
  lr: number;
  /** Decimal, as bigints do not fit JSON numbers. */
  seed: string;
  init: 'prior' | 'encoder' | null;
  /** null: no encoder (LPC from the prior) or the VAE. */
  encoderObjective: EncoderObjective | null;
  precond: Preconditioner | null;
  momentum: boolean | null;
  sampler: SamplerKind | null;
  steps: number | null;
  stepSize: number | null;
  /** null with thetaGrad 'last'. */
  burnIn: number | null;
  thetaGrad: 'mean' | 'last' | null;
  chains: number | null;
  evalEvery: number;
  evalImages: number;
  evalIwae: number;
  // Run control: these may change on --resume.
  epochs: number | null;
  updates: number | null;
  checkpointEvery: number;
  threads: number | null;
  worker: boolean;
}

/** What the given flags say, parsed; absent keys were not given. */
export type GivenConfig = Partial<TrainConfig>;

/** The flag of each field, for messages. */
export const CONFIG_FLAGS: Readonly<Record<Exclude<keyof TrainConfig, 'version'>, string>> = {
  dataset: '--dataset',
  trainImages: '--train-images',
  validation: '--validation',
  datasetSha256: '--dataset',
  imageShape: '--dataset',
  binarize: '--binarize',
  algo: '--algo',
  arch: '--arch',
  hidden: '--hidden',
  latent: '--latent',
  decoder: '--decoder',
  decoderSha256: '--decoder',
  layout: '--layout',
  range: '--range',
  encoder: '--encoder',
  encoderSha256: '--encoder',
  encoderOutput: '--encoder-output',
  encoderLayout: '--encoder-layout',
  likelihood: '--likelihood',
  sigma: '--sigma',
  batch: '--batch',
  lr: '--lr',
  seed: '--seed',
  init: '--init',
  encoderObjective: '--encoder-objective',
  precond: '--precond',
  momentum: '--momentum',
  sampler: '--sampler',
  steps: '--steps',
  stepSize: '--step-size',
  burnIn: '--burn-in',
  thetaGrad: '--theta-grad',
  chains: '--chains',
  evalEvery: '--eval-every',
  evalImages: '--eval-images',
  evalIwae: '--eval-iwae',
  epochs: '--epochs',
  updates: '--updates',
  checkpointEvery: '--checkpoint-every',
  threads: '--threads',
  worker: '--worker',
};

/** The fields of Langevin PC (refused with --algo vae). */
export const LPC_FIELDS = ['init', 'encoderObjective', 'precond', 'momentum', 'sampler', 'steps', 'stepSize', 'burnIn', 'thetaGrad', 'chains'] as const;

/**
 * Fields a resumed run may change: how long it runs, how often it checkpoints, and where it computes.
 * (Thread counts can change the last bits of onnxruntime's sums, so keep --threads for bit-identical runs.)
 * Pretrained files are compared by digest, not by path.
 */
const MAY_CHANGE = new Set<keyof TrainConfig>(['epochs', 'updates', 'checkpointEvery', 'threads', 'worker', 'decoder', 'encoder']);

/** Parses the flags given (each checked on its own; combinations are checked by resolveTrainPlan). */
export function parseTrainFlags(f: TrainFlags): GivenConfig {
  const given: GivenConfig = {};
  const int = (flag: string, value: string, min: number) => flags.parseInteger(flag, value, 0, min);
  if (f.epochs !== undefined && f.updates !== undefined) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `--epochs ${f.epochs} and --updates ${f.updates} exclude each other: give the run's length one way`);
  }
  if (f.dataset !== undefined) given.dataset = f.dataset;
  if (f.trainImages !== undefined) given.trainImages = int('--train-images', f.trainImages, 1);
  if (f.validation !== undefined) given.validation = f.validation;
  if (f.binarize !== undefined) given.binarize = f.binarize;
  if (f.algo !== undefined) given.algo = flags.parseChoice('--algo', f.algo, ['lpc', 'vae'] as const);
  if (f.arch !== undefined) given.arch = flags.parseChoice('--arch', f.arch, ['mlp', 'conv'] as const);
  if (f.hidden !== undefined) given.hidden = parseWidths(f.hidden);
  if (f.latent !== undefined) given.latent = int('--latent', f.latent, 1);
  if (f.decoder !== undefined) given.decoder = f.decoder;
  if (f.layout !== undefined) given.layout = flags.parseLayout(f.layout) ?? null;
  if (f.range !== undefined) given.range = flags.parseRange(f.range);
  if (f.encoder !== undefined) given.encoder = f.encoder;
  if (f.encoderOutput !== undefined) given.encoderOutput = flags.parseEncoderOutput(f.encoderOutput) ?? null;
  if (f.encoderLayout !== undefined) given.encoderLayout = flags.parseChoice('--encoder-layout', f.encoderLayout, ['nchw', 'nhwc'] as const);
  if (f.likelihood !== undefined) given.likelihood = flags.parseChoice('--likelihood', f.likelihood, ['bernoulli', 'gaussian', 'discretized'] as const);
  if (f.sigma !== undefined) given.sigma = f.sigma;
  if (f.batch !== undefined) given.batch = int('--batch', f.batch, 1);
  if (f.lr !== undefined) given.lr = flags.parsePositive('--lr', f.lr, 0);
  if (f.seed !== undefined) given.seed = flags.parseSeed(f.seed).toString();
  if (f.init !== undefined) given.init = flags.parseChoice('--init', f.init, ['prior', 'encoder'] as const);
  if (f.encoderObjective !== undefined) given.encoderObjective = flags.parseChoice('--encoder-objective', f.encoderObjective, ['forward', 'reverse', 'jeffreys'] as const);
  if (f.precond !== undefined) given.precond = flags.parseChoice('--precond', f.precond, PRECONDITIONERS);
  if (f.momentum !== undefined) given.momentum = f.momentum;
  if (f.sampler !== undefined) given.sampler = flags.parseChoice('--sampler', f.sampler, ['ula', 'mala'] as const);
  if (f.steps !== undefined) given.steps = int('--steps', f.steps, 1);
  if (f.stepSize !== undefined) given.stepSize = flags.parsePositive('--step-size', f.stepSize, 0);
  if (f.burnIn !== undefined) given.burnIn = int('--burn-in', f.burnIn, 0);
  if (f.thetaGrad !== undefined) given.thetaGrad = flags.parseChoice('--theta-grad', f.thetaGrad, ['mean', 'last'] as const);
  if (f.chains !== undefined) given.chains = int('--chains', f.chains, 1);
  if (f.evalEvery !== undefined) given.evalEvery = int('--eval-every', f.evalEvery, 1);
  if (f.evalImages !== undefined) given.evalImages = int('--eval-images', f.evalImages, 1);
  if (f.evalIwae !== undefined) given.evalIwae = int('--eval-iwae', f.evalIwae, 1);
  if (f.epochs !== undefined) Object.assign(given, { epochs: int('--epochs', f.epochs, 1), updates: null });
  if (f.updates !== undefined) Object.assign(given, { updates: int('--updates', f.updates, 1), epochs: null });
  if (f.checkpointEvery !== undefined) given.checkpointEvery = int('--checkpoint-every', f.checkpointEvery, 1);
  if (f.threads !== undefined) given.threads = flags.parseInteger('--threads', f.threads, 0, 1, 1024);
  if (f.worker !== undefined) given.worker = f.worker;
  return given;
}

/** --hidden: comma-separated positive widths, e.g. 512,512. */
function parseWidths(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) invalidArgument('--hidden', 'comma-separated positive layer widths, e.g. 512,512', text);
  return parts.map(Number);
}

/**
 * Throws LPC_CONFIG_MISMATCH naming the flag of the first field (in CONFIG_FLAGS order) in which `resumed`
 * differs from the checkpoint's `saved` configuration, ignoring the fields a resumed run may change.
 */
export function checkSameConfig(saved: TrainConfig, resumed: GivenConfig, where: string): void {
  if (saved.version !== TRAIN_CONFIG_VERSION) {
    throw new LpcError('LPC_CHECKPOINT', `${where} holds a configuration of version ${saved.version}; this langevin-pc reads version ${TRAIN_CONFIG_VERSION}`);
  }
  const key = firstDifference(saved, resumed, Object.keys(CONFIG_FLAGS) as (keyof typeof CONFIG_FLAGS)[]);
  if (key === null) return;
  const a = JSON.stringify(saved[key] ?? null);
  const b = JSON.stringify(resumed[key] ?? null);
  const flag = CONFIG_FLAGS[key];
  const what = key.endsWith('Sha256')
    ? `${flag} has SHA-256 ${b.slice(1, 13)}... but the run in ${where} was trained on content with SHA-256 ${a.slice(1, 13)}...`
    : `${flag} is ${b} but the run in ${where} was trained with ${a}`;
  throw new LpcError('LPC_CONFIG_MISMATCH', `${what} (field ${key}); resume with the run's settings (giving no option keeps them) or train into another --out`);
}

/**
 * The first of `keys` present in `other` whose value differs from `saved`'s (skipping what may change), or null.
 * With a partial `other` (the flags given) it finds a flag that contradicts the checkpoint before any
 * combination check, so that such a flag is reported as the mismatch it is.
 */
function firstDifference(saved: TrainConfig, other: GivenConfig, keys: readonly (keyof typeof CONFIG_FLAGS)[]): keyof typeof CONFIG_FLAGS | null {
  for (const key of keys) {
    if (MAY_CHANGE.has(key) || !(key in other)) continue;
    // Two paths may name the same images: their digests decide.
    if (key === 'dataset' && !isNamed(saved.dataset) && !isNamed(other.dataset ?? '')) continue;
    if (JSON.stringify(saved[key] ?? null) !== JSON.stringify(other[key] ?? null)) return key;
  }
  return null;
}

function isNamed(dataset: string): boolean {
  return dataset === 'mnist' || dataset === 'fashion-mnist';
}

/**
 * The configuration a run starts from: the flags given, laid over the checkpoint's configuration when resuming.
 * A given --epochs or --updates replaces the other. --worker concerns this process only and is not inherited.
 */
export function mergeConfig(given: GivenConfig, saved: TrainConfig | null): GivenConfig {
  if (saved === null) return { ...given };
  const { worker: _worker, ...inherited } = saved;
  return { ...inherited, ...given };
}
