/**
 * `langevin-pc eval <DIR|decoder.onnx>`: scores a trained model on the first N test images: the test ELBO
 * (with an encoder), the importance-sampled NLL (IWAE-K), the reconstruction error, and the Fréchet distance
 * between samples and test images under the dataset's shipped feature classifier (not Inception FID). A run
 * folder supplies its dataset, binarisation, likelihood and learned sigma; flags override them. With --mask
 * the NLL and reconstruction error are those of the observed pixels (an encoder would read the hidden ones, so
 * none is used).
 */
import type { Command } from 'commander';
import type { ImageSet } from '../../data/image-set.js';
import { LpcError } from '../../errors.js';
import type { FeatureDataset } from '../../eval/shipped-classifiers.js';
import { frechetDistance } from '../../eval/image-frechet-distance.js';
import type { EvaluationResult, ProposalReport } from '../../eval/evaluate.js';
import { sliceImages } from '../../data/image-set.js';
import { EVALUATION_SPLITS, type EvaluationSplit, evaluationImages, evaluationSplit, loadCliDataset } from '../datasets.js';
import { isRunFolder, openModelFile, openRunFolder, readRunFolder, type EvalModelFlags, type EvalTarget } from '../eval-target.js';
import { decoderSamples, describeLikelihood, evaluateNetworks, evaluationEstimates, evaluationLikelihood } from '../evaluation.js';
import { readMaskFile } from '../mask-file.js';
import * as flags from '../options.js';

/** eval's options as commander passes them. */
export interface EvalCliOptions extends EvalModelFlags {
  iwae?: string;
  images?: string;
  split?: string;
  seed?: string;
  threads?: string;
  mask?: string;
  json?: boolean;
}

/** What eval prints. */
export interface EvalSummary {
  images: number;
  /** The split scored: 'validation' or 'test'. */
  split: EvaluationSplit;
  /** Mean test negative ELBO, nats per image; null without an encoder. */
  negElbo: number | null;
  negElboStdErr: number | null;
  /** Importance-sampled test NLL of the best proposal, nats per image. */
  nll: number;
  nllK: number;
  nllStdErr: number;
  /** Per-pixel squared reconstruction error in the [0, 1] scale. */
  reconMse: number;
  /** Fréchet distance between samples and test images under fdNetwork; null with fdReason when there is none. */
  fd: number | null;
  fdNetwork: string | null;
  fdReason: string | null;
  /** The --mask file: the numbers are about its observed pixels; null without. */
  mask: string | null;
  /** With a mask: the mean number of observed pixels per image. */
  observedPixels: number | null;
  /** False when negElbo and nll are BCE + KL on grey values, not normalised likelihoods. */
  normalised: boolean;
  units: string;
  proposal: string;
  proposals: readonly ProposalReport[];
  dataset: string;
  binarized: boolean;
  likelihood: string;
  seed: string;
}

/** Defaults of eval: enough images and samples for a tight NLL, small enough for minutes on two cores. */
const EVAL_DEFAULTS = { images: 1000, iwae: 1000 } as const;

/**
 * Evaluates and prints; returns the summary.
 *
 * @example
 * const s = await runEval('runs/mnist', { images: '500', json: true }, (t) => process.stdout.write(t));
 */
async function runEval(target: string, options: EvalCliOptions, write: (text: string) => void): Promise<EvalSummary> {
  const iwae = flags.parseInteger('--iwae', options.iwae, EVAL_DEFAULTS.iwae, 1);
  const count = flags.parseInteger('--images', options.images, EVAL_DEFAULTS.images, 1);
  const threads = options.threads === undefined ? undefined : flags.parseInteger('--threads', options.threads, 1, 1, 1024);
  const run = isRunFolder(target) ? readRunFolder(target) : null;
  const seed = flags.parseSeed(options.seed ?? run?.config.seed);
  const split = flags.parseChoice('--split', options.split, EVALUATION_SPLITS, 'test');
  const dataset = loadCliDataset(options.dataset ?? run?.config.dataset ?? 'mnist', { validation: split === 'validation' });
  const scored = evaluationSplit(dataset, split);
  const binarize = options.binarize ?? run?.config.binarize ?? false;
  if (options.mask !== undefined && options.encoder !== undefined)
    throw new LpcError('LPC_INVALID_ARGUMENT', '--mask and --encoder: the encoder would read the hidden pixels; evaluate masked images without an encoder');
  const model: EvalTarget = run === null ? await openModelFile(target, options, scored.shape) : await openRunFolder(run, options, scored.shape);
  const fixed = evaluationLikelihood(model.likelihood, model.logSigma);
  if (fixed.spec === undefined) throw new LpcError('LPC_INVALID_ARGUMENT', `--sigma: ${fixed.note}`);
  const images = evaluationImages(scored, count, binarize);
  const mask = options.mask === undefined ? undefined : readMaskFile(options.mask, images.count, images.shape);
  // A run's encoder would read the hidden pixels: a masked evaluation proposes from Langevin runs alone.
  const encoder = mask === undefined ? model.encoder : null;
  const result = await evaluateNetworks(model.decoder, encoder, images, { likelihood: fixed.spec, iwae, seed, threads, ...(mask === undefined ? {} : { mask }) });
  const fd = await frechet(model, dataset.featureDataset, dataset.name, sliceImages(scored, 0, images.count), seed, threads);
  const summary: EvalSummary = {
    images: result.images,
    split,
    ...evaluationEstimates(result),
    ...fd,
    mask: options.mask ?? null,
    observedPixels: result.observedPixels,
    normalised: result.normalised,
    units: result.normalised ? 'nats per image' : 'nats per image, BCE + KL (Bernoulli on grey values: not a normalised likelihood; pass --binarize for an NLL)',
    proposal: result.proposal,
    proposals: result.proposals,
    dataset: dataset.name,
    binarized: binarize,
    likelihood: describeLikelihood(fixed.spec),
    seed: seed.toString(),
  };
  write(options.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary, result));
  return summary;
}

/** The Fréchet distance between as many decoder samples as `real` has images and `real` (the scored split's images, not binarised). */
async function frechet(
  model: EvalTarget,
  featureDataset: FeatureDataset | null,
  datasetName: string,
  real: ImageSet,
  seed: bigint,
  threads?: number,
): Promise<Pick<EvalSummary, 'fd' | 'fdNetwork' | 'fdReason'>> {
  const shape = model.decoder.imageShape;
  if (featureDataset === null) return { fd: null, fdNetwork: null, fdReason: `no shipped feature classifier for ${datasetName} (only mnist and fashion-mnist)` };
  if (shape.join() !== '1,28,28') return { fd: null, fdNetwork: null, fdReason: `the feature classifiers take 28x28 grey images; the decoder makes [${shape.join(', ')}]` };
  const samples = await decoderSamples(model.decoder, real.count, seed, threads);
  if (model.decoder.range === '11') for (let i = 0; i < samples.length; i++) samples[i] = (samples[i] + 1) / 2;
  const result = await frechetDistance(real, samples, { dataset: featureDataset });
  return { fd: result.fd, fdNetwork: result.network, fdReason: null };
}

function formatSummary(s: EvalSummary, result: EvaluationResult): string {
  const nllName = s.normalised ? 'NLL' : 'BCE + KL bound';
  const lines = [`${s.images} ${s.split} images of ${s.dataset}${s.binarized ? ' (binarised, fixed seed)' : ''}, likelihood ${s.likelihood}`];
  if (s.mask !== null) lines.push(`mask ${s.mask}: NLL and recon MSE of the observed pixels only (${(s.observedPixels ?? 0).toFixed(1)} per image); no encoder`);
  if (s.negElbo !== null) lines.push(`-ELBO       ${s.negElbo.toFixed(2)} ± ${(s.negElboStdErr ?? 0).toFixed(2)} nats per image${s.normalised ? '' : ' (BCE + KL)'}`);
  lines.push(`${nllName.padEnd(10)} ${s.nll.toFixed(2)} ± ${s.nllStdErr.toFixed(2)} nats per image (importance sampling, K = ${s.nllK}, proposal ${s.proposal})`);
  for (const p of result.proposals) if (p.kind !== s.proposal) lines.push(`           ${p.nll.toFixed(2)} with proposal ${p.kind}`);
  lines.push(`recon MSE  ${s.reconMse.toExponential(3)} per pixel in [0, 1]`);
  lines.push(s.fd === null ? `fd         n/a: ${s.fdReason}` : `fd         ${s.fd.toFixed(3)} (${s.fdNetwork}; Fréchet distance of its features, not Inception FID)`);
  if (!s.normalised) lines.push('note: Bernoulli on grey values is not a normalised likelihood: these are BCE + KL numbers (pass --binarize for an NLL)');
  return `${lines.join('\n')}\n`;
}

/** Adds the eval subcommand to the program. */
export function register(program: Command): void {
  const command = program
    .command('eval')
    .description('score a trained model on test (or validation) images: -ELBO, importance-sampled NLL, reconstruction error, Fréchet distance of samples')
    .argument('<target>', 'a run folder written by train, or a decoder .onnx file')
    .option('--dataset <name|path>', "mnist, fashion-mnist or an image path (default: the run's, else mnist)")
    .option('--binarize', 'score the fixed-seed binarised copy of the test images (default: as the run was trained)')
    .option('--encoder <model.onnx>', "an encoder for the ELBO and the encoder proposal (default: the run's)")
    .option('--iwae <K>', `importance samples per image (default ${EVAL_DEFAULTS.iwae})`)
    .option('--images <n>', `the first n images of the split (default ${EVAL_DEFAULTS.images})`)
    .option('--split <split>', 'validation (the held-out end of the training split, as train --validation holds it out) or test (default test)')
    .option('--mask <file>', 'score the observed pixels only: a PNG or NPY, [H, W] for all images or [n, H, W], nonzero = observed (no encoder is used)');
  flags.addLikelihoodOptions(command);
  flags.addDecoderOptions(command);
  flags.addEncoderOptions(command);
  flags.addEncoderTensorsOption(command);
  command
    .option('--seed <n>', "seed of the importance samples, Langevin runs and samples (default: the run's, else 0)")
    .option('--threads <n>', "intra-op threads of each onnxruntime session (default: onnxruntime's choice)")
    .option('--json', 'print one JSON object: {images, negElbo, nll, nllK, reconMse, fd, normalised, ...}')
    .action(async (target: string, options: EvalCliOptions) => {
      await runEval(target, options, (s) => process.stdout.write(s));
    });
}
