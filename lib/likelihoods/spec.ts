/**
 * Which likelihood p(x|z) an energy graph uses, as plain data (what the CLI's --likelihood and --sigma
 * flags parse to), and the interface each likelihood implements to emit its terms into a graph.
 */
import { invalidArgument } from '../errors.js';
import type { GraphBuilder } from '../onnx/builder.js';
import type { Parameter } from '../onnx/params.js';
import type { OutputRange } from '../models/networks.js';

/**
 * The scale of a Gaussian (or discretised Gaussian) likelihood, in the units of the decoder's output range:
 * - fixed: a constant sigma;
 * - learned: a scalar parameter `likelihood/log_sigma` trained with the decoder (initial sigma `init`, default 1);
 * - optimal: sigma^2 = the batch mean squared error per pixel, held constant for gradients (sigma-VAE),
 *   floored at `min` (default 1e-3) so that a perfect fit keeps a finite density.
 */
export type SigmaSpec = { mode: 'fixed'; sigma: number } | { mode: 'learned'; init?: number } | { mode: 'optimal'; min?: number };

/**
 * A likelihood:
 * - bernoulli: on logits (a final Sigmoid is cut); targets grey values or binary, in [0, 1] (a tanh decoder's
 *   data in [-1, 1] are mapped to (x + 1) / 2). A proper log-likelihood only for binary targets.
 * - gaussian: N(x; mean, sigma^2) per pixel, with every normalising constant.
 * - discretized: a Gaussian integrated over `bins` (default 256) equal bins spanning the decoder's output
 *   range, the outermost bins open to infinity (Salimans et al. 2017, with a Gaussian in place of a logistic).
 */
export type LikelihoodSpec = { kind: 'bernoulli' } | { kind: 'gaussian'; sigma: SigmaSpec } | { kind: 'discretized'; sigma: SigmaSpec; bins?: number };

/** The name of the learned log-sigma parameter (shape [1]). */
export const LOG_SIGMA_PARAM = 'likelihood/log_sigma';

/**
 * Parses `fixed:S`, `learned`, `learned:S0` or `optimal` (the CLI's --sigma).
 *
 * @example
 * parseSigma('fixed:0.1'); // { mode: 'fixed', sigma: 0.1 }
 */
export function parseSigma(text: string): SigmaSpec {
  const [mode, value, ...rest] = String(text).split(':');
  const number = () => {
    const v = Number(value);
    if (value === undefined || value === '' || !Number.isFinite(v) || v <= 0) invalidArgument('sigma', "'fixed:S' with S a positive number", text);
    return v;
  };
  if (rest.length === 0) {
    if (mode === 'fixed') return { mode, sigma: number() };
    if (mode === 'learned') return value === undefined ? { mode } : { mode, init: number() };
    if (mode === 'optimal' && value === undefined) return { mode };
  }
  return invalidArgument('sigma', "one of 'fixed:S', 'learned', 'learned:S0', 'optimal'", text);
}

/**
 * Builds a likelihood spec from the CLI's words (--likelihood and --sigma; sigma defaults to 'optimal').
 *
 * @example
 * likelihoodFromFlags('gaussian', 'fixed:0.1');
 */
export function likelihoodFromFlags(kind: string, sigma?: string): LikelihoodSpec {
  if (kind === 'bernoulli') {
    if (sigma !== undefined) invalidArgument('sigma', 'absent for the bernoulli likelihood', sigma);
    return { kind };
  }
  if (kind === 'gaussian' || kind === 'discretized') return { kind, sigma: parseSigma(sigma ?? 'optimal') };
  return invalidArgument('likelihood', "one of 'bernoulli', 'gaussian', 'discretized'", kind);
}

/** What the decoder output handed to a likelihood holds. */
export type OutputForm = 'mean' | 'sigmoid-logits' | 'tanh-preactivation';

/** The tensors an energy graph hands a likelihood. */
export interface LikelihoodInput {
  readonly b: GraphBuilder;
  /** The data, [B, 1, D], in the decoder's output range. */
  readonly x: string;
  /** The decoder output, [B, K, D]: its mean, or the input of its final activation (see form). */
  readonly out: string;
  readonly form: OutputForm;
  readonly range: OutputRange;
  /** D, values per image. */
  readonly pixels: number;
  /**
   * With masks: [B, 1, D], 1 where a pixel is observed and 0 where hidden (x holds 0 there). Per-pixel terms
   * are multiplied by it, so hidden pixels add nothing to the likelihood, its sigma or its error.
   */
  readonly observed?: string;
  /** With masks: observed pixels per image, [B, 1] (float). */
  readonly observedCount?: string;
}

/** What a likelihood emits. */
export interface LikelihoodTerms {
  /** -log p(x|z) per chain, [B, K]. */
  nll: string;
  /** Sum of squared errors between mean and data per chain, [B, K], in the decoder's range. */
  sse: string;
  /** The mean image, [B, K, D], in the decoder's range. */
  mean: string;
  /** Values whose gradient must be cut (the optimal sigma). */
  stopGradient: string[];
  /** Parameters the likelihood added as initializers (the learned log sigma). */
  params: Parameter[];
}

/** A likelihood's emitter. */
export interface Likelihood {
  /** True when the likelihood reads logits, so a final Sigmoid/Tanh should be cut. */
  readonly wantsLogits: boolean;
  emit(input: LikelihoodInput): LikelihoodTerms;
}
