/**
 * Trilu (opset 14+): keeps the upper (upper=1, the default) or lower triangle of the last two axes of its
 * input, from diagonal k (an optional int64 scalar input, default 0; k > 0 moves it up and right) and zeroes
 * the rest. It multiplies by a fixed 0/1 mask, so its gradient is the same Trilu of the upstream gradient.
 */
import { typeOf } from './support/shape-utils.js';
import type { Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';
import { MAX_OPSET } from './support/opsets.js';

function inferTrilu(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  if (x.shape !== null && x.shape.length < 2) ctx.fail(`input has shape [${x.shape.join(', ')}]; it must have rank 2 or more`);
  if (ctx.has(1)) {
    const k = ctx.type(1);
    if (k.dtype !== undefined && k.dtype !== 'int64') ctx.fail(`input k is ${k.dtype}; it must be an int64 scalar`);
    if (k.shape !== null && k.shape.length !== 0 && !(k.shape.length === 1 && k.shape[0] === 1)) ctx.fail(`input k has shape [${k.shape.join(', ')}]; it must be a scalar`);
  }
  return [typeOf(x.dtype, x.shape)];
}

function triluGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined || !ctx.needs(0)) return [];
  const inputs = [ctx.tensor(dy), ...(ctx.has(1) ? [ctx.input(1)] : [])];
  return [ctx.b.op('Trilu', inputs, { upper: ctx.attr.int('upper', 1) })];
}

/** The definition of Trilu. */
export const triluOps: OpDef[] = [
  {
    opType: 'Trilu',
    opsets: [14, MAX_OPSET],
    attributes: { upper: { kind: 'int', values: [0, 1] } },
    inputs: [1, 2],
    outputs: [1, 1],
    infer: inferTrilu,
    differentiable: [0],
    grad: triluGrad,
  },
];
