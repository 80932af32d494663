/**
 * Bernoulli likelihood on logits l: -log p(x|l) = sum_j softplus(l_j) - t_j l_j, with targets t in [0, 1]
 * (binary, or grey values, which give the binary cross-entropy rather than a normalised density).
 *
 * Softplus is emitted as the ONNX operator, so that the autodiff differentiates it as Sigmoid(l) and then
 * rewrites the forward sum into the fast stable form Relu(l) - Log(Sigmoid(Abs(l))) (lib/onnx/autodiff/rewrite.ts):
 * no exp of a large logit is ever taken. Logits come from a cut Sigmoid head; a cut Tanh head gives
 * l = 2u (since (tanh(u) + 1) / 2 = sigmoid(2u)). A decoder without either is refused by the energy graph
 * (a logit taken from a clamped mean has no useful gradient where the mean saturates).
 */
import { observedOnly } from './sigma.js';
import type { Likelihood, LikelihoodInput, LikelihoodTerms } from './spec.js';

/** The Bernoulli likelihood. */
export const bernoulli: Likelihood = {
  wantsLogits: true,
  emit(input: LikelihoodInput): LikelihoodTerms {
    const { b, x } = input;
    const f = (v: number) => b.scalar(v, 'float32');
    // Targets and logits in [0, 1] terms.
    const target = input.range === '01' ? x : b.op('Mul', [b.op('Add', [x, f(1)]), f(0.5)]);
    // Energy graphs refuse Bernoulli on decoders without a head, so the output is always a cut head's input.
    const logits = input.form === 'sigmoid-logits' ? input.out : b.op('Mul', [input.out, f(2)]);
    const softplus = b.reduce('ReduceSum', observedOnly(input, b.op('Softplus', [logits])), [2], false);
    const nll = b.op('Sub', [softplus, b.reduce('ReduceSum', observedOnly(input, b.op('Mul', [target, logits])), [2], false)]);
    const p = b.op('Sigmoid', [logits]);
    const mean = input.range === '01' ? p : b.op('Sub', [b.op('Mul', [p, f(2)]), f(1)]);
    const sse = b.reduce('ReduceSumSquare', observedOnly(input, b.op('Sub', [mean, x])), [2], false);
    return { nll, sse, mean, stopGradient: [], params: [] };
  },
};
