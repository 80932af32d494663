/**
 * BatchNormalization, opsets 9 to 23, X of shape [N, C, ...] and scale, B, mean, var of shape [C]:
 *   y = scale * (x - mu) / sqrt(v + epsilon) + B
 * - Running statistics (opset 9-13 with one output; training_mode=0 from 14): mu, v are the inputs mean, var.
 * - Batch statistics (opset 9-13 with five outputs, Y mean var saved_mean saved_var, the form onnxruntime
 *   accepts; training_mode=1 with three outputs from 14): mu, v are the mean and population variance of X
 *   over every axis but 1, and outputs 1 and 2 are momentum * input + (1 - momentum) * batch statistic.
 * Opset 9 has no `spatial` attribute (a node carrying one is refused, as onnxruntime refuses it). From opset 14
 * mean and var (and from 15 scale and B) may have another float type than X: gradients are computed in X's
 * type and cast back to each input's.
 *
 * Gradients: with running statistics, every input (X, scale, B, mean, var) is differentiable in closed form.
 * With batch statistics, X gets the normalisation backward (norm-stats.ts), scale and B their sums, and
 * the running-statistic outputs are differentiated too (exactly: they are affine in the input statistics and
 * in the batch mean and variance). Gradients through saved_mean and saved_var are refused: onnxruntime writes
 * the inverse standard deviation as saved_var where the operator's text says variance.
 */
import { LpcError } from '../../errors.js';
import { describeNode } from '../ir.js';
import { addToInputGrad, asType, channelView, countOver, dataType, divide, inputAsData, normalise, normalisedInputGrad, toInputType } from './support/norm-stats.js';
import { dimEq, typeOf } from './support/shape-utils.js';
import type { AttrReader, Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';
import { MAX_OPSET, MIN_OPSET } from './support/opsets.js';

const INPUT_NAMES = ['X', 'scale', 'B', 'mean', 'var'];

/** True when the node normalises with the batch's own statistics. */
function usesBatchStatistics(opset: number, outputCount: number, attr: AttrReader): boolean {
  return opset < 14 ? outputCount > 1 : attr.int('training_mode', 0) === 1;
}

function inferBatchNorm(ctx: InferContext): ValueType[] {
  const outputs = ctx.node.outputs.length;
  const batch = usesBatchStatistics(ctx.opset, outputs, ctx.attr);
  const allowed = ctx.opset < 14 ? [1, 5] : batch ? [3] : [1];
  if (!allowed.includes(outputs)) {
    const mode = ctx.opset < 14 ? '' : ` with training_mode=${batch ? 1 : 0}`;
    throw new LpcError('LPC_INVALID_MODEL', `node ${describeNode(ctx.node)} at opset ${ctx.opset}: BatchNormalization${mode} has ${outputs} outputs; it must have ${allowed.join(' or ')}`);
  }
  const x = ctx.type(0);
  if (x.shape !== null && x.shape.length < 2) ctx.fail(`X has shape [${x.shape.join(', ')}]; it must be [N, C, ...] (rank 2 or more)`);
  const channels = x.shape?.[1] ?? null;
  for (let i = 1; i < 5; i++) {
    const s = ctx.type(i).shape;
    if (s === null) continue;
    if (s.length !== 1 || (typeof s[0] === 'number' && typeof channels === 'number' && !dimEq(s[0], channels))) {
      ctx.fail(`input ${INPUT_NAMES[i]} has shape [${s.join(', ')}]; it must be [C] = [${channels ?? '?'}] for X of shape [${x.shape?.join(', ')}]`);
    }
  }
  const stats = (i: number) => typeOf(ctx.opset < 14 ? x.dtype : ctx.type(i).dtype, [channels]);
  const types = [typeOf(x.dtype, x.shape), stats(3), stats(4), typeOf(x.dtype, [channels]), typeOf(x.dtype, [channels])];
  return types.slice(0, outputs);
}

/** The axes the statistics run over: all but the channel axis 1. */
function statisticAxes(ctx: GradContext): number[] {
  const rank = ctx.inType(0).shape?.length;
  if (rank === undefined) return ctx.unsupported('BatchNormalization gradients need the rank of X');
  return [0, ...Array.from({ length: rank - 2 }, (_, k) => k + 2)];
}

/** Gradients with the running statistics given as inputs (closed form in x, scale, B, mean, var). */
function runningStatisticsGrad(ctx: GradContext, dy: Grad | undefined): (Grad | undefined)[] {
  if (dy === undefined) return [];
  const b = ctx.b;
  const axes = statisticAxes(ctx);
  const rank = axes.length + 1;
  const scale = inputAsData(ctx, 1);
  const invstd = b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [inputAsData(ctx, 4), ctx.scalar(Math.fround(ctx.attr.float('epsilon', 1e-5)))])])]);
  const k = b.op('Mul', [scale, invstd]);
  const g = ctx.tensor(dy);
  let sumG: string | undefined;
  let sumGCentred: string | undefined;
  const sums = () => (sumG ??= b.reduce('ReduceSum', g, axes, false));
  const sumsCentred = () => (sumGCentred ??= b.reduce('ReduceSum', b.op('Mul', [g, b.op('Sub', [ctx.input(0), channelView(ctx, inputAsData(ctx, 3), rank)])]), axes, false));
  return [
    ctx.needs(0) ? b.op('Mul', [g, channelView(ctx, k, rank)]) : undefined,
    // dy/dscale = (x - mean) * invstd
    ctx.needs(1) ? toInputType(ctx, b.op('Mul', [sumsCentred(), invstd]), 1) : undefined,
    ctx.needs(2) ? toInputType(ctx, sums(), 2) : undefined,
    ctx.needs(3) ? toInputType(ctx, b.op('Neg', [b.op('Mul', [sums(), k])]), 3) : undefined,
    // dy/dvar = -scale (x - mean) / 2 * (var + eps)^(-3/2)
    ctx.needs(4) ? toInputType(ctx, b.op('Mul', [b.op('Mul', [sumsCentred(), b.op('Mul', [k, b.op('Mul', [invstd, invstd])])]), ctx.scalar(-0.5)]), 4) : undefined,
  ];
}

/** Gradients with batch statistics, including those reaching the running-statistic outputs 1 and 2. */
function batchStatisticsGrad(ctx: GradContext, [dy, dRunningMean, dRunningVar]: (Grad | undefined)[]): (Grad | undefined)[] {
  const b = ctx.b;
  const axes = statisticAxes(ctx);
  const rank = axes.length + 1;
  const momentum = Math.fround(ctx.attr.float('momentum', 0.9));
  const stats = normalise(ctx, axes, ctx.attr.float('epsilon', 1e-5));
  const n = countOver(ctx, axes);
  const out: (Grad | undefined)[] = [];
  let dx: string | undefined;
  if (dy !== undefined) {
    const g = ctx.tensor(dy);
    const sumG = b.reduce('ReduceSum', g, axes, true);
    const sumGXhat = b.reduce('ReduceSum', b.op('Mul', [g, stats.xhat]), axes, true);
    if (ctx.needs(0)) {
      const k = b.op('Mul', [channelView(ctx, inputAsData(ctx, 1), rank), stats.invstd]);
      dx = normalisedInputGrad(ctx, g, stats.xhat, k, divide(ctx, sumG, n), divide(ctx, sumGXhat, n));
    }
    if (ctx.needs(1)) out[1] = toInputType(ctx, b.reshape(sumGXhat, [-1]), 1);
    if (ctx.needs(2)) out[2] = toInputType(ctx, b.reshape(sumG, [-1]), 2);
  }
  // running = momentum * input + (1 - momentum) * batch statistic; d mean/dx = 1/n, d var/dx = 2 (x - mean) / n.
  // Output 1 (2) is typed like input 3 (4).
  const running = (dr: Grad, output: number, term: (drInData: string) => string) => {
    const input = output + 2;
    const type = ctx.outType(output).dtype ?? dataType(ctx);
    if (ctx.needs(0)) dx = addToInputGrad(ctx, dx, term(asType(ctx, ctx.tensor(dr), type, dataType(ctx))));
    if (ctx.needs(input)) out[input] = typeof dr === 'string' ? b.op('Mul', [dr, b.scalar(momentum, type)]) : { uniform: dr.uniform * momentum, like: ctx.input(input) };
  };
  if (dRunningMean !== undefined) running(dRunningMean, 1, (d) => channelView(ctx, divide(ctx, b.op('Mul', [d, ctx.scalar(1 - momentum)]), n), rank));
  if (dRunningVar !== undefined) {
    running(dRunningVar, 2, (d) => b.op('Mul', [stats.centred, channelView(ctx, divide(ctx, b.op('Mul', [d, ctx.scalar(2 * (1 - momentum))]), n), rank)]));
  }
  out[0] = dx;
  return out;
}

const common = {
  opType: 'BatchNormalization',
  inputs: [5, 5] as const,
  infer: inferBatchNorm,
  differentiable: [0, 1, 2, 3, 4],
  // Running statistics are estimated, not trained: frozen unless asked for.
  settings: [3, 4],
  grad: (ctx: GradContext, dOut: (Grad | undefined)[]): (Grad | undefined)[] => {
    if (dOut[3] !== undefined || dOut[4] !== undefined) {
      ctx.unsupported('gradients through the saved_mean and saved_var outputs are not supported (runtimes disagree on what saved_var holds); differentiate Y, mean and var');
    }
    return usesBatchStatistics(ctx.opset, ctx.node.outputs.length, ctx.attr) ? batchStatisticsGrad(ctx, dOut) : runningStatisticsGrad(ctx, dOut[0]);
  },
};

export const batchNormOps: OpDef[] = [
  { ...common, opsets: [MIN_OPSET, 13], attributes: { epsilon: { kind: 'float' }, momentum: { kind: 'float' } }, outputs: [1, 5] },
  { ...common, opsets: [14, MAX_OPSET], attributes: { epsilon: { kind: 'float' }, momentum: { kind: 'float' }, training_mode: { kind: 'int', values: [0, 1] } }, outputs: [1, 3] },
];
