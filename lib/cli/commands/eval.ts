/**
 * `langevin-pc eval <DIR|decoder.onnx>`: scores a trained model on the first N test images: the test ELBO
 * (with an encoder), the importance-sampled NLL (IWAE-K), the reconstruction error, and the Fréchet distance
 * between samples and test images under the dataset's shipped feature classifier (not Inception FID). A run
 * folder supplies its dataset, binarisation, likelihood and learned sigma; flags override them.
 */
import type { Command } from 'commander';
import { LpcError } from '../../errors.js';
import { frechetDistance } from '../../eval/image-frechet-distance.js';
import type { EvaluationResult, ProposalReport } from '../../eval/evaluate.js';
import { loadCliDataset, slice, testImages } from '../datasets.js';
import { isRunFolder, openModelFile, openRunFolder, readRunFolder, type EvalModelFlags, type EvalTarget } from '../eval-target.js';
import { decoderSamples, describeLikelihood, evaluateNetworks, evaluationLikelihood } from '../evaluation.js';
import * as flags from '../options.js';

/** eval's options as commander passes them. */
export interface EvalCliOptions extends EvalModelFlags {
  iwae?: string;
  images?: string;
  seed?: string;
  threads?: string;
  json?: boolean;
}

/** What eval prints. */
export interface EvalSummary {
  images: number;
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
export const EVAL_DEFAULTS = { images: 1000, iwae: 1000 } as const;

/**
 * Evaluates and prints; returns the summary.
 *
 * @example
 * const s = await runEval('runs/mnist', { images: '500', json: true }, (t) => process.stdout.write(t));
 */
export async function runEval(target: string, options: EvalCliOptions, write: (text: string) => void): Promise<EvalSummary> {
  const iwae = flags.parseInteger('--iwae', options.iwae, EVAL_DEFAULTS.iwae, 1);
  const count = flags.parseInteger('--images', options.images, EVAL_DEFAULTS.images, 1);
  const threads = options.threads === undefined ? undefined : flags.parseInteger('--threads', options.threads, 1, 1, 1024);
  const run = isRunFolder(target) ? readRunFolder(target) : null;
  const seed = flags.parseSeed(options.seed ?? run?.config.seed);
  const dataset = loadCliDataset(options.dataset ?? run?.config.dataset ?? 'mnist');
  const binarize = options.binarize ?? run?.config.binarize ?? false;
  const model: EvalTarget = run === null ? await openModelFile(target, options, dataset.test.shape) : await openRunFolder(run, options, dataset.test.shape);
  const fixed = evaluationLikelihood(model.likelihood, model.logSigma);
  if (fixed.spec === undefined) throw new LpcError('LPC_INVALID_ARGUMENT', `--sigma: ${fixed.note}`);
  const images = testImages(dataset.test, count, binarize);
  const result = await evaluateNetworks(model.decoder, model.encoder, images, { likelihood: fixed.spec, iwae, seed, threads });
  const fd = await frechet(model, dataset, images.count, seed, threads);
  const summary: EvalSummary = {
    images: result.images,
    negElbo: result.negElbo,
    negElboStdErr: result.negElboStdErr,
    nll: result.nll,
    nllK: result.nllK,
    nllStdErr: result.nllStdErr,
    reconMse: result.reconMse,
    ...fd,
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

async function frechet(model: EvalTarget, dataset: ReturnType<typeof loadCliDataset>, count: number, seed: bigint, threads?: number): Promise<Pick<EvalSummary, 'fd' | 'fdNetwork' | 'fdReason'>> {
  const shape = model.decoder.imageShape;
  if (dataset.featureDataset === null) return { fd: null, fdNetwork: null, fdReason: `no shipped feature classifier for ${dataset.name} (only mnist and fashion-mnist)` };
  if (shape.join() !== '1,28,28') return { fd: null, fdNetwork: null, fdReason: `the feature classifiers take 28x28 grey images; the decoder makes [${shape.join(', ')}]` };
  const samples = await decoderSamples(model.decoder, count, seed, threads);
  if (model.decoder.range === '11') for (let i = 0; i < samples.length; i++) samples[i] = (samples[i] + 1) / 2;
  const result = await frechetDistance(slice(dataset.test, 0, count), samples, { dataset: dataset.featureDataset });
  return { fd: result.fd, fdNetwork: result.network, fdReason: null };
}

function formatSummary(s: EvalSummary, result: EvaluationResult): string {
  const nllName = s.normalised ? 'NLL' : 'BCE + KL bound';
  const lines = [`${s.images} test images of ${s.dataset}${s.binarized ? ' (binarised, fixed seed)' : ''}, likelihood ${s.likelihood}`];
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
    .description('score a trained model on test images: -ELBO, importance-sampled NLL, reconstruction error, Fréchet distance of samples')
    .argument('<target>', 'a run folder written by train, or a decoder .onnx file')
    .option('--dataset <name|path>', 'mnist, fashion-mnist or an image path (default: the run\'s, else mnist)')
    .option('--binarize', 'score the fixed-seed binarised copy of the test images (default: as the run was trained)')
    .option('--encoder <model.onnx>', 'an encoder for the ELBO and the encoder proposal (default: the run\'s)')
    .option('--iwae <K>', `importance samples per image (default ${EVAL_DEFAULTS.iwae})`)
    .option('--images <n>', `the first n test images (default ${EVAL_DEFAULTS.images})`);
  flags.addLikelihoodOptions(command);
  flags.addDecoderOptions(command);
  flags.addEncoderOptions(command);
  command
    .option('--seed <n>', "seed of the importance samples, Langevin runs and samples (default: the run's, else 0)")
    .option('--threads <n>', "intra-op threads of each onnxruntime session (default: onnxruntime's choice)")
    .option('--json', 'print one JSON object: {images, negElbo, nll, nllK, reconMse, fd, normalised, ...}')
    .action(async (target: string, options: EvalCliOptions) => {
      await runEval(target, options, (s) => process.stdout.write(s));
    });
}

