/**
 * Discretised Gaussian likelihood: each pixel value is one of `bins` equally spaced levels spanning the
 * decoder's range [lo, hi] (256 on [-1, 1] for 8-bit images scaled as the paper does), and its probability is
 * the mass of N(mean, sigma^2) over the level's bin [x - delta, x + delta], delta = (hi - lo) / (2 (bins - 1)),
 * the lowest and highest bins extended to -inf and +inf, so the probabilities sum to one.
 *
 * In standard units c = (x - mean) / sigma and h = delta / sigma the bin is [c - h, c + h]. By symmetry it is
 * folded onto the upper side (c -> |c|; an open bin onto [., +inf)), where its mass is
 *   P = Q(lo) - Q(hi) = Q(lo) (1 - exp(log Q(hi) - log Q(lo))),    Q the upper tail (normal-tail.ts),
 * stable in the far tail because log Q never underflows. That difference loses relative precision when the bin
 * is narrow on the scale the density changes over, i.e. when a = h (|c| + h) is small; there (a <= 1/2, the
 * "narrow" regime) the mass is integrated instead:
 *   P = 2 h phi(c) S,  S = (1/2) int_{-1}^{1} exp(-p u - q u^2 / 2) du,  p = |c| h, q = h^2,
 * by 4-point Gauss-Legendre, S = sum_i w_i exp(-q x_i^2 / 2) cosh(p x_i), with cosh as its series to p^6
 * (p <= 1/2: the next term is below 4e-8 relative). In the wide regime |log Q(hi) - log Q(lo)| >= 1, so
 * 1 - exp(.) >= 0.63 and the subtraction is harmless. Each branch sees inputs clamped to where it is used.
 */
import type { GraphBuilder } from '../onnx/builder.js';
import { emitLogUpperTail } from './normal-tail.js';
import { checkSigma, emitSigma, observedOnly } from './sigma.js';
import type { Likelihood, LikelihoodInput, LikelihoodTerms, SigmaSpec } from './spec.js';
import { invalidArgument } from '../errors.js';

/** Default number of levels (8-bit images). */
export const DEFAULT_BINS = 256;
/** The largest a = h (|c| + h) integrated by quadrature. */
const NARROW_LIMIT = 0.5;
/** Stands for +inf at the open end of an edge bin: log Q of it is about -5e29, and exp of that is 0. */
const OPEN_END = 1e15;
/** Gauss-Legendre nodes and weights on [-1, 1], positive half of the symmetric 4-point rule. */
const GL_NODES = [0.33998104358485626, 0.8611363115940526];
const GL_WEIGHTS = [0.6521451548625461, 0.34785484513745385];
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** The discretised Gaussian likelihood with the given scale and number of levels. */
export function discretized(sigma: SigmaSpec, bins = DEFAULT_BINS): Likelihood {
  const spec = checkSigma(sigma);
  if (!Number.isSafeInteger(bins) || bins < 2) invalidArgument('bins', 'an integer >= 2', bins);
  return {
    wantsLogits: false,
    emit(input: LikelihoodInput): LikelihoodTerms {
      const { b, x, out: mean, pixels } = input;
      const f = (v: number) => b.scalar(v, 'float32');
      const [lo, hi] = input.range === '01' ? [0, 1] : [-1, 1];
      const delta = (hi - lo) / (2 * (bins - 1));
      const diff = b.op('Sub', [x, mean]);
      const sse = b.reduce('ReduceSumSquare', observedOnly(input, diff), [2], false);
      const s = emitSigma(b, spec, sse, pixels, input.observedCount);
      const c = b.op('Mul', [diff, s.inverse]);
      const h = b.op('Mul', [s.inverse, f(delta)]);
      // Fold: the open-above bin keeps c, the open-below bin mirrors to -c, inner bins take |c|.
      const below = b.op('Less', [x, f(lo + delta)]);
      const above = b.op('Greater', [x, f(hi - delta)]);
      const edge = b.op('Or', [below, above]);
      const folded = b.op('Where', [above, c, b.op('Where', [below, b.op('Neg', [c]), b.op('Abs', [c])])]);
      const lower = b.op('Sub', [folded, h]);
      const upper = b.op('Where', [edge, f(OPEN_END), b.op('Add', [folded, h])]);
      const wide = wideLogMass(b, lower, upper);
      const narrow = narrowLogMass(b, folded, h);
      const isNarrow = b.op('And', [b.op('Not', [edge]), b.op('Not', [b.op('Greater', [b.op('Mul', [h, b.op('Add', [folded, h])]), f(NARROW_LIMIT)])])]);
      const logMass = b.op('Where', [isNarrow, narrow, wide]);
      const nll = b.op('Neg', [b.reduce('ReduceSum', observedOnly(input, logMass), [2], false)]);
      return { nll, sse, mean, stopGradient: s.stopGradient, params: s.params };
    },
  };
}

/** log(Q(lower) - Q(upper)) through log Q; the difference of logs is clamped to <= -0.1 (the wide regime has <= -1). */
function wideLogMass(b: GraphBuilder, lower: string, upper: string): string {
  const lq = emitLogUpperTail(b, lower);
  const gap = b.op('Min', [b.op('Sub', [emitLogUpperTail(b, upper), lq]), b.scalar(-0.1, 'float32')]);
  return b.op('Add', [lq, b.op('Log', [b.op('Sub', [b.scalar(1, 'float32'), b.op('Exp', [gap])])])]);
}

/** log(2 h phi(c) S) by the quadrature of the file comment; p and h are clamped to 1 outside the regime. */
function narrowLogMass(b: GraphBuilder, c: string, h: string): string {
  const f = (v: number) => b.scalar(v, 'float32');
  const hq = b.op('Min', [h, f(1)]);
  const q = b.op('Mul', [hq, hq]);
  const p = b.op('Min', [b.op('Mul', [c, hq]), f(1)]);
  const p2 = b.op('Mul', [p, p]);
  // S = sum_k A_k p^(2k), A_k = sum_i w_i exp(-q x_i^2 / 2) x_i^(2k) / (2k)!  (A_k are scalars).
  const factorial = [1, 2, 24, 720];
  const e = GL_NODES.map((xi) => b.op('Exp', [b.op('Mul', [q, f(-0.5 * xi * xi)])]));
  const A = factorial.map((fact, k) => {
    const terms = GL_NODES.map((xi, i) => b.op('Mul', [e[i], f((GL_WEIGHTS[i] * xi ** (2 * k)) / fact)]));
    return b.op('Add', terms);
  });
  let S = A[3];
  for (let k = 2; k >= 0; k--) S = b.op('Add', [b.op('Mul', [S, p2]), A[k]]);
  const logDensity = b.op('Sub', [b.op('Mul', [b.op('Mul', [c, c]), f(-0.5)]), f(LOG_SQRT_2PI)]);
  return b.op('Add', [b.op('Add', [b.op('Log', [b.op('Mul', [h, f(2)])]), logDensity]), b.op('Log', [S])]);
}
