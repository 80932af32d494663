/**
 * Elementwise unary operators and pass-throughs: Neg, Sqrt, Reciprocal, Exp, Log, Abs, Erf, Sin, Cos,
 * Identity, Dropout (inference only), Cast and CastLike. Each derivative is written from the forward output
 * where that is cheaper (Exp, Sqrt, Reciprocal reuse y). A cast between float types passes the gradient
 * back cast to the input's type; a cast from an integer type cuts the path.
 */
import { dtypeCode, isFloat, isIntegral, requireDtype } from '../dtype.js';
import { times } from './arithmetic.js';
import { typeOf } from './support/shape-utils.js';
import type { Grad, GradContext, Kink, KinkContext, OpDef, ValueType } from './types.js';
import { toNumbers } from '../tensor.js';
import { ALL_OPSETS, MAX_OPSET, MIN_OPSET } from './support/opsets.js';
import { constantKink, scalingKink } from './support/kink-rules.js';

/** A same-shape elementwise op with one differentiable input and the derivative rule `grad`. */
export function elementwise(opType: string, grad: (ctx: GradContext, dy: Grad) => Grad, opsets: readonly [number, number] = ALL_OPSETS, attributes: OpDef['attributes'] = {}): OpDef {
  return {
    opType,
    opsets,
    attributes,
    inputs: [1, 1],
    outputs: [1, 1],
    infer: (ctx) => [typeOf(ctx.type(0).dtype, ctx.type(0).shape)],
    differentiable: [0],
    grad: (ctx, [dy]) => (dy === undefined ? [] : [grad(ctx, dy)]),
  };
}

/** dy * expr * factor where expr is shaped like the output (same as the input for elementwise ops). */
export function chain(ctx: GradContext, dy: Grad, expr: string, factor = 1): Grad {
  return times(ctx, dy, expr, ctx.outType(0).shape, factor);
}

/** The gradient of Cast and CastLike: dy cast back to input 0's float type (none from an integer input). */
function castBack(ctx: GradContext, dy: Grad | undefined): (Grad | undefined)[] {
  const from = ctx.inType(0).dtype;
  if (dy === undefined || !isFloat(from) || from === undefined) return [];
  if (from === ctx.outType(0).dtype) return [dy];
  if (typeof dy !== 'string') return [{ uniform: dy.uniform, like: ctx.input(0) }];
  return [ctx.b.op('Cast', [dy], { to: dtypeCode(from) })];
}

/** A cast from a float to an integer type or bool is piecewise constant: its output is frozen in gradient checks. */
function truncationKink(ctx: KinkContext): Kink | undefined {
  return ctx.outDtype !== undefined && !isFloat(ctx.outDtype) ? constantKink(ctx) : undefined;
}

/** Whether a cast from `from` to `to` keeps known integer contents (integer to integer, not to bool). */
function keepsValue(from: ValueType['dtype'], to: ValueType['dtype']): boolean {
  return to !== undefined && isIntegral(to) && to !== 'bool' && from !== undefined && isIntegral(from);
}

/** Definitions of the unary elementwise operators and pass-throughs. */
export const unaryOps: OpDef[] = [
  {
    ...elementwise('Neg', (ctx, dy) => ctx.scale(dy, null, -1)),
    infer: (ctx) => {
      const t = ctx.type(0);
      return [
        typeOf(
          t.dtype,
          t.shape,
          t.value?.map((v) => (typeof v === 'number' ? -v : null)),
        ),
      ];
    },
  },
  elementwise('Sqrt', (ctx, dy) => chain(ctx, dy, ctx.b.op('Reciprocal', [ctx.output(0)]), 0.5)),
  elementwise('Reciprocal', (ctx, dy) => chain(ctx, dy, ctx.b.op('Mul', [ctx.output(0), ctx.output(0)]), -1)),
  elementwise('Exp', (ctx, dy) => chain(ctx, dy, ctx.output(0))),
  elementwise('Log', (ctx, dy) => (typeof dy === 'string' ? ctx.b.op('Div', [dy, ctx.input(0)]) : chain(ctx, dy, ctx.b.op('Reciprocal', [ctx.input(0)])))),
  { ...elementwise('Abs', (ctx, dy) => chain(ctx, dy, ctx.b.op('Sign', [ctx.input(0)]))), kink: (ctx) => scalingKink(ctx, Math.sign) },
  // erf'(x) = 2/sqrt(pi) exp(-x^2)
  elementwise('Erf', (ctx, dy) => {
    const x = ctx.input(0);
    return chain(ctx, dy, ctx.b.op('Exp', [ctx.b.op('Neg', [ctx.b.op('Mul', [x, x])])]), 2 / Math.sqrt(Math.PI));
  }),
  elementwise('Sin', (ctx, dy) => chain(ctx, dy, ctx.b.op('Cos', [ctx.input(0)]))),
  elementwise('Cos', (ctx, dy) => chain(ctx, dy, ctx.b.op('Sin', [ctx.input(0)]), -1)),
  {
    ...elementwise('Identity', (_ctx, dy) => dy),
    infer: (ctx) => [{ ...ctx.type(0) }],
  },
  {
    opType: 'Dropout',
    opsets: ALL_OPSETS,
    attributes: { ratio: { kind: 'float', opsets: [MIN_OPSET, 11] }, seed: { kind: 'int', opsets: [12, MAX_OPSET] } },
    inputs: [1, 3],
    outputs: [1, 2],
    infer: (ctx) => {
      if (ctx.has(2)) {
        const training = ctx.constant(2);
        if (training === undefined || toNumbers(training)[0] !== 0) ctx.unsupported('Dropout is supported in inference mode only (training_mode must be a constant false)');
      }
      const t = ctx.type(0);
      return [typeOf(t.dtype, t.shape), typeOf('bool', t.shape)];
    },
    differentiable: [0],
    grad: (_ctx, [dy]) => [dy],
  },
  {
    opType: 'Cast',
    opsets: ALL_OPSETS,
    attributes: { to: { kind: 'int' }, saturate: { kind: 'int', opsets: [19, MAX_OPSET] } },
    inputs: [1, 1],
    outputs: [1, 1],
    infer: (ctx) => {
      const to = requireDtype(ctx.attr.int('to'), `attribute 'to' of Cast node '${ctx.node.name}'`);
      const t = ctx.type(0);
      return [typeOf(to, t.shape, keepsValue(t.dtype, to) ? t.value : undefined)];
    },
    differentiable: [0],
    grad: (ctx, [dy]) => castBack(ctx, dy),
    kink: truncationKink,
  },
  // CastLike(x, like): Cast to like's element type (like's values are never read).
  {
    opType: 'CastLike',
    opsets: [15, MAX_OPSET],
    attributes: { saturate: { kind: 'int', opsets: [19, MAX_OPSET] } },
    inputs: [2, 2],
    outputs: [1, 1],
    infer: (ctx) => {
      const t = ctx.type(0);
      const to = ctx.type(1).dtype;
      return [typeOf(to, t.shape, keepsValue(t.dtype, to) ? t.value : undefined)];
    },
    differentiable: [0],
    grad: (ctx, [dy]) => castBack(ctx, dy),
    kink: truncationKink,
  },
];
