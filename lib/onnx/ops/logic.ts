/**
 * Comparisons and boolean operators. Their outputs are boolean, so they cut gradient paths; they are here
 * for inference, so that masks built from them (Where(Greater(x, 0), ...)) have known shapes.
 */
import { broadcast, typeOf } from './shape-utils.js';
import type { OpDef } from './types.js';

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
  compare('Equal', [9, 21]),
  compare('Greater', [9, 21]),
  compare('Less', [9, 21]),
  compare('GreaterOrEqual', [12, 21]),
  compare('LessOrEqual', [12, 21]),
  compare('And', [9, 21]),
  compare('Or', [9, 21]),
  compare('Xor', [9, 21]),
  {
    opType: 'Not',
    opsets: [9, 21],
    attributes: {},
    inputs: [1, 1],
    outputs: [1, 1],
    infer: (ctx) => [typeOf('bool', ctx.type(0).shape)],
    differentiable: [],
  },
];
