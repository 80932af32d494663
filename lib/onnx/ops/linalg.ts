/**
 * Gemm and MatMul. Gradients of Gemm fold transposes and alpha into Gemm attributes (no Transpose nodes on
 * weights); MatMul of an N-D input by a 2-D weight flattens the batch dims into one Gemm for each gradient.
 */
import type { Shape } from '../ir.js';
import { broadcast, isStatic, typeOf } from './support/shape-utils.js';
import type { Grad, GradContext, InferContext, OpDef } from './types.js';
import { floatAttr, type AttrInput } from '../builder.js';
import { ALL_OPSETS } from './support/opsets.js';

/** Emits Gemm(a, b) with the given flags, adding the zero C that Gemm requires before opset 11. */
function gemm(ctx: GradContext, a: string, b: string, transA: number, transB: number, alpha: number): string {
  const attrs: Record<string, AttrInput> = {};
  if (transA) attrs.transA = 1;
  if (transB) attrs.transB = 1;
  if (alpha !== 1) attrs.alpha = floatAttr(alpha);
  if (ctx.opset < 11) {
    attrs.beta = floatAttr(0);
    return ctx.b.op('Gemm', [a, b, ctx.scalar(0)], attrs);
  }
  return ctx.b.op('Gemm', [a, b], attrs);
}

function checkInner(ctx: InferContext, k1: Shape[number], k2: Shape[number]): void {
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) ctx.fail(`inner dimensions differ (${k1} and ${k2})`);
}

function inferGemm(ctx: InferContext) {
  if (ctx.opset < 11 && !ctx.has(2)) ctx.fail('Gemm before opset 11 requires input C');
  const a = ctx.type(0);
  const b = ctx.type(1);
  const tA = ctx.attr.int('transA', 0);
  const tB = ctx.attr.int('transB', 0);
  if ((a.shape && a.shape.length !== 2) || (b.shape && b.shape.length !== 2)) ctx.fail('Gemm takes 2-D A and B');
  const m = a.shape ? a.shape[tA ? 1 : 0] : null;
  const n = b.shape ? b.shape[tB ? 0 : 1] : null;
  if (a.shape && b.shape) checkInner(ctx, a.shape[tA ? 0 : 1], b.shape[tB ? 1 : 0]);
  const out: Shape = [m, n];
  if (ctx.has(2)) {
    const c = ctx.type(2).shape;
    if (c && c.length > 2) ctx.fail(`C has rank ${c.length}; it must broadcast to [M, N]`);
    broadcast(ctx, out, c);
  }
  return [typeOf(a.dtype, out)];
}

function inferMatMul(ctx: InferContext) {
  const a = ctx.type(0);
  const b = ctx.type(1);
  if (a.shape === null || b.shape === null) return [typeOf(a.dtype, null)];
  if (a.shape.length === 0 || b.shape.length === 0) ctx.fail('MatMul operands must have rank 1 or more');
  const a2: Shape = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const b2: Shape = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  checkInner(ctx, a2[a2.length - 1], b2[b2.length - 2]);
  const batch = broadcast(ctx, a2.slice(0, -2), b2.slice(0, -2)) as Shape;
  const out: Shape = [...batch];
  if (a.shape.length > 1) out.push(a2[a2.length - 2]);
  if (b.shape.length > 1) out.push(b2[b2.length - 1]);
  return [typeOf(a.dtype, out)];
}

function gemmGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined) return [];
  const alpha = ctx.attr.float('alpha', 1);
  const beta = ctx.attr.float('beta', 1);
  const tA = ctx.attr.int('transA', 0);
  const tB = ctx.attr.int('transB', 0);
  const A = ctx.input(0);
  const B = ctx.input(1);
  const g = ctx.needs(0) || ctx.needs(1) ? ctx.tensor(dy) : '';
  // Y = alpha A' B' + beta C with A' = op(A), B' = op(B): dA' = alpha dY B'^T, dB' = alpha A'^T dY.
  const dA = !ctx.needs(0) ? undefined : tA ? gemm(ctx, B, g, tB, 1, alpha) : gemm(ctx, g, B, 0, 1 - tB, alpha);
  const dB = !ctx.needs(1) ? undefined : tB ? gemm(ctx, g, A, 1, tA, alpha) : gemm(ctx, A, g, 1 - tA, 0, alpha);
  const dC = ctx.has(2) && ctx.needs(2) && beta !== 0 ? ctx.unbroadcast(ctx.scale(dy, null, beta), 2) : undefined;
  return [dA, dB, dC];
}

function matmulGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined) return [];
  const b = ctx.b;
  const sa = ctx.inType(0).shape;
  const sb = ctx.inType(1).shape;
  const sy = ctx.outType(0).shape;
  if (sa === null || sb === null || sy === null) ctx.unsupported('MatMul gradients need the ranks of both operands');
  let g = ctx.tensor(dy);
  const A = ctx.input(0);
  const B = ctx.input(1);

  // N-D input times a 2-D weight: one Gemm per gradient over the flattened batch.
  if (sa.length >= 2 && sb.length === 2 && isStatic(sb)) {
    const [k, n] = sb;
    let dA: Grad | undefined;
    let dB: Grad | undefined;
    if (sa.length === 2) {
      dA = ctx.needs(0) ? gemm(ctx, g, B, 0, 1, 1) : undefined;
      dB = ctx.needs(1) ? gemm(ctx, A, g, 1, 0, 1) : undefined;
    } else {
      const g2 = b.reshape(g, [-1, n]);
      dA = ctx.needs(0) ? b.reshape(gemm(ctx, g2, B, 0, 1, 1), ctx.shapeOf(A)) : undefined;
      dB = ctx.needs(1) ? gemm(ctx, b.reshape(A, [-1, k]), g2, 1, 0, 1) : undefined;
    }
    return [dA, dB];
  }

  // General case: promote 1-D operands to matrices, batch-multiply, sum over broadcast batch dims.
  let a2 = A;
  let b2 = B;
  let sa2: Shape = sa;
  let sb2: Shape = sb;
  let sy2: Shape = sy;
  if (sa.length === 1) {
    a2 = b.unsqueeze(A, [0]);
    sa2 = [1, sa[0]];
    g = b.unsqueeze(g, [sy.length - (sb.length === 1 ? 0 : 1)]);
    sy2 = [...sy.slice(0, sy.length - (sb.length === 1 ? 0 : 1)), 1, ...sy.slice(sy.length - (sb.length === 1 ? 0 : 1))];
  }
  if (sb.length === 1) {
    b2 = b.unsqueeze(B, [1]);
    sb2 = [sb[0], 1];
    g = b.unsqueeze(g, [sy2.length]);
    sy2 = [...sy2, 1];
  }
  const swap = (r: number) => [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
  const batch = sy2.slice(0, -2);
  let dA: Grad | undefined;
  let dB: Grad | undefined;
  if (ctx.needs(0)) {
    const full = b.op('MatMul', [g, b.transpose(b2, swap(sb2.length))]);
    dA = ctx.sumTo(full, [...batch, sa2[sa2.length - 2], sa2[sa2.length - 1]], sa2, a2);
    if (sa.length === 1) dA = b.squeeze(ctx.tensor(dA), [0]);
  }
  if (ctx.needs(1)) {
    const full = b.op('MatMul', [b.transpose(a2, swap(sa2.length)), g]);
    dB = ctx.sumTo(full, [...batch, sb2[sb2.length - 2], sb2[sb2.length - 1]], sb2, b2);
    if (sb.length === 1) dB = b.squeeze(ctx.tensor(dB), [1]);
  }
  return [dA, dB];
}

/** Definitions of the Gemm and MatMul. */
export const linalgOps: OpDef[] = [
  {
    opType: 'Gemm',
    opsets: ALL_OPSETS,
    attributes: { alpha: { kind: 'float' }, beta: { kind: 'float' }, transA: { kind: 'int', values: [0, 1] }, transB: { kind: 'int', values: [0, 1] } },
    inputs: [2, 3],
    outputs: [1, 1],
    infer: inferGemm,
    differentiable: [0, 1, 2],
    grad: gemmGrad,
  },
  {
    opType: 'MatMul',
    opsets: ALL_OPSETS,
    attributes: {},
    inputs: [2, 2],
    outputs: [1, 1],
    infer: inferMatMul,
    differentiable: [0, 1],
    grad: matmulGrad,
  },
];
