/**
 * Comparisons and boolean operators. Their outputs are boolean, so they cut gradient paths; they are here
 * for inference, so that masks built from them (Where(Greater(x, 0), ...)) have known shapes.
 */
import { broadcast, typeOf } from './support/shape-utils.js';
import type { OpDef } from './types.js';
import { ALL_OPSETS, MAX_OPSET } from './support/opsets.js';

const compare = (opType: string, opsets: readonly [number, number]): OpDef => ({
  opType,
  opsets,
  attributes: {},
  inputs: [2, 2],
  outputs: [1, 1],
  infer: (ctx) => [typeOf('bool', broadcast(ctx, ctx.type(0).shape, ctx.type(1).shape))],
  differentiable: [],
});

/** Definitions of the comparison and boolean operators. */
export const logicOps: OpDef[] = [
  compare('Equal', ALL_OPSETS),
  compare('Greater', ALL_OPSETS),
  compare('Less', ALL_OPSETS),
  compare('GreaterOrEqual', [12, MAX_OPSET]),
  compare('LessOrEqual', [12, MAX_OPSET]),
  compare('And', ALL_OPSETS),
  compare('Or', ALL_OPSETS),
  compare('Xor', ALL_OPSETS),
  {
    opType: 'Not',
    opsets: ALL_OPSETS,
    attributes: {},
    inputs: [1, 1],
    outputs: [1, 1],
    infer: (ctx) => [typeOf('bool', ctx.type(0).shape)],
    differentiable: [],
  },
];
