/**
 * Gaussian likelihood with a scalar sigma: -log p(x|z) = sse / (2 sigma^2) + D log sigma + (D / 2) log(2 pi),
 * where sse is the squared error summed over the D pixels. Every constant is included, so the value is a
 * proper negative log density (of continuous data in the decoder's range). With a mask, D and the sum count
 * the observed pixels only.
 */
import { checkSigma, emitSigma, observedOnly } from './sigma.js';
import type { Likelihood, LikelihoodInput, LikelihoodTerms, SigmaSpec } from './spec.js';

/** The Gaussian likelihood with the given scale. */
export function gaussian(sigma: SigmaSpec): Likelihood {
  const spec = checkSigma(sigma);
  return {
    wantsLogits: false,
    emit(input: LikelihoodInput): LikelihoodTerms {
      const { b, x, out: mean, pixels } = input;
      const f = (v: number) => b.scalar(v, 'float32');
      const sse = b.reduce('ReduceSumSquare', observedOnly(input, b.op('Sub', [mean, x])), [2], false);
      const s = emitSigma(b, spec, sse, pixels, input.observedCount);
      const precision = b.op('Mul', [s.inverse, s.inverse]);
      const quadratic = b.op('Mul', [b.op('Mul', [sse, precision]), f(0.5)]);
      // D log sigma + (D / 2) log 2 pi, with D the observed pixels of each image when masked.
      const normaliser =
        input.observedCount === undefined
          ? b.op('Add', [b.op('Mul', [s.logSigma, f(pixels)]), f(0.5 * pixels * Math.log(2 * Math.PI))])
          : b.op('Mul', [b.op('Add', [s.logSigma, f(0.5 * Math.log(2 * Math.PI))]), input.observedCount]);
      return { nll: b.op('Add', [quadratic, normaliser]), sse, mean, stopGradient: s.stopGradient, params: s.params };
    },
  };
}
