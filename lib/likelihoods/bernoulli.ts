/**
 * Bernoulli likelihood on logits l: -log p(x|l) = sum_j softplus(l_j) - t_j l_j, with targets t in [0, 1]
 * (binary, or grey values, which give the binary cross-entropy rather than a normalised density).
 *
 * Softplus is emitted as the ONNX operator, so that the autodiff differentiates it as Sigmoid(l) and then
 * rewrites the forward sum into the fast stable form Relu(l) - Log(Sigmoid(Abs(l))) (lib/onnx/autodiff/rewrite.ts):
 * no exp of a large logit is ever taken. Logits come from a cut Sigmoid head; a cut Tanh head gives
 * l = 2u (since (tanh(u) + 1) / 2 = sigmoid(2u)); a decoder without either gives a mean p, used as
 * l = log p - log(1 - p) with p clamped to [1e-6, 1 - 1e-6].
 */
import { floatAttr } from '../onnx/builder.js';
import type { Likelihood, LikelihoodInput, LikelihoodTerms } from './spec.js';

/** Clamp of a mean probability whose logit must be taken (float32 keeps 1 - 1e-6 distinct from 1). */
const P_CLAMP = 1e-6;

/** The Bernoulli likelihood. */
export const bernoulli: Likelihood = {
  wantsLogits: true,
  emit(input: LikelihoodInput): LikelihoodTerms {
    const { b, x } = input;
    const f = (v: number) => b.scalar(v, 'float32');
    // Targets and logits in [0, 1] terms.
    const target = input.range === '01' ? x : b.op('Mul', [b.op('Add', [x, f(1)]), f(0.5)]);
    let logits: string;
    if (input.form === 'sigmoid-logits') logits = input.out;
    else if (input.form === 'tanh-preactivation') logits = b.op('Mul', [input.out, f(2)]);
    else {
      const p01 = input.range === '01' ? input.out : b.op('Mul', [b.op('Add', [input.out, f(1)]), f(0.5)]);
      const p = b.op('Clip', b.opset >= 11 ? [p01, f(P_CLAMP), f(1 - P_CLAMP)] : [p01], b.opset >= 11 ? {} : { min: floatAttr(P_CLAMP), max: floatAttr(1 - P_CLAMP) });
      logits = b.op('Sub', [b.op('Log', [p]), b.op('Log', [b.op('Sub', [f(1), p])])]);
    }
    const softplus = b.reduce('ReduceSum', b.op('Softplus', [logits]), [2], false);
    const nll = b.op('Sub', [softplus, b.reduce('ReduceSum', b.op('Mul', [target, logits]), [2], false)]);
    const p = b.op('Sigmoid', [logits]);
    const mean = input.range === '01' ? p : b.op('Sub', [b.op('Mul', [p, f(2)]), f(1)]);
    const sse = b.reduce('ReduceSumSquare', b.op('Sub', [mean, x]), [2], false);
    return { nll, sse, mean, stopGradient: [], params: [] };
  },
};
