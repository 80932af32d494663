/**
 * From train's flags (laid over a checkpoint's configuration when resuming) to everything a run needs: the
 * resolved TrainConfig, the training images and the fixed test images, the trainer's configuration (plain
 * data, so it can also start a worker thread), and how to reopen exported networks for evaluation. Defaults
 * come from TRAIN_DEFAULTS; combinations that make no sense are coded errors naming the flags.
 */
import path from 'node:path';
import type { ImageSet, ImageShape } from '../data/image-set.js';
import { invalidArgument, LpcError } from '../errors.js';
import type { LikelihoodSpec } from '../likelihoods/spec.js';
import type { LoadDecoderOptions } from '../models/load-decoder.js';
import type { LoadEncoderOptions } from '../models/load-encoder.js';
import type { DecoderSpec, EncoderSpec } from '../training/network-spec.js';
import type { WorkerTrainerConfig } from '../training/worker-protocol.js';
import { sliceImages } from '../data/image-set.js';
import { bytesDigest, type EvaluationSplit, evaluationImages, imagesDigest, loadCliDataset, NAMED_DATASETS } from './datasets.js';
import * as flags from './options.js';
import { CONFIG_FLAGS, type GivenConfig, LPC_FIELDS, TRAIN_CONFIG_VERSION, type TrainConfig } from './train-config.js';
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
  const datasetName = (NAMED_DATASETS as readonly string[]).includes(dataset.name) ? dataset.name : path.resolve(dataset.name);
  const trainCount = merged.trainImages ?? dataset.train.count;
  if (trainCount > dataset.train.count) {
    invalidArgument('--train-images', `at most ${dataset.train.count} (the training images of ${dataset.name}${validation ? ' left after the validation split' : ''})`, trainCount);
  }
  const train = sliceImages(dataset.train, 0, trainCount);
  const evalSplit: EvaluationSplit = validation ? 'validation' : 'test';
  const evalSet = dataset.validation ?? dataset.test;
  const imageShape = train.shape;
  const algo = merged.algo ?? TRAIN_DEFAULTS.algo;

  // The decoder: pretrained (from the file given, or the checkpoint's copy) or built.
  for (const key of ['layout', 'range'] as const) {
    if (merged.decoder == null && given[key] != null) invalidArgument(CONFIG_FLAGS[key], 'given only with --decoder (it describes a pretrained decoder)', given[key]);
  }
  let decoderSha256: string | null = null;
  let decoderBytes: Uint8Array | null = null;
  let latent: number;
  let range: '01' | '11';
  let layout = merged.layout ?? null;
  if (merged.decoder != null) {
    const fromFile = given.decoder !== undefined || checkpoint === null;
    decoderBytes = fromFile ? flags.readModelFile(merged.decoder, 'decoder') : checkpoint.decoder;
    decoderSha256 = fromFile ? bytesDigest(decoderBytes) : (merged.decoderSha256 ?? null);
    const decoder = await flags.openDecoder(merged.decoder, { layout: merged.layout ?? undefined, range: merged.range, latent: merged.latent?.toString() }, imageShape, decoderBytes);
    latent = decoder.latentDim;
    range = decoder.range;
    layout = decoder.layout;
  } else {
    latent = merged.latent ?? TRAIN_DEFAULTS.latent;
    range = merged.likelihood === 'discretized' ? '11' : '01';
  }
  const likelihood = flags.parseLikelihood({ likelihood: merged.likelihood, sigma: merged.sigma ?? undefined }, range);
  const sigma = likelihood.kind === 'bernoulli' ? null : (merged.sigma ?? 'optimal');
  const binarize = merged.binarize ?? false;
  if (binarize && likelihood.kind !== 'bernoulli') invalidArgument('--binarize', `given only with the bernoulli likelihood (binary pixels); the likelihood is ${likelihood.kind}`, true);

  // The encoder: the VAE always has one; LPC when it starts chains from it (the default) or trains one.
  const hasEncoder = algo === 'vae' || merged.encoder != null || (merged.init ?? TRAIN_DEFAULTS.init) === 'encoder' || merged.encoderObjective != null;
  for (const key of ['encoderOutput', 'encoderLayout'] as const) {
    if (merged.encoder == null && given[key] != null) invalidArgument(CONFIG_FLAGS[key], 'given only with --encoder (it describes a pretrained encoder)', given[key]);
  }
  let encoderSha256: string | null = null;
  let encoderBytes: Uint8Array | null = null;
  if (merged.encoder != null) {
    const fromFile = given.encoder !== undefined || checkpoint?.encoder == null;
    encoderBytes = fromFile ? flags.readModelFile(merged.encoder, 'encoder') : (checkpoint.encoder as Uint8Array);
    encoderSha256 = fromFile ? bytesDigest(encoderBytes) : (merged.encoderSha256 ?? null);
    await flags.openEncoder(merged.encoder, { encoderOutput: merged.encoderOutput ?? undefined, encoderLayout: merged.encoderLayout ?? undefined }, imageShape, latent, encoderBytes);
  }
  const arch = merged.arch ?? TRAIN_DEFAULTS.arch;
  const hidden = merged.hidden ?? (arch === 'mlp' ? [...TRAIN_DEFAULTS.hidden] : null);
  const output = range === '01' ? 'sigmoid' : 'tanh';
  const decoderSpec: DecoderSpec =
    decoderBytes !== null
      ? { kind: 'onnx', source: decoderBytes, options: { imageShape, layout: layout ?? undefined, range, latentDim: latent } }
      : { kind: arch, options: { latentDim: latent, imageShape, output, ...(hidden === null ? {} : { hidden }) } };
  const encoderOptions: LoadEncoderOptions | null = hasEncoder ? { imageShape, latentDim: latent, layout: merged.encoderLayout ?? undefined, encoderOutput: merged.encoderOutput ?? undefined } : null;
  const encoderSpec: EncoderSpec | undefined = !hasEncoder
    ? undefined
    : encoderBytes !== null
      ? { kind: 'onnx', source: encoderBytes, options: encoderOptions ?? {} }
      : { kind: arch, options: { latentDim: latent, imageShape, ...(hidden === null ? {} : { hidden }) } };

  const lpc = algo === 'lpc' ? resolveLpc(merged, hasEncoder) : refuseLpcFlags(merged);
  const batch = merged.batch ?? TRAIN_DEFAULTS.batch;
  const lr = merged.lr ?? TRAIN_DEFAULTS.lr;
  const seed = merged.seed ?? '0';
  const updatesPerEpoch = Math.ceil(train.count / batch);
  const epochs = merged.epochs === undefined && merged.updates === undefined ? TRAIN_DEFAULTS.epochs : (merged.epochs ?? null);
  const updates = merged.updates ?? null;
  const evalImageCount = Math.min(merged.evalImages ?? TRAIN_DEFAULTS.evalImages, evalSet.count);
  const defaultEvalEvery = TRAIN_DEFAULTS.evalEvery === 'epoch' ? updatesPerEpoch : TRAIN_DEFAULTS.evalEvery;
  const threads = merged.threads ?? null;

  const config: TrainConfig = {
    version: TRAIN_CONFIG_VERSION,
    dataset: datasetName,
    trainImages: train.count,
    validation,
    datasetSha256: imagesDigest(train),
    imageShape: [...imageShape],
    binarize,
    algo,
    arch,
    hidden,
    latent,
    decoder: merged.decoder == null ? null : path.resolve(merged.decoder),
    decoderSha256,
    layout: decoderBytes === null ? null : layout,
    range,
    encoder: merged.encoder == null ? null : path.resolve(merged.encoder),
    encoderSha256,
    encoderOutput: merged.encoderOutput ?? null,
    encoderLayout: merged.encoderLayout ?? null,
    likelihood: likelihood.kind,
    sigma,
    batch,
    lr,
    seed,
    ...lpc,
    evalEvery: merged.evalEvery ?? defaultEvalEvery,
    evalImages: evalImageCount,
    evalIwae: merged.evalIwae ?? TRAIN_DEFAULTS.evalIwae,
    epochs,
    updates,
    checkpointEvery: merged.checkpointEvery ?? TRAIN_DEFAULTS.checkpointEvery,
    threads,
    worker: merged.worker ?? false,
  };
  const common = {
    decoder: decoderSpec,
    likelihood,
    optimizer: { kind: 'adam' as const, lr },
    binarize,
    seed: BigInt(seed),
    ...(threads === null ? {} : { threads }),
  };
  const trainer: WorkerTrainerConfig =
    algo === 'vae'
      ? { algo, options: { ...common, encoder: encoderSpec as EncoderSpec } }
      : {
          algo,
          options: {
            ...common,
            ...(encoderSpec === undefined ? {} : { encoder: encoderSpec, encoderObjective: lpc.encoderObjective ?? undefined }),
            init: lpc.init ?? undefined,
            thetaGrad: lpc.thetaGrad ?? undefined,
            ...(lpc.burnIn === null ? {} : { burnIn: lpc.burnIn }),
            langevin: {
              steps: lpc.steps as number,
              stepSize: lpc.stepSize as number,
              chains: lpc.chains as number,
              sampler: lpc.sampler ?? undefined,
              preconditioner: lpc.precond ?? undefined,
              momentum: lpc.momentum ?? undefined,
              // MALA adapts each chain's step size during the states the gradient does not use, then is exact.
              ...(lpc.sampler === 'mala' ? { mala: { warmup: lpc.burnIn ?? Math.floor((lpc.steps as number) / 2), adapt: true } } : {}),
            },
          },
        };
  return {
    config,
    train,
    evalSplit,
    evalImages: evaluationImages(evalSet, evalImageCount, binarize),
    dataset: {
      name: datasetName,
      trainImages: dataset.train.count,
      validationImages: dataset.validation?.count ?? 0,
      testImages: dataset.test.count,
      trainImagesUsed: train.count,
      binarized: binarize,
    },
    likelihood,
    trainer,
    decoderOptions: { imageShape: imageShape as ImageShape, layout: config.layout ?? undefined, range, latentDim: latent },
    encoderOptions,
    updatesPerEpoch,
    totalUpdates: updates ?? (epochs as number) * updatesPerEpoch,
  };
}

type LpcSettings = Pick<TrainConfig, (typeof LPC_FIELDS)[number]>;

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
function refuseLpcFlags(merged: GivenConfig): LpcSettings {
  for (const key of LPC_FIELDS) {
    const value = merged[key];
    if (value != null && value !== false) throw new LpcError('LPC_INVALID_ARGUMENT', `${CONFIG_FLAGS[key]} applies to --algo lpc only; the VAE has no Langevin chains`);
  }
  return { init: null, encoderObjective: null, precond: null, momentum: null, sampler: null, steps: null, stepSize: null, burnIn: null, thetaGrad: null, chains: null };
}
