/**
 * Activations: Relu, LeakyRelu, PRelu, Elu, Selu, Sigmoid, HardSigmoid, HardSwish, Tanh, Softplus, Softsign,
 * Mish, Gelu, Clip. Derivatives use only standard operators (onnxruntime-node has no *Grad kernels). Softplus's derivative
 * is Sigmoid(x): the forward Softplus itself is rewritten to Relu(x) - Log(Sigmoid(Abs(x))) in emitted
 * graphs (autodiff/rewrite.ts), whose own derivative would be wrong at 0. PRelu's slope is a learned weight
 * broadcast unidirectionally to X: it receives dY * min(x, 0)-style gradients summed back to its shape.
 */
import { chain, elementwise } from './unary.js';
import { broadcast, typeOf } from './support/shape-utils.js';
import type { Grad, GradContext, Kink, KinkContext, OpDef } from './types.js';
import { clipKink, exponentialKink, floatEqual, floatInput, mapTensor, positiveMask, scalingKink } from './support/kink-rules.js';
import { ALL_OPSETS, MAX_OPSET, MIN_OPSET } from './support/opsets.js';

/**
 * How a 0/1 gate multiplies a gradient: 'where' emits Where(cond, g, 0), 'mul' emits Mul(g, Cast(cond)).
 * Profiling the reference decoder's gradient graph (batch 1024, one thread) measured Where at about twice
 * the cost of Cast + Mul on [1024, 512] tensors (0.7 ms against 0.3 ms per ReLU layer).
 */
const GATE_FORM: 'where' | 'mul' = 'mul';

/** g where `cond` (a bool tensor shaped like the output) holds, 0 elsewhere, times `factor`. */
function gate(ctx: GradContext, g: Grad, cond: string, factor = 1): Grad {
  const b = ctx.b;
  if (typeof g !== 'string') return ctx.scale({ uniform: g.uniform, like: g.like }, b.cast(cond, ctx.outType(0).dtype ?? 'float32'), factor);
  const gated = GATE_FORM === 'where' ? b.op('Where', [cond, g, ctx.scalar(0)]) : b.op('Mul', [g, b.cast(cond, ctx.outType(0).dtype ?? 'float32')]);
  return ctx.scale(gated, null, factor);
}

/** g where cond holds, g * expr elsewhere (expr shaped like the output). */
function piecewise(ctx: GradContext, g: Grad, cond: string, other: string): string {
  const t = ctx.tensor(g);
  return ctx.b.op('Where', [cond, t, ctx.b.op('Mul', [t, other])]);
}

// The ONNX defaults of the activations' attributes, read by both their gradients and their kinks.
const LEAKY_RELU_ALPHA = 0.01;
const ELU_ALPHA = 1;
const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;
const HARD_SIGMOID_ALPHA = 0.2;
const HARD_SIGMOID_BETA = 0.5;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
// HardSwish(x) = x HardSigmoid(x) with alpha 1/6 and beta 1/2 (fixed by the operator): linear in x above 3, 0 below -3.
const HARD_SWISH_ALPHA = 1 / 6;
const HARD_SWISH_BETA = 0.5;
const HARD_SWISH_EDGE = 3;
const GELU_TANH_C = 0.044715;

/** Definitions of the activation operators. */
export const activationOps: OpDef[] = [
  {
    ...elementwise('Relu', (ctx, dy) => gate(ctx, dy, ctx.b.op('Greater', [ctx.output(0), ctx.scalar(0)]))),
    kink: (ctx) => scalingKink(ctx, (v) => (v > 0 ? 1 : 0)),
  },
  {
    ...elementwise('LeakyRelu', (ctx, dy) => piecewise(ctx, dy, ctx.b.op('Greater', [ctx.input(0), ctx.scalar(0)]), ctx.scalar(ctx.attr.float('alpha', LEAKY_RELU_ALPHA))), ALL_OPSETS, {
      alpha: { kind: 'float' },
    }),
    kink: (ctx) => {
      const alpha = ctx.attr.float('alpha', LEAKY_RELU_ALPHA);
      return scalingKink(ctx, (v) => (v > 0 ? 1 : alpha));
    },
  },
  // Elu: y' = 1 for x > 0, else y + alpha.
  {
    ...elementwise(
      'Elu',
      (ctx, dy) => piecewise(ctx, dy, ctx.b.op('Greater', [ctx.input(0), ctx.scalar(0)]), ctx.b.op('Add', [ctx.output(0), ctx.scalar(ctx.attr.float('alpha', ELU_ALPHA))])),
      ALL_OPSETS,
      {
        alpha: { kind: 'float' },
      },
    ),
    kink: (ctx) => exponentialKink(ctx, ctx.attr.float('alpha', ELU_ALPHA), 1),
  },
  // Selu: y' = gamma for x > 0, else y + alpha * gamma.
  {
    ...elementwise(
      'Selu',
      (ctx, dy) => {
        const alpha = ctx.attr.float('alpha', SELU_ALPHA);
        const gamma = ctx.attr.float('gamma', SELU_GAMMA);
        const b = ctx.b;
        const slope = b.op('Where', [b.op('Greater', [ctx.input(0), ctx.scalar(0)]), ctx.scalar(gamma), b.op('Add', [ctx.output(0), ctx.scalar(alpha * gamma)])]);
        return chain(ctx, dy, slope);
      },
      ALL_OPSETS,
      { alpha: { kind: 'float' }, gamma: { kind: 'float' } },
    ),
    kink: (ctx) => exponentialKink(ctx, ctx.attr.float('alpha', SELU_ALPHA), ctx.attr.float('gamma', SELU_GAMMA)),
  },
  // PRelu: y = x for x > 0, slope x otherwise; dX = dY where x > 0 else dY slope, dSlope = dY x where x <= 0.
  {
    opType: 'PRelu',
    opsets: ALL_OPSETS,
    attributes: {},
    inputs: [2, 2],
    outputs: [1, 1],
    infer: (ctx) => {
      const x = ctx.type(0);
      const slope = ctx.type(1);
      if (x.dtype && slope.dtype && x.dtype !== slope.dtype) ctx.fail(`X is ${x.dtype} and slope '${ctx.node.inputs[1]}' is ${slope.dtype}; PRelu needs one element type`);
      // Unidirectional broadcasting: the slope must broadcast to X's shape, which the output keeps.
      const shape = broadcast(ctx, x.shape, slope.shape);
      if (shape !== null && x.shape !== null) {
        const grown = shape.length !== x.shape.length || shape.some((d, i) => typeof d === 'number' && typeof x.shape![i] === 'number' && d !== x.shape![i]);
        if (grown) ctx.fail(`slope '${ctx.node.inputs[1]}' of shape [${slope.shape!.join(', ')}] does not broadcast to X's shape [${x.shape.join(', ')}]`);
      }
      return [typeOf(x.dtype, x.shape)];
    },
    differentiable: [0, 1],
    grad: (ctx, [dy]) => {
      if (dy === undefined) return [];
      const b = ctx.b;
      const x = ctx.input(0);
      const positive = b.op('Greater', [x, ctx.scalar(0)]);
      const g = ctx.tensor(dy);
      const dx = ctx.needs(0) ? b.op('Mul', [g, b.op('Where', [positive, ctx.scalar(1), ctx.input(1)])]) : undefined;
      const dslope = ctx.needs(1) ? ctx.unbroadcast(b.op('Mul', [g, b.op('Where', [positive, ctx.scalar(0), x])]), 1) : undefined;
      return [dx, dslope];
    },
    kink: preluKink,
  },
  elementwise('Sigmoid', (ctx, dy) => {
    const y = ctx.output(0);
    return chain(ctx, dy, ctx.b.op('Mul', [y, ctx.b.op('Sub', [ctx.scalar(1), y])]));
  }),
  // HardSigmoid: y = clamp(alpha x + beta, 0, 1); y' = alpha strictly inside (0, 1).
  {
    ...elementwise(
      'HardSigmoid',
      (ctx, dy) => {
        const b = ctx.b;
        const y = ctx.output(0);
        const inside = b.op('And', [b.op('Greater', [y, ctx.scalar(0)]), b.op('Less', [y, ctx.scalar(1)])]);
        return gate(ctx, dy, inside, ctx.attr.float('alpha', HARD_SIGMOID_ALPHA));
      },
      ALL_OPSETS,
      { alpha: { kind: 'float' }, beta: { kind: 'float' } },
    ),
    kink: hardSigmoidKink,
  },
  // HardSwish: y' = 0 up to -3, x/3 + 1/2 between, 1 from 3 on.
  {
    ...elementwise(
      'HardSwish',
      (ctx, dy) => {
        const b = ctx.b;
        const x = ctx.input(0);
        const edge = ctx.scalar(HARD_SWISH_EDGE);
        const inner = b.op('Add', [b.op('Mul', [x, ctx.scalar(2 * HARD_SWISH_ALPHA)]), ctx.scalar(HARD_SWISH_BETA)]);
        const slope = b.op('Where', [b.op('GreaterOrEqual', [x, edge]), ctx.scalar(1), b.op('Where', [b.op('LessOrEqual', [x, b.op('Neg', [edge])]), ctx.scalar(0), inner])]);
        return chain(ctx, dy, slope);
      },
      [14, MAX_OPSET],
    ),
    kink: hardSwishKink,
  },
  elementwise('Tanh', (ctx, dy) => {
    const y = ctx.output(0);
    return chain(ctx, dy, ctx.b.op('Sub', [ctx.scalar(1), ctx.b.op('Mul', [y, y])]));
  }),
  elementwise('Softplus', (ctx, dy) => chain(ctx, dy, ctx.b.op('Sigmoid', [ctx.input(0)]))),
  // Softsign: y' = 1 / (1 + |x|)^2.
  elementwise('Softsign', (ctx, dy) => {
    const b = ctx.b;
    const t = b.op('Add', [ctx.scalar(1), b.op('Abs', [ctx.input(0)])]);
    return chain(ctx, dy, b.op('Reciprocal', [b.op('Mul', [t, t])]));
  }),
  // Mish: y = x tanh(softplus x); y' = t + x sigmoid(x) (1 - t^2) with t = tanh(softplus x).
  elementwise(
    'Mish',
    (ctx, dy) => {
      const b = ctx.b;
      const x = ctx.input(0);
      const t = b.op('Tanh', [b.op('Softplus', [x])]);
      const sech2 = b.op('Sub', [ctx.scalar(1), b.op('Mul', [t, t])]);
      return chain(ctx, dy, b.op('Add', [t, b.op('Mul', [b.op('Mul', [x, b.op('Sigmoid', [x])]), sech2])]));
    },
    [18, MAX_OPSET],
  ),
  elementwise('Gelu', (ctx, dy) => chain(ctx, dy, geluDerivative(ctx, ctx.attr.string('approximate', 'none'))), [20, MAX_OPSET], {
    approximate: { kind: 'string', values: ['none', 'tanh'] },
  }),
  {
    opType: 'Clip',
    opsets: ALL_OPSETS,
    attributes: { min: { kind: 'float', opsets: [MIN_OPSET, 10] }, max: { kind: 'float', opsets: [MIN_OPSET, 10] } },
    inputs: [1, 3],
    outputs: [1, 1],
    infer: (ctx) => [typeOf(ctx.type(0).dtype, ctx.type(0).shape)],
    differentiable: (ctx) => (ctx.opset >= 11 ? [0, 1, 2] : [0]),
    settings: [1, 2],
    grad: (ctx, [dy]) => {
      if (dy === undefined) return [];
      const b = ctx.b;
      const x = ctx.input(0);
      // Inside the interval (ends included) the output is x itself.
      const dx = ctx.needs(0) ? gate(ctx, dy, floatEqual(b, ctx.opset, x, ctx.output(0))) : undefined;
      const g = ctx.tensor(dy);
      const zero = ctx.scalar(0);
      const dmin = ctx.needs(1) ? ctx.unbroadcast(b.op('Where', [b.op('Less', [x, ctx.input(1)]), g, zero]), 1) : undefined;
      const dmax = ctx.needs(2) ? ctx.unbroadcast(b.op('Where', [b.op('Greater', [x, ctx.input(2)]), g, zero]), 2) : undefined;
      return [dx, dmin, dmax];
    },
    kink: clipKink,
  },
];

/** PRelu: y = x where x > 0 at the base point, slope x elsewhere. */
function preluKink(ctx: KinkContext): Kink | undefined {
  if (floatInput(ctx) === undefined) return undefined;
  const [x, slope] = ctx.node.inputs;
  return {
    capture: () => [x],
    inputs: ['bool'],
    feeds: ([t]) => [positiveMask(t)],
    emit: (b, [positive], write) => write('Where', [positive, x, b.op('Mul', [x, slope])]),
  };
}

/** HardSwish: y = x (x/6 + 1/2) strictly between -3 and 3 at the base point, x from 3 on, 0 up to -3. */
function hardSwishKink(ctx: KinkContext): Kink | undefined {
  const dtype = floatInput(ctx);
  if (dtype === undefined) return undefined;
  const x = ctx.node.inputs[0];
  return {
    capture: () => [x],
    inputs: [dtype, dtype],
    feeds: ([t]) => [mapTensor(t, (v) => (v > -HARD_SWISH_EDGE && v < HARD_SWISH_EDGE ? 1 : 0)), mapTensor(t, (v) => (v >= HARD_SWISH_EDGE ? 1 : 0))],
    emit: (b, [inside, above], write) => {
      const gate = b.op('Add', [b.op('Mul', [x, b.scalar(HARD_SWISH_ALPHA, dtype)]), b.scalar(HARD_SWISH_BETA, dtype)]);
      write('Mul', [x, b.op('Add', [b.op('Mul', [gate, inside]), above])]);
    },
  };
}

/** HardSigmoid: y = x alpha + beta on the line, 0 below and 1 above it, with the region taken at the base point. */
function hardSigmoidKink(ctx: KinkContext): Kink | undefined {
  const dtype = floatInput(ctx);
  if (dtype === undefined) return undefined;
  const x = ctx.node.inputs[0];
  const alpha = ctx.attr.float('alpha', HARD_SIGMOID_ALPHA);
  const beta = ctx.attr.float('beta', HARD_SIGMOID_BETA);
  const line = (v: number) => alpha * v + beta;
  return {
    capture: () => [x],
    inputs: [dtype, dtype],
    feeds: ([t]) => [mapTensor(t, (v) => (line(v) > 0 && line(v) < 1 ? 1 : 0)), mapTensor(t, (v) => (line(v) >= 1 ? 1 : 0))],
    emit: (b, [inside, above], write) => {
      const value = b.op('Add', [b.op('Mul', [x, b.scalar(alpha, dtype)]), b.scalar(beta, dtype)]);
      write('Add', [b.op('Mul', [value, inside]), above]);
    },
  };
}

/** d/dx Gelu(x), exact (erf) or with the tanh approximation. */
function geluDerivative(ctx: GradContext, approximate: string): string {
  const b = ctx.b;
  const x = ctx.input(0);
  const s = (v: number) => ctx.scalar(v);
  const x2 = b.op('Mul', [x, x]);
  if (approximate === 'tanh') {
    // u = c0 (x + c1 x^3), t = tanh u: y' = 0.5 (1 + t) + 0.5 x (1 - t^2) c0 (1 + 3 c1 x^2)
    const u = b.op('Mul', [s(SQRT_2_OVER_PI), b.op('Add', [x, b.op('Mul', [s(GELU_TANH_C), b.op('Mul', [x2, x])])])]);
    const t = b.op('Tanh', [u]);
    const du = b.op('Mul', [s(SQRT_2_OVER_PI), b.op('Add', [s(1), b.op('Mul', [s(3 * GELU_TANH_C), x2])])]);
    const first = b.op('Mul', [s(0.5), b.op('Add', [s(1), t])]);
    const second = b.op('Mul', [b.op('Mul', [s(0.5), x]), b.op('Mul', [b.op('Sub', [s(1), b.op('Mul', [t, t])]), du])]);
    return b.op('Add', [first, second]);
  }
  // y' = Phi(x) + x phi(x), Phi(x) = 0.5 (1 + erf(x / sqrt 2)), phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
  const cdf = b.op('Mul', [s(0.5), b.op('Add', [s(1), b.op('Erf', [b.op('Mul', [x, s(Math.SQRT1_2)])])])]);
  const pdf = b.op('Mul', [s(1 / Math.sqrt(2 * Math.PI)), b.op('Exp', [b.op('Mul', [x2, s(-0.5)])])]);
  return b.op('Add', [cdf, b.op('Mul', [x, pdf])]);
}
