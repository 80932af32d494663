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
import { LpcError } from '../errors.js';
import type { ImageLayout } from '../data/index.js';
import type { OutputRange } from '../models/networks.js';
import type { EncoderScale } from '../models/networks.js';
import type { Preconditioner } from '../native/chains.js';
import type { SamplerKind } from '../inference/options.js';
import type { EncoderObjective } from '../training/encoder-objectives.js';
import { optionName, RESUMABLE_FIELDS, TRAIN_FLAGS, type TrainFlagRow, type TrainFlags } from './train-flags.js';

export type { TrainFlags } from './train-flags.js';

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
  /**
   * [C, h, w] of a spatial latent: given (--latent-shape, built by the conv builder's spatial networks) or found
   * from the images for a pretrained decoder with open h, w; null for a flat latent. Absent in older runs.
   */
  latentShape?: number[] | null;
  decoder: string | null;
  decoderSha256: string | null;
  /**
   * --decoder-tensor: the tensor of the pretrained decoder's graph taken as its mean image (the nodes after it
   * dropped); null when the graph's output is used. The checkpoints and DIR/decoder.onnx hold the cut graph.
   * Absent in older runs.
   */
  decoderTensor?: string | null;
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

/**
 * Fields computed from what another field's flag names (digests, the image shape): each is reported under that
 * flag and compared right after the row `after` (the images' digest after --train-images and --validation, which select them).
 */
const DERIVED_FIELDS: readonly { field: keyof TrainConfig; flagOf: keyof TrainConfig; after: keyof TrainConfig }[] = [
  { field: 'datasetSha256', flagOf: 'dataset', after: 'validation' },
  { field: 'imageShape', flagOf: 'dataset', after: 'validation' },
  { field: 'decoderSha256', flagOf: 'decoder', after: 'decoder' },
  { field: 'encoderSha256', flagOf: 'encoder', after: 'encoder' },
];

/** The flag of each field, for messages, in the order --resume compares them. */
export const CONFIG_FLAGS: Readonly<Record<Exclude<keyof TrainConfig, 'version'>, string>> = Object.fromEntries(
  TRAIN_FLAGS.flatMap((r) => [[r.key, r.flag], ...DERIVED_FIELDS.filter((d) => d.after === r.key).map((d) => [d.field, TRAIN_FLAGS.find((source) => source.key === d.flagOf)!.flag])]),
) as Record<Exclude<keyof TrainConfig, 'version'>, string>;

export { LPC_FIELDS } from './train-flags.js';

/** Parses the flags given (each checked on its own; combinations are checked by resolveTrainPlan). */
export function parseTrainFlags(f: TrainFlags): GivenConfig {
  const given: Record<string, unknown> = {};
  const options = f as Record<string, string | boolean | undefined>;
  if (options.epochs !== undefined && options.updates !== undefined) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `--epochs ${options.epochs} and --updates ${options.updates} exclude each other: give the run's length one way`);
  }
  for (const r of TRAIN_FLAGS as readonly TrainFlagRow[]) {
    const value = options[optionName(r.flag)];
    if (value === undefined) continue;
    given[r.key] = r.parse === undefined || typeof value === 'boolean' ? value : r.parse(value, r.flag);
  }
  // A run's length is given one way: the other is cleared, also over a resumed run's.
  if (options.epochs !== undefined) given.updates = null;
  if (options.updates !== undefined) given.epochs = null;
  return given as GivenConfig;
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
    // Run control (length, checkpoints, threads, worker) may change; pretrained files compare by digest, not path.
    // (Thread counts can change the last bits of onnxruntime's sums, so keep --threads for bit-identical runs.)
    if (RESUMABLE_FIELDS.has(key) || !(key in other)) continue;
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
