/**
 * From train's flags (laid over a checkpoint's configuration when resuming) to everything a run needs: the
 * resolved TrainConfig, the training images and the fixed test images, the trainer's configuration (plain
 * data, so it can also start a worker thread), and how to reopen exported networks for evaluation. Defaults
 * come from TRAIN_DEFAULTS; combinations that make no sense are coded errors naming the flags.
 */
import path from 'node:path';
import type { ImageSet, ImageShape } from '../data/image-set.js';
import type { ImageLayout } from '../data/layout.js';
import type { OutputRange } from '../models/networks.js';
import { invalidArgument, LpcError } from '../errors.js';
import type { LikelihoodSpec } from '../likelihoods/spec.js';
import type { LoadDecoderOptions } from '../models/load-decoder.js';
import type { LoadEncoderOptions } from '../models/load-encoder.js';
import { hardwareThreads } from '../native/runtime.js';
import type { DecoderSpec, EncoderSpec } from '../training/network-spec.js';
import type { WorkerTrainerConfig } from '../training/worker-protocol.js';
import { sliceImages } from '../data/image-set.js';
import { bytesDigest, type EvaluationSplit, evaluationImages, imagesDigest, loadCliDataset, NAMED_DATASETS } from './datasets.js';
import * as flags from './options.js';
import { CONFIG_FLAGS, type GivenConfig, LPC_FIELDS, TRAIN_CONFIG_VERSION, type TrainConfig } from './train-config.js';
import type { LpcField } from './train-flags.js';
import { TRAIN_DEFAULTS } from './train-defaults.js';
import { checkMomentum } from '../native/chain-settings.js';

/** A resolved run. */
export interface TrainPlan {
  readonly config: TrainConfig;
  /** The training images (the first config.trainImages of the training split, after validation is held out). */
  readonly train: ImageSet;
  /** The split evaluation during training scores: validation when held out, else test. */
  readonly evalSplit: EvaluationSplit;
  /** The images evaluation scores (the first of evalSplit, binarised once with a fixed seed when config.binarize). */
  readonly evalImages: ImageSet;
  /** What the run's data are (metrics.json's `dataset`). */
  readonly dataset: DatasetSummary;
  readonly likelihood: LikelihoodSpec;
  /** What builds the trainer, here or in a worker thread. */
  readonly trainer: WorkerTrainerConfig;
  /** How exported networks are reopened (for evaluation and sample grids). */
  readonly decoderOptions: LoadDecoderOptions;
  readonly encoderOptions: LoadEncoderOptions | null;
  /** Updates in one epoch (no batch is dropped: the last one may be smaller). */
  readonly updatesPerEpoch: number;
  /** Updates the run ends at, counting those before a resume. */
  readonly totalUpdates: number;
}

/** The data of a run, as metrics.json and `train --json` state them. */
export interface DatasetSummary {
  /** 'mnist', 'fashion-mnist' or the absolute path of the images. */
  readonly name: string;
  /** Sizes of the splits (the training split after validation is held out), whatever the run uses of them. */
  readonly trainImages: number;
  readonly validationImages: number;
  readonly testImages: number;
  /** Training images the run trains on (--train-images keeps the first ones). */
  readonly trainImagesUsed: number;
  readonly binarized: boolean;
}

/** The networks of a checkpoint, used in place of pretrained files not named again on --resume. */
export interface CheckpointNetworks {
  decoder: Uint8Array;
  encoder: Uint8Array | null;
}

/**
 * Resolves `merged` (mergeConfig's result). `given` are the flags of this command line: a pretrained file
 * given is read (and digested) from disk; one not given on --resume is taken from `checkpoint`.
 */
export async function resolveTrainPlan(merged: GivenConfig, given: GivenConfig, checkpoint: CheckpointNetworks | null): Promise<TrainPlan> {
  const validation = merged.validation ?? false;
  const dataset = loadCliDataset(merged.dataset ?? TRAIN_DEFAULTS.dataset, { validation });
  const trainCount = merged.trainImages ?? dataset.train.count;
  if (trainCount > dataset.train.count) {
    invalidArgument('--train-images', `at most ${dataset.train.count} (the training images of ${dataset.name}${validation ? ' left after the validation split' : ''})`, trainCount);
  }
  const train = sliceImages(dataset.train, 0, trainCount);
  const evalSplit: EvaluationSplit = validation ? 'validation' : 'test';
  const evalSet = dataset.validation ?? dataset.test;
  const imageShape = train.shape;
  const algo = merged.algo ?? TRAIN_DEFAULTS.algo;

  const decoder = await resolveDecoder(merged, given, checkpoint, imageShape);
  const likelihood = flags.parseLikelihood({ likelihood: merged.likelihood, sigma: merged.sigma ?? undefined }, decoder.range);
  const binarize = merged.binarize ?? false;
  if (binarize && likelihood.kind !== 'bernoulli') invalidArgument('--binarize', `given only with the bernoulli likelihood (binary pixels); the likelihood is ${likelihood.kind}`, true);
  // The VAE always has an encoder; LPC when it starts chains from one (the default) or trains one.
  const hasEncoder = algo === 'vae' || merged.encoder != null || (merged.init ?? TRAIN_DEFAULTS.init) === 'encoder' || merged.encoderObjective != null;
  const encoder = await resolveEncoder(merged, given, checkpoint, imageShape, decoder.latent);
  const lpc = algo === 'lpc' ? resolveLpc(merged, hasEncoder) : refuseLpcFlags(merged);

  const config = buildConfig(merged, { dataset, train, validation, evalSet, algo, decoder, encoder, likelihood, binarize, lpc });
  const arch = config.arch;
  const hidden = config.hidden;
  const { latent, range, layout, latentShape } = decoder;
  const shape = latentShape === null ? {} : { latentShape };
  const output = range === '01' ? 'sigmoid' : 'tanh';
  // A spatial latent is built by the conv builder's fully convolutional networks; --hidden gives their channels.
  const decoderSpec: DecoderSpec =
    decoder.bytes !== null
      ? { kind: 'onnx', source: decoder.bytes, options: { imageShape, layout: layout ?? undefined, range, latentDim: latent, ...shape } }
      : latentShape !== null
        ? { kind: 'conv-spatial', options: { latentShape, imageShape, output, ...(hidden === null ? {} : { channels: hidden }) } }
        : { kind: arch, options: { latentDim: latent, imageShape, output, ...(hidden === null ? {} : { hidden }) } };
  const encoderOptions: LoadEncoderOptions | null = hasEncoder ? { imageShape, latentDim: latent, layout: merged.encoderLayout ?? undefined, encoderOutput: merged.encoderOutput ?? undefined } : null;
  const encoderSpec: EncoderSpec | undefined = !hasEncoder
    ? undefined
    : encoder.bytes !== null
      ? { kind: 'onnx', source: encoder.bytes, options: encoderOptions ?? {} }
      : latentShape !== null && decoder.bytes === null
        ? { kind: 'conv-spatial', options: { latentShape, imageShape, ...(hidden === null ? {} : { channels: hidden }) } }
        : { kind: arch, options: { latentDim: latent, imageShape, ...(hidden === null ? {} : { hidden }) } };
  const common = {
    decoder: decoderSpec,
    likelihood,
    optimizer: { kind: 'adam' as const, lr: config.lr },
    binarize,
    seed: BigInt(config.seed),
    ...(config.threads === null ? {} : { threads: config.threads }),
  };
  const trainer: WorkerTrainerConfig =
    lpc === null
      ? { algo: 'vae', options: { ...common, encoder: encoderSpec as EncoderSpec } }
      : {
          algo: 'lpc',
          options: {
            ...common,
            ...(encoderSpec === undefined ? {} : { encoder: encoderSpec, encoderObjective: lpc.encoderObjective ?? undefined }),
            init: lpc.init,
            thetaGrad: lpc.thetaGrad,
            ...(lpc.burnIn === null ? {} : { burnIn: lpc.burnIn }),
            langevin: {
              steps: lpc.steps,
              stepSize: lpc.stepSize,
              chains: lpc.chains,
              sampler: lpc.sampler,
              preconditioner: lpc.precond,
              momentum: lpc.momentum,
              // MALA adapts each chain's step size during the states the gradient does not use, then is exact.
              ...(lpc.sampler === 'mala' ? { mala: { warmup: lpc.burnIn ?? Math.floor(lpc.steps / 2), adapt: true } } : {}),
            },
          },
        };
  const updatesPerEpoch = Math.ceil(train.count / config.batch);
  return {
    config,
    train,
    evalSplit,
    evalImages: evaluationImages(evalSet, config.evalImages, binarize),
    dataset: {
      name: config.dataset,
      trainImages: dataset.train.count,
      validationImages: dataset.validation?.count ?? 0,
      testImages: dataset.test.count,
      trainImagesUsed: train.count,
      binarized: binarize,
    },
    likelihood,
    trainer,
    decoderOptions: { imageShape: imageShape as ImageShape, layout: config.layout ?? undefined, range, latentDim: latent, ...shape },
    encoderOptions,
    updatesPerEpoch,
    totalUpdates: config.updates ?? (config.epochs ?? TRAIN_DEFAULTS.epochs) * updatesPerEpoch,
  };
}

/** A decoder as the plan needs it: its file's bytes and digest when pretrained, and what it fixes. */
interface ResolvedDecoder {
  /** The graph trained (cut at --decoder-tensor when given). */
  bytes: Uint8Array | null;
  sha256: string | null;
  latent: number;
  /** [C, h, w] of a spatial latent (given, or found from the images for a pretrained decoder); null when flat. */
  latentShape: number[] | null;
  range: OutputRange;
  layout: ImageLayout | null;
}

/** The decoder: pretrained (from the file given, or the checkpoint's copy) or to be built. */
async function resolveDecoder(merged: GivenConfig, given: GivenConfig, checkpoint: CheckpointNetworks | null, imageShape: ImageShape): Promise<ResolvedDecoder> {
  for (const key of ['layout', 'range', 'decoderTensor'] as const) {
    if (merged.decoder == null && given[key] != null) invalidArgument(CONFIG_FLAGS[key], 'given only with --decoder (it describes a pretrained decoder)', given[key]);
  }
  const givenShape = merged.latentShape ?? null;
  if (merged.decoder == null) {
    const range = merged.likelihood === 'discretized' ? '11' : '01';
    if (givenShape === null) return { bytes: null, sha256: null, latent: merged.latent ?? TRAIN_DEFAULTS.latent, latentShape: null, range, layout: merged.layout ?? null };
    if ((merged.arch ?? TRAIN_DEFAULTS.arch) !== 'conv') invalidArgument('--latent-shape', 'given with --arch conv (fully convolutional networks) or --decoder', givenShape.join(','));
    const latent = givenShape.reduce((p, d) => p * d, 1);
    if (merged.latent != null && merged.latent !== latent) invalidArgument('--latent', `${latent} (the values of --latent-shape ${givenShape.join(',')}) or not given`, merged.latent);
    return { bytes: null, sha256: null, latent, latentShape: [...givenShape], range, layout: null };
  }
  const fromFile = given.decoder !== undefined || checkpoint === null;
  const bytes = fromFile ? flags.readModelFile(merged.decoder, 'decoder') : checkpoint.decoder;
  // The file is cut at --decoder-tensor; a checkpoint holds the cut graph already (and a resumed run that names
  // another tensor is refused by the configuration check, not by a failed cut).
  const decoderTensor = fromFile ? (merged.decoderTensor ?? undefined) : undefined;
  const decoder = await flags.openDecoder(
    merged.decoder,
    { layout: merged.layout ?? undefined, range: merged.range, latent: merged.latent?.toString(), latentShape: givenShape?.join(','), decoderTensor },
    imageShape,
    bytes,
  );
  // A latent of rank > 1 is recorded (found from the images when the decoder leaves h, w open).
  const latentShape = decoder.latentShape !== undefined && decoder.latentShape.length > 1 ? [...decoder.latentShape] : null;
  // The digest is the file's as given, so that --resume with the same file (uncut) matches.
  const sha256 = fromFile ? bytesDigest(bytes) : (merged.decoderSha256 ?? null);
  return { bytes: decoder.source ?? bytes, sha256, latent: decoder.latentDim, latentShape, range: decoder.range, layout: decoder.layout };
}

/** A pretrained encoder's bytes and digest (both null when the encoder is built, or there is none). */
interface ResolvedEncoder {
  bytes: Uint8Array | null;
  sha256: string | null;
}

/** The pretrained encoder, from the file given or the checkpoint's copy, checked against the images and latent size. */
async function resolveEncoder(merged: GivenConfig, given: GivenConfig, checkpoint: CheckpointNetworks | null, imageShape: ImageShape, latent: number): Promise<ResolvedEncoder> {
  for (const key of ['encoderOutput', 'encoderLayout'] as const) {
    if (merged.encoder == null && given[key] != null) invalidArgument(CONFIG_FLAGS[key], 'given only with --encoder (it describes a pretrained encoder)', given[key]);
  }
  if (merged.encoder == null) return { bytes: null, sha256: null };
  const fromFile = given.encoder !== undefined || checkpoint?.encoder == null;
  const bytes = fromFile ? flags.readModelFile(merged.encoder, 'encoder') : (checkpoint.encoder as Uint8Array);
  await flags.openEncoder(merged.encoder, { encoderOutput: merged.encoderOutput ?? undefined, encoderLayout: merged.encoderLayout ?? undefined }, imageShape, latent, bytes);
  return { bytes, sha256: fromFile ? bytesDigest(bytes) : (merged.encoderSha256 ?? null) };
}

/** What buildConfig needs besides the merged flags: the data and networks resolved, and the Langevin settings. */
interface ConfigParts {
  dataset: ReturnType<typeof loadCliDataset>;
  train: ImageSet;
  validation: boolean;
  /** The split evaluation during training scores (validation when held out, else test). */
  evalSet: ImageSet;
  algo: 'lpc' | 'vae';
  decoder: ResolvedDecoder;
  encoder: ResolvedEncoder;
  likelihood: LikelihoodSpec;
  binarize: boolean;
  lpc: LpcSettings | null;
}

/** The resolved configuration, with every default filled in (the JSON written into checkpoints and metrics.json). */
function buildConfig(merged: GivenConfig, parts: ConfigParts): TrainConfig {
  const { dataset, train, decoder, likelihood } = parts;
  const arch = merged.arch ?? TRAIN_DEFAULTS.arch;
  const batch = merged.batch ?? TRAIN_DEFAULTS.batch;
  const updatesPerEpoch = Math.ceil(train.count / batch);
  const defaultEvalEvery = TRAIN_DEFAULTS.evalEvery === 'epoch' ? updatesPerEpoch : TRAIN_DEFAULTS.evalEvery;
  return {
    version: TRAIN_CONFIG_VERSION,
    dataset: (NAMED_DATASETS as readonly string[]).includes(dataset.name) ? dataset.name : path.resolve(dataset.name),
    trainImages: train.count,
    validation: parts.validation,
    datasetSha256: imagesDigest(train),
    imageShape: [...train.shape],
    binarize: parts.binarize,
    algo: parts.algo,
    arch,
    hidden: merged.hidden ?? (arch === 'mlp' ? [...TRAIN_DEFAULTS.hidden] : null),
    latent: decoder.latent,
    latentShape: decoder.latentShape,
    decoder: merged.decoder == null ? null : path.resolve(merged.decoder),
    decoderSha256: decoder.sha256,
    decoderTensor: decoder.bytes === null ? null : (merged.decoderTensor ?? null),
    layout: decoder.bytes === null ? null : decoder.layout,
    range: decoder.range,
    encoder: merged.encoder == null ? null : path.resolve(merged.encoder),
    encoderSha256: parts.encoder.sha256,
    encoderOutput: merged.encoderOutput ?? null,
    encoderLayout: merged.encoderLayout ?? null,
    likelihood: likelihood.kind,
    sigma: likelihood.kind === 'bernoulli' ? null : (merged.sigma ?? 'optimal'),
    batch,
    lr: merged.lr ?? TRAIN_DEFAULTS.lr[parts.algo],
    seed: merged.seed ?? '0',
    ...(parts.lpc ?? NO_LPC),
    evalEvery: merged.evalEvery ?? defaultEvalEvery,
    evalImages: Math.min(merged.evalImages ?? TRAIN_DEFAULTS.evalImages, parts.evalSet.count),
    evalIwae: merged.evalIwae ?? TRAIN_DEFAULTS.evalIwae,
    epochs: merged.epochs === undefined && merged.updates === undefined ? TRAIN_DEFAULTS.epochs : (merged.epochs ?? null),
    updates: merged.updates ?? null,
    checkpointEvery: merged.checkpointEvery ?? TRAIN_DEFAULTS.checkpointEvery,
    // Recorded even when not given (the machine's cores), so that a resume elsewhere runs bit for bit the same.
    threads: merged.threads ?? hardwareThreads(),
    worker: merged.worker ?? false,
  };
}

/**
 * The Langevin settings of an LPC run, resolved: every field has its value (only the encoder objective without
 * an encoder and the burn-in with thetaGrad 'last' are null). The VAE has none (null).
 */
type LpcSettings = { [K in LpcField]: K extends 'encoderObjective' | 'burnIn' ? TrainConfig[K] : NonNullable<TrainConfig[K]> };

/** The Langevin fields of a VAE's configuration: all null. */
const NO_LPC = Object.fromEntries(LPC_FIELDS.map((key) => [key, null])) as { [K in LpcField]: null };

function resolveLpc(merged: GivenConfig, hasEncoder: boolean): LpcSettings {
  const steps = merged.steps ?? TRAIN_DEFAULTS.steps;
  const thetaGrad = merged.thetaGrad ?? TRAIN_DEFAULTS.thetaGrad;
  const sampler = merged.sampler ?? TRAIN_DEFAULTS.sampler;
  const precond = merged.precond ?? TRAIN_DEFAULTS.precond;
  const momentum = merged.momentum ?? false;
  if (thetaGrad === 'last' && merged.burnIn != null) invalidArgument('--burn-in', 'given only with --theta-grad mean (--theta-grad last uses the final states only)', merged.burnIn);
  const burnIn = thetaGrad === 'last' ? null : (merged.burnIn ?? Math.min(TRAIN_DEFAULTS.burnIn, Math.floor(steps / 2)));
  if (burnIn !== null && burnIn >= steps) invalidArgument('--burn-in', `below --steps ${steps} (states after the burn-in feed the gradient)`, burnIn);
  checkMomentum(momentum, precond, { momentum: '--momentum', preconditioner: '--precond' });
  if (sampler === 'mala') {
    if (momentum) invalidArgument('--momentum', 'absent with --sampler mala (its proposal must not drift along a moment)', true);
    if (steps < 2) invalidArgument('--steps', 'at least 2 with --sampler mala (a warm-up then exact steps)', steps);
  }
  return {
    init: merged.init ?? (hasEncoder ? 'encoder' : 'prior'),
    encoderObjective: hasEncoder ? (merged.encoderObjective ?? TRAIN_DEFAULTS.encoderObjective) : null,
    precond,
    momentum,
    sampler,
    steps,
    stepSize: merged.stepSize ?? TRAIN_DEFAULTS.stepSize,
    burnIn,
    thetaGrad,
    chains: merged.chains ?? TRAIN_DEFAULTS.chains,
  };
}

/** The VAE has no Langevin settings: any given is a coded error naming its flag. */
function refuseLpcFlags(merged: GivenConfig): null {
  for (const key of LPC_FIELDS) {
    const value = merged[key];
    if (value != null && value !== false) throw new LpcError('LPC_INVALID_ARGUMENT', `${CONFIG_FLAGS[key]} applies to --algo lpc only; the VAE has no Langevin chains`);
  }
  return null;
}
