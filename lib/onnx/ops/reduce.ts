/**
 * Reductions: ReduceSum, ReduceSumSquare, ReduceMean, ReduceMax and ReduceLogSumExp. Each has two
 * definitions: axes as an attribute (ReduceSum before opset 13, the others before 18) and axes as an
 * optional constant input with noop_with_empty_axes after. Gradients broadcast the upstream gradient back
 * over the reduced axes (as keepdims=1 shapes); a uniform upstream gradient stays uniform where it can.
 * ReduceMax sends the gradient to the positions equal to the maximum, shared equally among ties;
 * ReduceLogSumExp weights it by the softmax exp(x - y), read from the forward output.
 */
import { floatEqual } from './support/kink-rules.js';
import { dimProduct, normAxis, typeOf } from './support/shape-utils.js';
import type { Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';
import { toNumbers } from '../tensor.js';
import { MAX_OPSET, MIN_OPSET } from './support/opsets.js';

/** The reduced axes (sorted, non-negative), or null for "nothing reduced" (empty axes with noop). */
function reducedAxes(ctx: InferContext | GradContext, rank: number, inputSince: number): number[] | null {
  let axes: number[] | undefined;
  if (ctx.opset < inputSince) axes = ctx.attr.has('axes') ? ctx.attr.ints('axes') : undefined;
  else if (ctx.has(1)) {
    const t = ctx.constant(1);
    if (t === undefined) return ctx.unsupported('the axes input must be a constant');
    axes = toNumbers(t);
  }
  if (axes === undefined || axes.length === 0) {
    if (ctx.opset >= inputSince && ctx.attr.int('noop_with_empty_axes', 0) === 1) return null;
    return Array.from({ length: rank }, (_, i) => i);
  }
  const norm = axes.map((a) => (a < -rank || a >= rank ? ctx.unsupported(`axis ${a} is out of range for rank ${rank}`) : a < 0 ? a + rank : a));
  return [...new Set(norm)].sort((a, b) => a - b);
}

function inferReduce(ctx: InferContext, inputSince: number): ValueType[] {
  const x = ctx.type(0);
  if (x.shape === null) return [typeOf(x.dtype, null)];
  const rank = x.shape.length;
  const axes = reducedAxes(ctx, rank, inputSince);
  if (axes === null) return [typeOf(x.dtype, [...x.shape])];
  axes.forEach((a) => normAxis(ctx, a, rank));
  const keep = ctx.attr.int('keepdims', 1) === 1;
  return [typeOf(x.dtype, keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i)))];
}

/** A value shaped like the output, reshaped to keepdims form (reduced axes as 1) so that it broadcasts against the input. */
function keptDims(ctx: GradContext, value: string, axes: number[]): string {
  return ctx.attr.int('keepdims', 1) === 1 || axes.length === 0 ? value : ctx.b.unsqueeze(value, axes);
}

type ReduceGrad = (ctx: GradContext, dy: Grad, axes: number[]) => Grad;

/** The attribute-form and input-form definitions of one reduction; axes become an input at opset `inputSince`. */
function reduction(opType: string, inputSince: number, grad: ReduceGrad): OpDef[] {
  const common = {
    opType,
    outputs: [1, 1] as const,
    infer: (ctx: InferContext) => inferReduce(ctx, inputSince),
    differentiable: [0],
    grad: (ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] => {
      if (dy === undefined) return [];
      const rank = ctx.inType(0).shape?.length;
      if (rank === undefined) return ctx.unsupported(`${opType} gradients need the input rank`);
      const axes = reducedAxes(ctx, rank, inputSince);
      if (axes === null) return [typeof dy === 'string' ? dy : { uniform: dy.uniform, like: ctx.input(0) }];
      return [grad(ctx, dy, axes)];
    },
  };
  return [
    { ...common, opsets: [MIN_OPSET, inputSince - 1], attributes: { axes: { kind: 'ints' }, keepdims: { kind: 'int', values: [0, 1] } }, inputs: [1, 1] },
    {
      ...common,
      opsets: [inputSince, MAX_OPSET],
      attributes: { keepdims: { kind: 'int', values: [0, 1] }, noop_with_empty_axes: { kind: 'int', values: [0, 1] } },
      inputs: [1, 2],
    },
  ];
}

/** The number of elements each output element reduces: static, or a runtime scalar of the float type. */
function count(ctx: GradContext, axes: number[]): number | string {
  const shape = ctx.inType(0).shape ?? [];
  const n = dimProduct(axes.map((a) => shape[a]));
  if (n !== null) return n;
  const b = ctx.b;
  return b.cast(b.op('Div', [b.op('Size', [ctx.input(0)]), b.op('Size', [ctx.output(0)])]), ctx.outType(0).dtype ?? 'float32');
}

/** Definitions of the sum and mean reductions. */
export const reduceOps: OpDef[] = [
  ...reduction('ReduceSum', 13, (ctx, dy, axes) => {
    if (typeof dy !== 'string') return { uniform: dy.uniform, like: ctx.input(0) };
    return ctx.b.op('Expand', [keptDims(ctx, dy, axes), ctx.shapeOf(ctx.input(0))]);
  }),
  // d/dx sum x^2 = 2x (the Mul broadcasts dy back over the reduced axes).
  ...reduction('ReduceSumSquare', 18, (ctx, dy, axes) => {
    const x = ctx.input(0);
    if (typeof dy !== 'string') return ctx.scale({ uniform: dy.uniform, like: x }, x, 2);
    return ctx.b.op('Mul', [ctx.b.op('Mul', [x, keptDims(ctx, dy, axes)]), ctx.scalar(2)]);
  }),
  ...reduction('ReduceMean', 18, (ctx, dy, axes) => {
    const n = count(ctx, axes);
    if (typeof dy !== 'string' && typeof n === 'number') return { uniform: dy.uniform / n, like: ctx.input(0) };
    const b = ctx.b;
    const spread = b.op('Expand', [keptDims(ctx, ctx.tensor(dy), axes), ctx.shapeOf(ctx.input(0))]);
    return typeof n === 'number' ? ctx.scale(spread, null, 1 / n) : b.op('Div', [spread, n]);
  }),
  // Ties share the gradient equally (hit / count); without ties count is 1 and the gradient is exact.
  ...reduction('ReduceMax', 18, (ctx, dy, axes) => {
    const b = ctx.b;
    const hit = b.cast(floatEqual(ctx.b, ctx.opset, ctx.input(0), keptDims(ctx, ctx.output(0), axes)), ctx.outType(0).dtype ?? 'float32');
    const ties = b.reduce('ReduceSum', hit, axes, true);
    if (typeof dy !== 'string') return ctx.scale(b.op('Mul', [hit, b.op('Reciprocal', [ties])]), null, dy.uniform);
    return b.op('Mul', [hit, b.op('Div', [keptDims(ctx, dy, axes), ties])]);
  }),
  // d/dx log sum exp x = exp(x - y): the softmax over the reduced axes, bounded by 1 however large x is.
  ...reduction('ReduceLogSumExp', 18, (ctx, dy, axes) => {
    const b = ctx.b;
    const x = ctx.input(0);
    const weights = b.op('Exp', [b.op('Sub', [x, keptDims(ctx, ctx.output(0), axes)])]);
    if (typeof dy !== 'string') return ctx.scale({ uniform: dy.uniform, like: x }, weights);
    return b.op('Mul', [weights, keptDims(ctx, dy, axes)]);
  }),
];
