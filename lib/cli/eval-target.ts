/**
 * What `eval` evaluates: a run folder written by `train` (its newest checkpoint: the networks, the
 * configuration and, for a learned sigma, its trained value) or a decoder .onnx file with the flags that
 * describe it. Flags given override what the run folder says.
 */
import { statSync } from 'node:fs';
import type { ImageShape } from '../data/image-set.js';
import { LpcError } from '../errors.js';
import { likelihoodFromFlags, type LikelihoodSpec } from '../likelihoods/spec.js';
import { loadDecoder } from '../models/load-decoder.js';
import { loadEncoder } from '../models/load-encoder.js';
import type { Decoder, Encoder } from '../models/networks.js';
import { RUN_FILES, type RunCheckpoint, RunDirectory } from '../training/run-directory.js';
import { TRAIN_CONFIG_VERSION, type TrainConfig } from './train-config.js';
import { learnedLogSigma } from './evaluation.js';
import * as flags from './options.js';

/** eval's flags that describe the model. */
export interface EvalModelFlags extends flags.DecoderFlags, flags.EncoderFlags, flags.LikelihoodFlags {
  encoder?: string;
  dataset?: string;
  binarize?: boolean;
}

/** The model to evaluate and the defaults its origin gives. */
export interface EvalTarget {
  decoder: Decoder;
  encoder: Encoder | null;
  /** The likelihood as trained (or as the flags say), before fixing a learned sigma. */
  likelihood: LikelihoodSpec;
  /** The trained log sigma of a learned-sigma run; null otherwise. */
  logSigma: number | null;
  /** The run's dataset and binarisation (null for a bare decoder file). */
  dataset: string | null;
  binarize: boolean;
  /** The run's seed, or null. */
  seed: string | null;
}

/** True when `target` is a folder (a run directory). */
export function isRunFolder(target: string): boolean {
  try {
    return statSync(target).isDirectory();
  } catch {
    return false;
  }
}

/** A run folder's newest checkpoint and its configuration. */
export interface RunFolder {
  readonly dir: string;
  readonly checkpoint: RunCheckpoint;
  readonly config: TrainConfig;
}

/** Reads a run folder written by `train`; coded errors when it holds no run. */
export function readRunFolder(dir: string): RunFolder {
  const run = new RunDirectory(dir);
  if (!run.hasCheckpoint())
    throw new LpcError('LPC_NOT_FOUND', `${dir} is a folder but holds no run (${RUN_FILES.checkpoint}/manifest.json); pass a run folder written by train, or a decoder .onnx file`);
  const checkpoint = run.readCheckpoint();
  const config = checkpoint.config as TrainConfig;
  if (typeof config !== 'object' || config === null || config.version !== TRAIN_CONFIG_VERSION) {
    throw new LpcError('LPC_CHECKPOINT', `the checkpoint in ${dir} holds no training configuration of version ${TRAIN_CONFIG_VERSION}`);
  }
  return { dir, checkpoint, config };
}

/** Opens the networks of a run folder for data of `imageShape` (checked against the run's). */
export async function openRunFolder(run: RunFolder, f: EvalModelFlags, imageShape: ImageShape): Promise<EvalTarget> {
  const { dir, checkpoint, config } = run;
  for (const flag of ['layout', 'range', 'latent', 'latentShape', 'decoderTensor', 'encoderOutput', 'encoderLayout', 'encoderTensors'] as const) {
    if (f[flag] !== undefined)
      throw new LpcError('LPC_INVALID_ARGUMENT', `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} describes a decoder or encoder file; a run folder records how to read its networks`);
  }
  if (config.imageShape.join() !== imageShape.join()) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `the run in ${dir} was trained on images [${config.imageShape.join(', ')}]; the evaluation data have [${imageShape.join(', ')}]`);
  }
  // Runs before the latent shape was recorded find an open one from the images again.
  const latentShape = config.latentShape == null ? {} : { latentShape: config.latentShape };
  const decoder = await loadDecoder(checkpoint.decoder, { imageShape, layout: config.layout ?? undefined, range: config.range, latentDim: config.latent, ...latentShape });
  let encoder: Encoder | null = null;
  if (f.encoder !== undefined) encoder = await flags.openEncoder(f.encoder, f, imageShape, decoder.latentDim);
  else if (checkpoint.encoder !== null)
    encoder = await loadEncoder(checkpoint.encoder, { imageShape, latentDim: config.latent, layout: config.encoderLayout ?? undefined, encoderOutput: config.encoderOutput ?? undefined });
  // Flags given replace the run's likelihood; --sigma alone keeps the run's kind.
  const kind = f.likelihood ?? config.likelihood;
  const sigma = f.sigma ?? (kind === config.likelihood ? (config.sigma ?? undefined) : undefined);
  const likelihood = f.likelihood === undefined && f.sigma === undefined ? likelihoodFromFlags(kind, sigma) : flags.parseLikelihood({ likelihood: kind, sigma }, decoder.range);
  return {
    decoder,
    encoder,
    likelihood,
    // Used only when the likelihood's sigma is 'learned': the run's trained value.
    logSigma: learnedLogSigma(checkpoint.state),
    dataset: config.dataset,
    binarize: config.binarize,
    seed: config.seed,
  };
}

/** Opens a decoder file (and --encoder) with the flags that describe them. */
export async function openModelFile(file: string, f: EvalModelFlags, imageShape: ImageShape): Promise<EvalTarget> {
  const decoder = await flags.openDecoder(file, f, imageShape);
  const encoder = f.encoder === undefined ? null : await flags.openEncoder(f.encoder, f, imageShape, decoder.latentDim);
  return { decoder, encoder, likelihood: flags.parseLikelihood(f, decoder.range), logSigma: null, dataset: null, binarize: false, seed: null };
}
