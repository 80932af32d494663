/**
 * Operators that rank elements along an axis: ArgMax and ArgMin (integer outputs, which cut the gradient
 * path) and TopK (its values are the selected elements of X, differentiable; its indices are integers).
 * TopK's gradient scatters dValues back to the selected positions (ScatterElements, so opset 11 on; the
 * positions of one slice are distinct, so nothing accumulates). Their kinks feed the selected indices as they
 * were at the base point, so that gradient checks never cross a change of ranking.
 */
import { isFloat } from '../dtype.js';
import type { Attribute } from '../ir.js';
import { captureIndices, constantKink } from './support/kink-rules.js';
import { normAxis, typeOf } from './support/shape-utils.js';
import type { GradContext, InferContext, Kink, KinkContext, OpDef, ValueType } from './types.js';
import { ALL_OPSETS, MAX_OPSET } from './support/opsets.js';

function inferArg(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  if (x.shape === null) return [typeOf('int64', null)];
  const axis = normAxis(ctx, ctx.attr.int('axis', 0), x.shape.length);
  if (ctx.opset < 11 && ctx.attr.int('axis', 0) < 0) ctx.fail(`axis ${ctx.attr.int('axis', 0)} is negative, which ${ctx.node.opType} accepts from opset 11 only`);
  const keep = ctx.attr.int('keepdims', 1) === 1;
  return [typeOf('int64', keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis))];
}

const arg = (opType: string): OpDef => ({
  opType,
  opsets: ALL_OPSETS,
  attributes: { axis: { kind: 'int' }, keepdims: { kind: 'int', values: [0, 1] }, select_last_index: { kind: 'int', values: [0, 1], opsets: [12, MAX_OPSET] } },
  inputs: [1, 1],
  outputs: [1, 1],
  infer: inferArg,
  differentiable: [],
  kink: constantKink,
});

/** TopK's axis, normalised against the input's rank. */
function topKAxis(ctx: InferContext | GradContext, rank: number, fail: (message: string) => never): number {
  const axis = ctx.attr.int('axis', -1);
  return axis < -rank || axis >= rank ? fail(`axis ${axis} is out of range for rank ${rank}`) : axis < 0 ? axis + rank : axis;
}

function inferTopK(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  const kType = ctx.type(1);
  if (kType.dtype !== undefined && kType.dtype !== 'int64') ctx.fail(`K '${ctx.node.inputs[1]}' is ${kType.dtype}; TopK needs int64`);
  if (kType.shape !== null && (kType.shape.length !== 1 || (typeof kType.shape[0] === 'number' && kType.shape[0] !== 1))) ctx.fail(`K '${ctx.node.inputs[1]}' must be a 1-D tensor of one element`);
  if (x.shape === null) return [typeOf(x.dtype, null), typeOf('int64', null)];
  const axis = topKAxis(ctx, x.shape.length, ctx.fail);
  const k = ctx.ints(1)?.[0];
  const extent = x.shape[axis];
  if (k !== undefined && (k < 0 || (typeof extent === 'number' && k > extent))) ctx.fail(`K = ${k} is outside [0, ${extent}] along axis ${axis}`);
  const shape = x.shape.map((d, i) => (i === axis ? (k ?? null) : d));
  return [typeOf(x.dtype, shape), typeOf('int64', [...shape])];
}

/** TopK: the indices taken at the base point; the frozen node gathers X at them. */
function topKKink(ctx: KinkContext): Kink | undefined {
  const { node } = ctx;
  if (ctx.inDtype === undefined || !isFloat(ctx.inDtype)) return undefined;
  const axis: Attribute = { kind: 'int', value: ctx.attr.int('axis', -1) };
  return {
    capture: captureIndices,
    inputs: ['int64'],
    feeds: (captured) => captured,
    emit: (_b, [indices], write) => {
      write('GatherElements', [node.inputs[0], indices], new Map([['axis', axis]]), [node.outputs[0]]);
      if (node.outputs[1]) write('Identity', [indices], new Map(), [node.outputs[1]]);
    },
  };
}

/** Definitions of the ranking operators. */
export const rankingOps: OpDef[] = [
  arg('ArgMax'),
  arg('ArgMin'),
  {
    opType: 'TopK',
    opsets: [11, MAX_OPSET],
    attributes: { axis: { kind: 'int' }, largest: { kind: 'int', values: [0, 1] }, sorted: { kind: 'int', values: [0, 1] } },
    inputs: [2, 2],
    outputs: [2, 2],
    infer: inferTopK,
    differentiable: [0],
    grad: (ctx, [dValues]) => {
      if (dValues === undefined) return [];
      const b = ctx.b;
      const x = ctx.input(0);
      const rank = ctx.inType(0).shape?.length;
      if (rank === undefined) return ctx.unsupported('TopK gradients need the input rank');
      const axis = topKAxis(ctx, rank, ctx.unsupported);
      const given = ctx.node.outputs[1];
      const indices = given !== undefined && given !== '' ? given : b.node('TopK', ctx.node.inputs, Object.fromEntries(ctx.node.attrs), { outputs: 2 })[1];
      return [b.op('ScatterElements', [ctx.zerosLike(x), indices, ctx.tensor(dValues)], { axis })];
    },
    kink: topKKink,
  },
];
