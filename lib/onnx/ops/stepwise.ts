/**
 * Piecewise constant elementwise operators: Floor, Ceil, Round and Sign. Their derivative is 0 wherever it
 * exists, so they cut the gradient path (a value reached only through them gets a zero gradient). Their kink
 * feeds the output as it was at the base point, so that gradient checks see a constant where finite
 * differences would otherwise jump from one step to the next.
 */
import { constantKink } from './support/kink-rules.js';
import { typeOf } from './support/shape-utils.js';
import type { OpDef } from './types.js';
import { ALL_OPSETS, MAX_OPSET } from './support/opsets.js';

const stepwise = (opType: string, opsets: readonly [number, number]): OpDef => ({
  opType,
  opsets,
  attributes: {},
  inputs: [1, 1],
  outputs: [1, 1],
  infer: (ctx) => [typeOf(ctx.type(0).dtype, ctx.type(0).shape)],
  differentiable: [],
  kink: constantKink,
});

/** Definitions of the piecewise constant operators. */
export const stepwiseOps: OpDef[] = [stepwise('Floor', ALL_OPSETS), stepwise('Ceil', ALL_OPSETS), stepwise('Round', [11, MAX_OPSET]), stepwise('Sign', ALL_OPSETS)];
