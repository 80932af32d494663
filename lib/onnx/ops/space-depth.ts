/**
 * DepthToSpace (modes DCR and CRD, the mode attribute from opset 11) and SpaceToDepth: rearrangements of
 * [N, C, H, W] between channels and b x b spatial blocks (PixelShuffle and PixelUnshuffle export as them).
 * Both are permutations of the elements, so each gradient is the inverse permutation:
 * - SpaceToDepth inverts DepthToSpace DCR and the other way round;
 * - DepthToSpace CRD is DCR after a fixed permutation of the channels (CRD reads channel c' b^2 + i b + j
 *   where DCR reads (i b + j) C' + c', C' = C / b^2), so its gradient is SpaceToDepth followed by a Gather of
 *   the channels in the inverse order. That needs a static C; N, H and W may be dynamic.
 */
import type { Dim } from '../ir.js';
import { tensorOf } from '../tensor.js';
import { typeOf } from './support/shape-utils.js';
import { dimDivide, dimTimes } from './support/symbolic-dims.js';
import type { Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';
import { MAX_OPSET, MIN_OPSET } from './support/opsets.js';

/** The blocksize attribute, checked to be at least 1. */
function blocksize(ctx: Pick<InferContext, 'attr' | 'fail'>): number {
  const b = ctx.attr.int('blocksize');
  if (!Number.isInteger(b) || b < 1) ctx.fail(`blocksize is ${b}; it must be a positive integer`);
  return b;
}

/** A dim divided by k, failing when a static dim is not a multiple of it. */
function divideDim(ctx: InferContext, d: Dim, k: number, what: string): Dim {
  if (typeof d === 'number' && d % k !== 0) ctx.fail(`${what} ${d} is not a multiple of ${k}`);
  return dimDivide(d, k);
}

function inferDepthToSpace(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  const b = blocksize(ctx);
  if (x.shape === null) return [typeOf(x.dtype, [null, null, null, null])];
  if (x.shape.length !== 4) ctx.fail(`input has shape [${x.shape.join(', ')}]; it must be [N, C, H, W]`);
  const [n, c, h, w] = x.shape;
  return [typeOf(x.dtype, [n, divideDim(ctx, c, b * b, 'the channel count'), dimTimes([h, b]), dimTimes([w, b])])];
}

function inferSpaceToDepth(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  const b = blocksize(ctx);
  if (x.shape === null) return [typeOf(x.dtype, [null, null, null, null])];
  if (x.shape.length !== 4) ctx.fail(`input has shape [${x.shape.join(', ')}]; it must be [N, C, H, W]`);
  const [n, c, h, w] = x.shape;
  return [typeOf(x.dtype, [n, dimTimes([c, b * b]), divideDim(ctx, h, b, 'the height'), divideDim(ctx, w, b, 'the width')])];
}

/** The CRD channel order as DCR sees it: DCR channel k holds CRD channel perm[k]. */
export function crdChannels(channels: number, block: number): number[] {
  const inner = channels / (block * block);
  const perm = new Array<number>(channels);
  for (let i = 0; i < block; i++) for (let j = 0; j < block; j++) for (let c = 0; c < inner; c++) perm[(i * block + j) * inner + c] = c * block * block + i * block + j;
  return perm;
}

function depthToSpaceGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined || !ctx.needs(0)) return [];
  if (typeof dy !== 'string') return [{ uniform: dy.uniform, like: ctx.input(0) }];
  const b = ctx.b;
  const block = ctx.attr.int('blocksize');
  const dcr = b.op('SpaceToDepth', [dy], { blocksize: block });
  if (ctx.attr.string('mode', 'DCR') === 'DCR') return [dcr];
  const c = ctx.inType(0).shape?.[1];
  if (typeof c !== 'number') return ctx.unsupported('DepthToSpace (mode CRD) gradients need a static channel count');
  // dcr[k] is the gradient of CRD channel perm[k]; channel m of dx is dcr[k] with perm[k] = m.
  const perm = crdChannels(c, block);
  const inverse = new Array<number>(c);
  perm.forEach((m, k) => (inverse[m] = k));
  return [b.op('Gather', [dcr, b.constant(tensorOf('int64', [c], inverse))], { axis: 1 })];
}

function spaceToDepthGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined || !ctx.needs(0)) return [];
  if (typeof dy !== 'string') return [{ uniform: dy.uniform, like: ctx.input(0) }];
  return [ctx.b.op('DepthToSpace', [dy], { blocksize: ctx.attr.int('blocksize'), ...(ctx.opset >= 11 ? { mode: 'DCR' } : {}) })];
}

/** Definitions of DepthToSpace and SpaceToDepth. */
export const spaceDepthOps: OpDef[] = [
  {
    opType: 'DepthToSpace',
    opsets: [MIN_OPSET, 10],
    attributes: { blocksize: { kind: 'int' } },
    inputs: [1, 1],
    outputs: [1, 1],
    infer: inferDepthToSpace,
    differentiable: [0],
    grad: depthToSpaceGrad,
  },
  {
    opType: 'DepthToSpace',
    opsets: [11, MAX_OPSET],
    attributes: { blocksize: { kind: 'int' }, mode: { kind: 'string', values: ['DCR', 'CRD'] } },
    inputs: [1, 1],
    outputs: [1, 1],
    infer: inferDepthToSpace,
    differentiable: [0],
    grad: depthToSpaceGrad,
  },
  {
    opType: 'SpaceToDepth',
    opsets: [MIN_OPSET, MAX_OPSET],
    attributes: { blocksize: { kind: 'int' } },
    inputs: [1, 1],
    outputs: [1, 1],
    infer: inferSpaceToDepth,
    differentiable: [0],
    grad: spaceToDepthGrad,
  },
];
