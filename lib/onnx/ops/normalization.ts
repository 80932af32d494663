/**
 * InstanceNormalization (opsets 9-23), LayerNormalization (17-23) and GroupNormalization (18-23).
 * - InstanceNormalization: X [N, C, D1, ...] normalised per (n, c) over the spatial axes, then
 *   y = scale[c] * xhat + B[c]; scale and B are [C].
 * - LayerNormalization: X normalised over the axes from `axis` (default -1) on, then y = Scale * xhat + B with
 *   Scale and B broadcasting against X's trailing dims; optional outputs Mean and InvStdDev (keepdims shapes,
 *   in the stash type: only stash_type=1, float32, which is what onnxruntime implements).
 * - GroupNormalization: X [N, C, D1, ...] normalised per (n, group) over the C / num_groups channels of the
 *   group and the spatial axes; at opset 18 scale and bias are [num_groups] (one per group), from opset 21
 *   they are [C] (one per channel) and stash_type (only 1, float32) may be given.
 * Gradients recompute the statistics from X (norm-stats.ts) and use the normalisation backward; scale and
 * B get dy * xhat and dy summed back to their shapes. Gradients reaching LayerNormalization's Mean and
 * InvStdDev outputs are added: d mean/dx = 1/H, d invstd/dx = -invstd^2 xhat / H (H elements per group).
 */
import { addToInputGrad, asType, channelView, countOver, dataType, divide, normalise, normalisedInputGrad } from './support/norm-stats.js';
import { normAxis, typeOf } from './support/shape-utils.js';
import type { Dim } from '../ir.js';
import type { Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';
import { ALL_OPSETS, MAX_OPSET } from './support/opsets.js';

/** The axes LayerNormalization normalises over, from `axis` to the last. */
function layerAxes(ctx: GradContext): number[] {
  const rank = ctx.inType(0).shape?.length;
  if (rank === undefined) return ctx.unsupported('LayerNormalization gradients need the rank of X');
  const axis = ctx.attr.int('axis', -1);
  const a = axis < 0 ? axis + rank : axis;
  return Array.from({ length: rank - a }, (_, k) => a + k);
}

function instanceNormGrad(ctx: GradContext, dy: Grad): (Grad | undefined)[] {
  const b = ctx.b;
  const rank = ctx.inType(0).shape?.length;
  if (rank === undefined) return ctx.unsupported('InstanceNormalization gradients need the rank of X');
  const spatial = Array.from({ length: rank - 2 }, (_, k) => k + 2);
  const perChannel = [0, ...spatial];
  const stats = normalise(ctx, spatial, ctx.attr.float('epsilon', 1e-5));
  const g = ctx.tensor(dy);
  // Per-(n, c) sums [N, C, 1, ...]; scale and B sum them over n as well.
  const sumG = b.reduce('ReduceSum', g, spatial, true);
  const sumGXhat = b.reduce('ReduceSum', b.op('Mul', [g, stats.xhat]), spatial, true);
  let dx: string | undefined;
  if (ctx.needs(0)) {
    const n = countOver(ctx, spatial);
    const k = b.op('Mul', [channelView(ctx, ctx.input(1), rank), stats.invstd]);
    dx = normalisedInputGrad(ctx, g, stats.xhat, k, divide(ctx, sumG, n), divide(ctx, sumGXhat, n));
  }
  return [dx, ctx.needs(1) ? b.reduce('ReduceSum', sumGXhat, perChannel, false) : undefined, ctx.needs(2) ? b.reduce('ReduceSum', sumG, perChannel, false) : undefined];
}

function layerNormGrad(ctx: GradContext, [dy, dMean, dInvStd]: (Grad | undefined)[]): (Grad | undefined)[] {
  const b = ctx.b;
  const axes = layerAxes(ctx);
  const stats = normalise(ctx, axes, ctx.attr.float('epsilon', 1e-5));
  const out: (Grad | undefined)[] = [];
  let dx: string | undefined;
  if (dy !== undefined) {
    const g = ctx.tensor(dy);
    if (ctx.needs(0)) {
      const gs = b.op('Mul', [g, ctx.input(1)]);
      const meanG = b.reduce('ReduceMean', gs, axes, true);
      const meanGXhat = b.reduce('ReduceMean', b.op('Mul', [gs, stats.xhat]), axes, true);
      dx = normalisedInputGrad(ctx, gs, stats.xhat, stats.invstd, meanG, meanGXhat);
    }
    if (ctx.needs(1)) out[1] = ctx.unbroadcast(b.op('Mul', [g, stats.xhat]), 1);
    if (ctx.needs(2)) out[2] = ctx.unbroadcast(dy, 2);
  }
  if (ctx.needs(0) && (dMean !== undefined || dInvStd !== undefined)) {
    const h = countOver(ctx, axes);
    // The statistics outputs are float32 (stash_type 1); X may be another float type.
    const inData = (d: Grad, i: number) => asType(ctx, ctx.tensor(d), ctx.outType(i).dtype, dataType(ctx));
    if (dMean !== undefined) dx = addToInputGrad(ctx, dx, divide(ctx, inData(dMean, 1), h));
    if (dInvStd !== undefined) {
      const perElement = divide(ctx, b.op('Mul', [inData(dInvStd, 2), b.op('Mul', [stats.invstd, stats.invstd])]), h);
      dx = addToInputGrad(ctx, dx, b.op('Neg', [b.op('Mul', [stats.xhat, perElement])]));
    }
  }
  out[0] = dx;
  return out;
}

/** GroupNormalization's num_groups, checked to divide a static channel count. */
function numGroups(ctx: Pick<InferContext, 'attr' | 'fail'>, channels: Dim | undefined): number {
  const g = ctx.attr.int('num_groups');
  if (g < 1) ctx.fail(`num_groups is ${g}; it must be positive`);
  if (typeof channels === 'number' && channels % g !== 0) ctx.fail(`num_groups ${g} does not divide the channel count ${channels}`);
  return g;
}

function inferGroupNorm(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  if (x.shape !== null && x.shape.length < 3) ctx.fail(`input has shape [${x.shape.join(', ')}]; it must be [N, C, D1, ...] (rank 3 or more)`);
  const c = x.shape?.[1];
  const groups = numGroups(ctx, c);
  // Opset 18 scales each group, 21 each channel.
  const [want, label] = ctx.opset >= 21 ? [c ?? null, `[C] = [${c ?? '?'}]`] : [groups, `[num_groups] = [${groups}]`];
  for (const i of [1, 2]) {
    const s = ctx.type(i).shape;
    if (s !== null && (s.length !== 1 || (typeof s[0] === 'number' && typeof want === 'number' && s[0] !== want)))
      ctx.fail(`input ${i === 1 ? 'scale' : 'bias'} has shape [${s.join(', ')}]; it must be ${label}`);
  }
  return [typeOf(x.dtype, x.shape)];
}

/**
 * GroupNormalization's gradients, on the view [N, G, M] of X (M = C / G times the spatial extents), where
 * each (n, g) row is normalised on its own. Per-group scale and bias (opset 18) act on that view directly;
 * per-channel ones (21) act on X, so dy * scale is formed before taking the view.
 */
function groupNormGrad(ctx: GradContext, dy: Grad): (Grad | undefined)[] {
  const b = ctx.b;
  const rank = ctx.inType(0).shape?.length;
  if (rank === undefined) return ctx.unsupported('GroupNormalization gradients need the rank of X');
  const groups = ctx.attr.int('num_groups');
  const perChannel = ctx.opset >= 21;
  const view = (t: string) => b.reshape(t, [0, groups, -1]);
  const stats = normalise(ctx, [2], ctx.attr.float('epsilon', 1e-5), view(ctx.input(0)));
  const g = ctx.tensor(dy);
  const spatial = Array.from({ length: rank - 2 }, (_, k) => k + 2);
  const out: (Grad | undefined)[] = [];
  if (ctx.needs(0)) {
    // G = dL/dxhat on the view: per-group scale [G] viewed as [G, 1]; per-channel scale applied on X first.
    const gx = perChannel ? view(b.op('Mul', [g, channelView(ctx, ctx.input(1), rank)])) : b.op('Mul', [view(g), b.unsqueeze(ctx.input(1), [1])]);
    const meanG = b.reduce('ReduceMean', gx, [2], true);
    const meanGXhat = b.reduce('ReduceMean', b.op('Mul', [gx, stats.xhat]), [2], true);
    out[0] = b.reshape(normalisedInputGrad(ctx, gx, stats.xhat, stats.invstd, meanG, meanGXhat), ctx.shapeOf(ctx.input(0)));
  }
  if (perChannel) {
    if (ctx.needs(1)) out[1] = b.reduce('ReduceSum', b.op('Mul', [g, b.reshape(stats.xhat, ctx.shapeOf(ctx.input(0)))]), [0, ...spatial], false);
    if (ctx.needs(2)) out[2] = b.reduce('ReduceSum', g, [0, ...spatial], false);
  } else {
    if (ctx.needs(1)) out[1] = b.reduce('ReduceSum', b.op('Mul', [view(g), stats.xhat]), [0, 2], false);
    if (ctx.needs(2)) out[2] = b.reduce('ReduceSum', view(g), [0, 2], false);
  }
  return out;
}

export const normalizationOps: OpDef[] = [
  {
    opType: 'InstanceNormalization',
    opsets: ALL_OPSETS,
    attributes: { epsilon: { kind: 'float' } },
    inputs: [3, 3],
    outputs: [1, 1],
    infer: (ctx) => {
      const x = ctx.type(0);
      if (x.shape !== null && x.shape.length < 3) ctx.fail(`input has shape [${x.shape.join(', ')}]; it must be [N, C, D1, ...] (rank 3 or more)`);
      for (const i of [1, 2]) {
        const s = ctx.type(i).shape;
        const c = x.shape?.[1];
        if (s !== null && (s.length !== 1 || (typeof s[0] === 'number' && typeof c === 'number' && s[0] !== c)))
          ctx.fail(`input ${i === 1 ? 'scale' : 'B'} has shape [${s.join(', ')}]; it must be [C] = [${c ?? '?'}]`);
      }
      return [typeOf(x.dtype, x.shape)];
    },
    differentiable: [0, 1, 2],
    grad: (ctx, [dy]) => (dy === undefined ? [] : instanceNormGrad(ctx, dy)),
  },
  {
    opType: 'LayerNormalization',
    opsets: [17, MAX_OPSET],
    attributes: { axis: { kind: 'int' }, epsilon: { kind: 'float' }, stash_type: { kind: 'int', values: [1] } },
    inputs: [2, 3],
    outputs: [1, 3],
    infer: (ctx) => {
      const x = ctx.type(0);
      if (x.shape === null) return [typeOf(x.dtype, null), typeOf('float32', null), typeOf('float32', null)].slice(0, ctx.node.outputs.length);
      const axis = normAxis(ctx, ctx.attr.int('axis', -1), x.shape.length);
      const stats = typeOf(
        'float32',
        x.shape.map((d, i) => (i < axis ? d : 1)),
      );
      return [typeOf(x.dtype, x.shape), stats, { ...stats }].slice(0, ctx.node.outputs.length);
    },
    differentiable: [0, 1, 2],
    grad: layerNormGrad,
  },
  {
    opType: 'GroupNormalization',
    opsets: [18, 20],
    attributes: { epsilon: { kind: 'float' }, num_groups: { kind: 'int' } },
    inputs: [3, 3],
    outputs: [1, 1],
    infer: inferGroupNorm,
    differentiable: [0, 1, 2],
    grad: (ctx, [dy]) => (dy === undefined ? [] : groupNormGrad(ctx, dy)),
  },
  {
    opType: 'GroupNormalization',
    opsets: [21, MAX_OPSET],
    attributes: { epsilon: { kind: 'float' }, num_groups: { kind: 'int' }, stash_type: { kind: 'int', values: [1] } },
    inputs: [3, 3],
    outputs: [1, 1],
    infer: inferGroupNorm,
    differentiable: [0, 1, 2],
    grad: (ctx, [dy]) => (dy === undefined ? [] : groupNormGrad(ctx, dy)),
  },
];
