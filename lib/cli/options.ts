/**
 * Options several commands share (infer, sample, train, eval): the decoder's layout, range and latent size,
 * the likelihood and its sigma, the seed and the output folder. Commander hands every value over as a
 * string; each parser here turns one into its meaning or throws LPC_INVALID_ARGUMENT naming the flag.
 */
import type { Command } from 'commander';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ImageLayout, ImageShape } from '../data/index.js';
import { describeValue, invalidArgument, LpcError } from '../errors.js';
import { likelihoodFromFlags, type LikelihoodSpec } from '../likelihoods/spec.js';
import { loadDecoder } from '../models/load-decoder.js';
import { loadEncoder } from '../models/load-encoder.js';
import type { Decoder, Encoder, EncoderScale, OutputRange } from '../models/networks.js';
import { readModel, writeModel } from '../onnx/convert.js';
import { cutGraph } from '../onnx/cut-graph.js';
import { readModelFile as readModelWithData } from '../onnx/external-data.js';

/** The decoder flags as commander passes them. */
export interface DecoderFlags {
  /** A tensor of the graph to use as the mean image, the nodes after it dropped. */
  decoderTensor?: string;
  layout?: string;
  range?: string;
  latent?: string;
  latentShape?: string;
}

/** The pretrained-encoder flags as commander passes them. */
export interface EncoderFlags {
  /** 'MU,SCALE': tensors of the graph to use as the encoder's outputs, the nodes after them dropped. */
  encoderTensors?: string;
  encoderOutput?: string;
  encoderLayout?: string;
}

/** The likelihood flags as commander passes them. */
export interface LikelihoodFlags {
  likelihood?: string;
  sigma?: string;
}

/** Adds --layout, --range, --latent, --latent-shape (how to read a pretrained decoder when its graph does not say) and --decoder-tensor. */
export function addDecoderOptions(command: Command): Command {
  return command
    .option('--layout <layout>', "axis order of the decoder's image output, nchw or nhwc (default: detected from its shape)")
    .option('--range <range>', 'what the decoder outputs: a mean in 01 ([0, 1]) or 11 ([-1, 1]), or logits (Bernoulli logits) (default: detected from its last operator, Sigmoid or Tanh)')
    .option('--latent <d>', "latent size, when the decoder's input shape leaves it open")
    .option('--latent-shape <C,h,w>', "shape of one latent, for a decoder input [batch, C, h, w] (default: the model's, open sizes found from the images' size)")
    .option('--decoder-tensor <name>', "use the graph's tensor NAME as the decoder's mean image and drop the nodes after it (for outputs such as a uint8 canvas)");
}

/** Adds --encoder-tensors (cut a pretrained encoder's graph at its mean and scale tensors). */
export function addEncoderTensorsOption(command: Command): Command {
  return command.option('--encoder-tensors <mu,scale>', "use the graph's tensors MU and SCALE as the encoder's outputs and drop the nodes after them");
}

/** The bytes of `model` cut at `names` (lib/onnx cutGraph), or `bytes` unchanged when no names are given. */
function cutAt(bytes: Uint8Array, names: readonly string[] | undefined): Uint8Array {
  return names === undefined ? bytes : writeModel(cutGraph(readModel(bytes), names));
}

/** --encoder-tensors MU,SCALE as two names. */
function parseEncoderTensors(value: string | undefined): [string, string] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((v) => v.trim());
  if (names.length !== 2 || names.some((n) => n === '')) invalidArgument('--encoder-tensors', 'two tensor names MU,SCALE', value);
  return names as [string, string];
}

/** Adds --encoder-output and --encoder-layout (how to read a pretrained encoder when its graph does not say). */
export function addEncoderOptions(command: Command): Command {
  return command
    .option('--encoder-output <kind>', "what the encoder's scale output holds, logsigma or logvar (default: logvar when its name says log_var/logvar, else logsigma)")
    .option('--encoder-layout <layout>', "axis order of the encoder's image input, nchw or nhwc (default: detected from its shape)");
}

/** Adds --likelihood and --sigma. */
export function addLikelihoodOptions(command: Command): Command {
  return command
    .option('--likelihood <kind>', 'bernoulli, gaussian or discretized (default: bernoulli for 01 decoders, discretized for 11 decoders)')
    .option('--sigma <sigma>', 'scale of the gaussian and discretized likelihoods: fixed:S, learned or optimal (default optimal)');
}

/** Adds --seed. */
export function addSeedOption(command: Command, fallback = '0'): Command {
  return command.option('--seed <n>', 'seed of every random number (a non-negative integer below 2^64)', fallback);
}

/** Adds --out (a folder, created when absent). */
export function addOutOption(command: Command, fallback: string): Command {
  return command.option('--out <dir>', 'output folder (created when absent)', fallback);
}

/** An integer flag in [min, max]; `fallback` when the flag is absent. */
export function parseInteger(flag: string, value: string | number | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) invalidArgument(flag, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`, value);
  return n;
}

/** A finite number flag > 0; `fallback` when absent. */
export function parsePositive(flag: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n <= 0) invalidArgument(flag, 'a finite number > 0', value);
  return n;
}

/** One of a fixed set of words; `fallback` when absent. */
export function parseChoice<T extends string>(flag: string, value: string | undefined, choices: readonly T[], fallback: T): T;
export function parseChoice<T extends string>(flag: string, value: string | undefined, choices: readonly T[]): T | undefined;
export function parseChoice<T extends string>(flag: string, value: string | undefined, choices: readonly T[], fallback?: T): T | undefined {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) invalidArgument(flag, `one of ${choices.join(', ')}`, value);
  return value as T;
}

/** --seed: a Philox key, a decimal integer in [0, 2^64). */
export function parseSeed(value: string | number | undefined, flag = '--seed'): bigint {
  if (value === undefined) return 0n;
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || BigInt(text) >= 1n << 64n) invalidArgument(flag, 'an integer in [0, 2^64)', value);
  return BigInt(text);
}

/** --layout. */
export function parseLayout(value: string | undefined): ImageLayout | undefined {
  return parseChoice('--layout', value, ['nchw', 'nhwc'] as const);
}

/** --range. */
export function parseRange(value: string | undefined): OutputRange | undefined {
  return parseChoice('--range', value, ['01', '11'] as const);
}

/** --range as a pretrained decoder reads it: a mean's interval, or 'logits'. */
export function parseDecoderRange(value: string | undefined): OutputRange | 'logits' | undefined {
  return parseChoice('--range', value, ['01', '11', 'logits'] as const);
}

/** --latent-shape: positive integers separated by commas, e.g. 4,8,8. */
export function parseLatentShape(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = String(value).split(',');
  if (!parts.every((p) => /^\s*[1-9][0-9]*\s*$/.test(p))) invalidArgument('--latent-shape', 'positive integers separated by commas, e.g. 4,8,8', value);
  return parts.map(Number);
}

/**
 * --likelihood and --sigma for a decoder of output range `range`. Without --likelihood: Bernoulli for a
 * sigmoid ('01') decoder, the discretised Gaussian (the Langevin PC paper's) for a tanh ('11') decoder.
 */
export function parseLikelihood(flags: LikelihoodFlags, range: OutputRange): LikelihoodSpec {
  const kind = parseChoice('--likelihood', flags.likelihood, ['bernoulli', 'gaussian', 'discretized'] as const, range === '01' ? 'bernoulli' : 'discretized');
  if (kind === 'bernoulli' && flags.sigma !== undefined) invalidArgument('--sigma', 'absent with --likelihood bernoulli (it has no scale)', flags.sigma);
  try {
    return likelihoodFromFlags(kind, flags.sigma);
  } catch (error) {
    if (error instanceof LpcError) throw new LpcError(error.code, `--${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * Reads a decoder file and works out how to use it (lib/models loadDecoder), with the flags' overrides and,
 * when given, the data's image shape. A latent size that neither the model nor --latent fixes is a coded
 * error naming the input and the flag. `bytes`, when given, are the file's content already read.
 */
export async function openDecoder(file: string, flags: DecoderFlags, imageShape?: ImageShape, bytes?: Uint8Array): Promise<Decoder> {
  const layout = parseLayout(flags.layout);
  const range = parseDecoderRange(flags.range);
  const latent = flags.latent === undefined ? undefined : parseInteger('--latent', flags.latent, 0, 1);
  const latentShape = parseLatentShape(flags.latentShape);
  // A cut graph is the decoder from here on: exports and run folders hold the cut graph.
  bytes = cutAt(bytes ?? readModelFile(file, 'decoder'), flags.decoderTensor === undefined ? undefined : [flags.decoderTensor]);
  const model = readModel(bytes);
  const g = model.graph;
  const feeds = g.inputs.filter((v) => !g.initializers.has(v.name));
  const dims = feeds.length === 1 ? feeds[0].shape : null;
  if (latent === undefined && latentShape === undefined && dims?.length === 2 && typeof dims[1] !== 'number') {
    throw new LpcError('LPC_INVALID_ARGUMENT', `the input '${feeds[0].name}' of ${file} has shape [${dims.map((v) => v ?? '?').join(', ')}], which leaves the latent size open; pass --latent d`);
  }
  let decoder: Decoder;
  try {
    decoder = await loadDecoder(model, { layout, range, latentDim: latent, latentShape, imageShape });
  } catch (error) {
    if (error instanceof LpcError && error.code === 'LPC_SHAPE_MISMATCH' && latentShape !== undefined) {
      throw new LpcError('LPC_SHAPE_MISMATCH', `--latent-shape ${latentShape.join(',')} conflicts with the decoder ${file}: ${error.message}`, { cause: error });
    }
    if (error instanceof LpcError && error.code === 'LPC_SHAPE_MISMATCH' && latent !== undefined) {
      throw new LpcError('LPC_SHAPE_MISMATCH', `--latent ${latent} conflicts with the decoder ${file}: ${error.message}; drop --latent (the model fixes it)`, { cause: error });
    }
    throw error;
  }
  return { ...decoder, source: bytes };
}

/** --encoder-output. */
export function parseEncoderOutput(value: string | undefined): EncoderScale | undefined {
  return parseChoice('--encoder-output', value, ['logsigma', 'logvar'] as const);
}

/**
 * Reads an encoder file (lib/models loadEncoder) with the flags' overrides, for images of `imageShape` and,
 * when known, latents of size `latentDim` (the decoder's): a mismatch is a coded error naming the file.
 * `bytes`, when given, are the file's content already read.
 */
export async function openEncoder(file: string, flags: EncoderFlags, imageShape: ImageShape, latentDim?: number, bytes?: Uint8Array): Promise<Encoder> {
  const encoderOutput = parseEncoderOutput(flags.encoderOutput);
  const layout = parseChoice('--encoder-layout', flags.encoderLayout, ['nchw', 'nhwc'] as const);
  bytes = cutAt(bytes ?? readModelFile(file, 'encoder'), parseEncoderTensors(flags.encoderTensors));
  try {
    const encoder = await loadEncoder(bytes, { imageShape, layout, encoderOutput, latentDim });
    return { ...encoder, source: bytes };
  } catch (error) {
    if (error instanceof LpcError && error.code === 'LPC_SHAPE_MISMATCH') {
      throw new LpcError('LPC_SHAPE_MISMATCH', `the encoder ${file} does not fit the decoder: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * The bytes of a model file, its external data embedded (from its own folder only); LPC_NOT_FOUND naming
 * the file (and what it was for) when it cannot be read.
 */
export function readModelFile(file: string, what: string): Uint8Array {
  try {
    return readModelWithData(file);
  } catch (error) {
    if (error instanceof LpcError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new LpcError(code === 'ENOENT' ? 'LPC_NOT_FOUND' : 'LPC_INVALID_ARGUMENT', `cannot read the ${what} file '${file}': ${(error as Error).message}`, { cause: error });
  }
}

/** Creates the output folder (and its parents); a file in its place is a coded error. Returns the path. */
export function prepareOutDir(dir: string | undefined, flag = '--out'): string {
  if (typeof dir !== 'string' || dir.trim() === '') invalidArgument(flag, 'a folder path', dir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `${flag} ${describeValue(dir)} cannot be used as a folder: ${(error as Error).message}`, { cause: error });
  }
  if (!statSync(dir).isDirectory()) invalidArgument(flag, 'a folder (a file has this name)', dir);
  return dir;
}

/** Writes `value` as indented JSON to `dir/name`, returning the path. */
export function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}
