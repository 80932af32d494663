/**
 * The scale of the Gaussian likelihoods as graph values: a constant, a learned scalar parameter, or the
 * optimal sigma of sigma-VAE (Rybkin et al. 2021): sigma^2 = mean over the batch (all chains, all pixels) of
 * the squared error, a stop-gradient constant. For a fixed mean this maximises the batch likelihood.
 */
import { invalidArgument } from '../errors.js';
import type { GraphBuilder } from '../onnx/builder.js';
import type { Parameter } from '../onnx/params.js';
import { makeTensor } from '../onnx/tensor.js';
import { LOG_SIGMA_PARAM, type LikelihoodInput, type SigmaSpec } from './spec.js';

/** Default floor of the optimal sigma. */
export const DEFAULT_MIN_SIGMA = 1e-3;

/** A scale in the graph. */
export interface SigmaValues {
  /** log sigma: a scalar or a [1] tensor (both broadcast against [B, K]). */
  logSigma: string;
  /** 1 / sigma, likewise (a constant for a fixed sigma: exp(-log sigma) in float32 would err by ~|log sigma| ulps). */
  inverse: string;
  stopGradient: string[];
  params: Parameter[];
}

/** A per-pixel value [B, K, D] with its hidden pixels zeroed, when the input has a mask. */
export function observedOnly(input: LikelihoodInput, value: string): string {
  return input.observed === undefined ? value : input.b.op('Mul', [value, input.observed]);
}

/** Checks a sigma spec (user input). */
export function checkSigma(spec: SigmaSpec): SigmaSpec {
  if (typeof spec !== 'object' || spec === null) invalidArgument('sigma', "{ mode: 'fixed' | 'learned' | 'optimal', ... }", spec);
  const positive = (name: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) invalidArgument(name, 'a positive finite number', v);
  };
  if (spec.mode === 'fixed') positive('sigma.sigma', spec.sigma);
  else if (spec.mode === 'learned') {
    if (spec.init !== undefined) positive('sigma.init', spec.init);
  } else if (spec.mode === 'optimal') {
    if (spec.min !== undefined) positive('sigma.min', spec.min);
  } else invalidArgument('sigma.mode', "'fixed', 'learned' or 'optimal'", (spec as { mode: unknown }).mode);
  return spec;
}

/**
 * Emits log sigma. `sse` ([B, K], squared errors summed over the D pixels, or over the observed ones with
 * `observedCount` [B, 1] per image) is read by the optimal mode only.
 */
export function emitSigma(b: GraphBuilder, spec: SigmaSpec, sse: string, pixels: number, observedCount?: string): SigmaValues {
  if (spec.mode === 'fixed') return { logSigma: b.scalar(Math.log(spec.sigma), 'float32'), inverse: b.scalar(1 / spec.sigma, 'float32'), stopGradient: [], params: [] };
  if (spec.mode === 'learned') {
    const data = Float32Array.of(Math.log(spec.init ?? 1));
    const name = b.initializer(LOG_SIGMA_PARAM, makeTensor('float32', [1], data));
    return { logSigma: name, inverse: b.op('Exp', [b.op('Neg', [name])]), stopGradient: [], params: [{ name, dims: [1], data: data.slice(), dtype: 'float32' }] };
  }
  const floor = (spec.min ?? DEFAULT_MIN_SIGMA) ** 2;
  // Per observed pixel: with masks, the mean over chains of sse over the mean observed count per image.
  const perPixel =
    observedCount === undefined
      ? b.op('Mul', [b.reduce('ReduceMean', sse, null, false), b.scalar(1 / pixels, 'float32')])
      : b.op('Div', [b.reduce('ReduceMean', sse, null, false), b.op('Max', [b.reduce('ReduceMean', observedCount, null, false), b.scalar(1, 'float32')])]);
  const variance = b.op('Max', [perPixel, b.scalar(floor, 'float32')]);
  const logSigma = b.op('Mul', [b.op('Log', [variance]), b.scalar(0.5, 'float32')]);
  return { logSigma, inverse: b.op('Reciprocal', [b.op('Sqrt', [variance])]), stopGradient: [variance], params: [] };
}
