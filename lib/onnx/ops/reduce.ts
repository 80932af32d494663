/**
 * Reductions: ReduceSum, ReduceSumSquare, ReduceMean, ReduceMax, ReduceMin, ReduceL2, ReduceProd and
 * ReduceLogSumExp. Each has two definitions: axes as an attribute (ReduceSum before opset 13, the others
 * before 18) and axes as an optional constant input with noop_with_empty_axes after. Gradients broadcast the
 * upstream gradient back over the reduced axes (as keepdims=1 shapes); a uniform upstream gradient stays
 * uniform where it can. ReduceMax and ReduceMin send the gradient to the positions equal to the extremum,
 * shared equally among ties (their kink freezes those shares); ReduceLogSumExp weights it by the softmax exp(x - y), read from the forward
 * output; ReduceL2 by x / y (0 where y is 0, the subgradient of the norm at the origin); ReduceProd by the
 * product of the other elements, computed without dividing by zero (see prodGrad).
 */
import type { GraphBuilder } from '../builder.js';
import type { Attribute } from '../ir.js';
import { floatEqual, floatInput } from './support/kink-rules.js';
import { dimProduct, normAxis, typeOf } from './support/shape-utils.js';
import type { Grad, GradContext, InferContext, KinkRule, OpDef, ValueType } from './types.js';
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

/**
 * The attribute-form and input-form definitions of one reduction; axes become an input at opset `inputSince`.
 * With noop_with_empty_axes and no axes, onnxruntime and the ONNX reference still apply the reduction's
 * elementwise part (ReduceSumSquare gives x^2, ReduceL2 |x|); `elementwise` says so, and its gradient is
 * then `grad` over no axes, the others' the identity.
 */
function reduction(opType: string, inputSince: number, grad: ReduceGrad, elementwise = false, kink?: KinkRule): OpDef[] {
  const common = {
    opType,
    kink,
    outputs: [1, 1] as const,
    infer: (ctx: InferContext) => inferReduce(ctx, inputSince),
    differentiable: [0],
    grad: (ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] => {
      if (dy === undefined) return [];
      const rank = ctx.inType(0).shape?.length;
      if (rank === undefined) return ctx.unsupported(`${opType} gradients need the input rank`);
      const axes = reducedAxes(ctx, rank, inputSince);
      if (axes === null) return [elementwise ? grad(ctx, dy, []) : typeof dy === 'string' ? dy : { uniform: dy.uniform, like: ctx.input(0) }];
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

/** ReduceMax and ReduceMin: ties share the gradient equally (hit / count); without ties count is 1 and the gradient is exact. */
function extremumGrad(ctx: GradContext, dy: Grad, axes: number[]): Grad {
  const b = ctx.b;
  const hit = b.cast(floatEqual(ctx.b, ctx.opset, ctx.input(0), keptDims(ctx, ctx.output(0), axes)), ctx.outType(0).dtype ?? 'float32');
  const ties = b.reduce('ReduceSum', hit, axes, true);
  if (typeof dy !== 'string') return ctx.scale(b.op('Mul', [hit, b.op('Reciprocal', [ties])]), null, dy.uniform);
  return b.op('Mul', [hit, b.op('Div', [keptDims(ctx, dy, axes), ties])]);
}

/**
 * ReduceMax and ReduceMin: each slice's extremal elements with their shares (1 / ties, as extremumGrad routes
 * the gradient), computed by the capture model over the node's own axes; the frozen node sums x times them.
 */
function extremumKink(inputSince: number): KinkRule {
  return (ctx) => {
    const dtype = floatInput(ctx);
    if (dtype === undefined) return undefined;
    const { node, opset } = ctx;
    const int = (value: number): Attribute => ({ kind: 'int', value });
    // A ReduceSum over the node's axes: ReduceSum takes them as an input from opset 13, the node from inputSince.
    const sumOver = (b: GraphBuilder, x: string, keepdims: number): [string[], Record<string, Attribute>] => {
      const attrs: Record<string, Attribute> = { keepdims: int(keepdims) };
      if (opset >= inputSince) {
        const noop = node.attrs.get('noop_with_empty_axes');
        if (noop !== undefined) attrs.noop_with_empty_axes = noop;
        return [node.inputs[1] ? [x, node.inputs[1]] : [x], attrs];
      }
      const axes = node.attrs.get('axes');
      if (axes === undefined) return [[x], attrs];
      if (opset >= 13) return [[x, b.ints((axes as { value: number[] }).value)], attrs];
      return [[x], { ...attrs, axes }];
    };
    return {
      capture: (n, b) => {
        const kept = b.op(n.opType, n.inputs, { ...Object.fromEntries(n.attrs), keepdims: int(1) });
        const hit = b.cast(floatEqual(b, opset, n.inputs[0], kept), dtype);
        const [inputs, attrs] = sumOver(b, hit, 1);
        return [b.op('Div', [hit, b.op('ReduceSum', inputs, attrs)])];
      },
      inputs: [dtype],
      feeds: (captured) => captured,
      emit: (b, [shares], write) => {
        const [inputs, attrs] = sumOver(b, b.op('Mul', [node.inputs[0], shares]), ctx.attr.int('keepdims', 1));
        write('ReduceSum', inputs, new Map(Object.entries(attrs)));
      },
    };
  };
}

/**
 * ReduceProd: d/dx_i prod x = the product of the other elements. y / x_i is wrong where x_i = 0, so the rule
 * counts zeros per slice: with none it is p / x_i (p the product of the nonzero elements), with exactly one
 * it is p at the zero and 0 elsewhere, with more it is 0 everywhere.
 */
function prodGrad(ctx: GradContext, dy: Grad, axes: number[]): Grad {
  const b = ctx.b;
  const x = ctx.input(0);
  const dtype = ctx.outType(0).dtype ?? 'float32';
  const zero = floatEqual(b, ctx.opset, x, ctx.scalar(0));
  const nonzero = b.op('Where', [zero, ctx.scalar(1), x]);
  const p = b.reduce('ReduceProd', nonzero, axes, true);
  const zeros = b.reduce('ReduceSum', b.cast(zero, dtype), axes, true);
  const countIs = (k: number) => b.cast(floatEqual(b, ctx.opset, zeros, ctx.scalar(k)), dtype);
  // At a zero x_i the quotient below is p itself (x_i was replaced by 1).
  const factor = b.op('Where', [zero, countIs(1), countIs(0)]);
  const weights = b.op('Mul', [b.op('Div', [p, nonzero]), factor]);
  if (typeof dy !== 'string') return ctx.scale({ uniform: dy.uniform, like: x }, weights);
  return b.op('Mul', [weights, keptDims(ctx, dy, axes)]);
}

/** Definitions of the reductions. */
export const reduceOps: OpDef[] = [
  ...reduction('ReduceSum', 13, (ctx, dy, axes) => {
    if (typeof dy !== 'string') return { uniform: dy.uniform, like: ctx.input(0) };
    return ctx.b.op('Expand', [keptDims(ctx, dy, axes), ctx.shapeOf(ctx.input(0))]);
  }),
  // d/dx sum x^2 = 2x (the Mul broadcasts dy back over the reduced axes).
  ...reduction(
    'ReduceSumSquare',
    18,
    (ctx, dy, axes) => {
      const x = ctx.input(0);
      if (typeof dy !== 'string') return ctx.scale({ uniform: dy.uniform, like: x }, x, 2);
      return ctx.b.op('Mul', [ctx.b.op('Mul', [x, keptDims(ctx, dy, axes)]), ctx.scalar(2)]);
    },
    true,
  ),
  ...reduction('ReduceMean', 18, (ctx, dy, axes) => {
    const n = count(ctx, axes);
    if (typeof dy !== 'string' && typeof n === 'number') return { uniform: dy.uniform / n, like: ctx.input(0) };
    const b = ctx.b;
    const spread = b.op('Expand', [keptDims(ctx, ctx.tensor(dy), axes), ctx.shapeOf(ctx.input(0))]);
    return typeof n === 'number' ? ctx.scale(spread, null, 1 / n) : b.op('Div', [spread, n]);
  }),
  ...reduction('ReduceMax', 18, extremumGrad, false, extremumKink(18)),
  ...reduction('ReduceMin', 18, extremumGrad, false, extremumKink(18)),
  // d/dx |x| = x / |x|; the norm of an all-zero slice is 0 and so is the gradient there (x is 0 too).
  ...reduction(
    'ReduceL2',
    18,
    (ctx, dy, axes) => {
      const b = ctx.b;
      const x = ctx.input(0);
      const y = keptDims(ctx, ctx.output(0), axes);
      const safe = b.op('Where', [floatEqual(b, ctx.opset, y, ctx.scalar(0)), ctx.scalar(1), y]);
      const weights = b.op('Div', [x, safe]);
      if (typeof dy !== 'string') return ctx.scale({ uniform: dy.uniform, like: x }, weights);
      return b.op('Mul', [weights, keptDims(ctx, dy, axes)]);
    },
    true,
  ),
  ...reduction('ReduceProd', 18, prodGrad),
  // d/dx log sum exp x = exp(x - y): the softmax over the reduced axes, bounded by 1 however large x is.
  ...reduction('ReduceLogSumExp', 18, (ctx, dy, axes) => {
    const b = ctx.b;
    const x = ctx.input(0);
    const weights = b.op('Exp', [b.op('Sub', [x, keptDims(ctx, ctx.output(0), axes)])]);
    if (typeof dy !== 'string') return ctx.scale({ uniform: dy.uniform, like: x }, weights);
    return b.op('Mul', [weights, keptDims(ctx, dy, axes)]);
  }),
];
