/**
 * Pad in modes constant, reflect and edge: pads (and value) as attributes before opset 11; pads,
 * constant_value and (from 18) axes as inputs after. Padding acts on each axis separately, so its
 * gradient is built axis by axis:
 * - constant: the interior slice (negative pads crop, and their gradient pads the cropped part with zeros);
 * - edge: the interior slice, plus each border's sum added to the first or last element;
 * - reflect: the interior slice, plus each border mirrored back (Gather with reversed indices) onto the
 *   elements it copied, one step in from the edge.
 * Padded axes need static extents; pads must be constants.
 */
import type { Dim, Shape } from '../ir.js';
import { toNumbers } from '../tensor.js';
import { typeOf, range } from './support/shape-utils.js';
import type { Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';
import { MAX_OPSET, MIN_OPSET } from './support/opsets.js';

const MODES = ['constant', 'reflect', 'edge'] as const;

type Reader = Pick<InferContext, 'opset' | 'attr' | 'has' | 'constant' | 'node'>;

/** Pads over all `rank` axes as [begin..., end...], or undefined when the pads input is not a known constant. */
function readPads(ctx: Reader, rank: number, fail: (message: string) => never): number[] | undefined {
  let pads: number[];
  let axes = range(rank);
  if (ctx.opset < 11) pads = ctx.attr.ints('pads');
  else {
    const t = ctx.constant(1);
    if (t === undefined) return undefined;
    pads = toNumbers(t);
    if (ctx.has(3)) {
      if (ctx.opset < 18) fail('the axes input needs opset 18 or later');
      const a = ctx.constant(3);
      if (a === undefined) return undefined;
      axes = toNumbers(a).map((v) => (v < -rank || v >= rank ? fail(`axis ${v} is out of range for rank ${rank}`) : v < 0 ? v + rank : v));
    }
  }
  if (pads.length !== 2 * axes.length) fail(`pads has ${pads.length} values for ${axes.length} axes (expected ${2 * axes.length})`);
  const full = new Array<number>(2 * rank).fill(0);
  axes.forEach((a, i) => {
    full[a] = pads[i];
    full[a + rank] = pads[i + axes.length];
  });
  return full;
}

function inferPad(ctx: InferContext): ValueType[] {
  const x = ctx.type(0);
  if (x.shape === null) return [typeOf(x.dtype, null)];
  const r = x.shape.length;
  const pads = readPads(ctx, r, ctx.fail);
  if (pads === undefined)
    return [
      typeOf(
        x.dtype,
        x.shape.map(() => null),
      ),
    ];
  const out: Shape = x.shape.map((d, a): Dim => {
    const [p, q] = [pads[a], pads[a + r]];
    if (p === 0 && q === 0) return d;
    if (typeof d !== 'number') return null;
    if (d + p + q < 0) ctx.fail(`pads [${pads.join(', ')}] crop axis ${a} of extent ${d} below zero`);
    return d + p + q;
  });
  return [typeOf(x.dtype, out)];
}

function padGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined || !ctx.needs(0)) return [];
  const shape = ctx.inType(0).shape;
  if (shape === null) return ctx.unsupported('Pad gradients need the input rank');
  const r = shape.length;
  const pads = readPads(ctx, r, ctx.unsupported);
  if (pads === undefined) return ctx.unsupported('Pad gradients need constant pads (and axes)');
  const mode = ctx.attr.string('mode', 'constant');
  const padded = range(r).filter((a) => pads[a] !== 0 || pads[a + r] !== 0);
  for (const a of padded) {
    if (typeof shape[a] !== 'number') ctx.unsupported(`Pad gradients need a static extent on padded axis ${a}`);
    if (mode !== 'constant' && (pads[a] < 0 || pads[a + r] < 0)) ctx.unsupported(`negative pads in ${mode} mode are not supported (axis ${a})`);
  }
  const extents = shape as number[];
  let g = ctx.tensor(dy);
  if (mode === 'constant') return [constantPadGrad(ctx, g, extents, pads, padded)];
  for (const a of padded) g = (mode === 'edge' ? edgeAxisGrad : reflectAxisGrad)(ctx, g, a, extents[a], pads[a], pads[a + r], r);
  return [g];
}

/** One Slice of the kept interior, then zeros for what negative pads cropped. */
function constantPadGrad(ctx: GradContext, g: string, shape: number[], pads: number[], padded: number[]): string {
  const b = ctx.b;
  const r = shape.length;
  const starts = padded.map((a) => Math.max(pads[a], 0));
  const ends = padded.map((a, i) => starts[i] + shape[a] - Math.max(-pads[a], 0) - Math.max(-pads[a + r], 0));
  let out = padded.length > 0 ? b.slice(g, starts, ends, padded) : g;
  const crop = [...range(r).map((a) => Math.max(-pads[a], 0)), ...range(r).map((a) => Math.max(-pads[a + r], 0))];
  if (crop.some((p) => p > 0)) out = b.pad(out, crop);
  return out;
}

/** Zero pads along one axis only. */
function axisPads(rank: number, axis: number, begin: number, end: number): number[] {
  const pads = new Array<number>(2 * rank).fill(0);
  pads[axis] = begin;
  pads[axis + rank] = end;
  return pads;
}

function sumTerms(ctx: GradContext, terms: string[]): string {
  return terms.length === 1 ? terms[0] : ctx.b.op('Sum', terms);
}

/** Edge: the border runs copy the first and last elements; their gradients add there. */
function edgeAxisGrad(ctx: GradContext, g: string, a: number, n: number, p: number, q: number, rank: number): string {
  const b = ctx.b;
  const terms = [b.slice(g, [p], [p + n], [a])];
  const place = (t: string, begin: number, end: number) => (begin + end > 0 ? b.pad(t, axisPads(rank, a, begin, end)) : t);
  if (p > 0) terms.push(place(b.reduce('ReduceSum', b.slice(g, [0], [p], [a]), [a], true), 0, n - 1));
  if (q > 0) terms.push(place(b.reduce('ReduceSum', b.slice(g, [p + n], [p + n + q], [a]), [a], true), n - 1, 0));
  return sumTerms(ctx, terms);
}

/**
 * Reflect: padded position p - j copies x[j] and p + n - 1 + j copies x[n - 1 - j] (j = 1..); the borders,
 * read in reverse, land on x[1..p] and x[n-1-q..n-2].
 */
function reflectAxisGrad(ctx: GradContext, g: string, a: number, n: number, p: number, q: number, rank: number): string {
  const b = ctx.b;
  if (p > n - 1 || q > n - 1) ctx.unsupported(`reflect pads of ${p} and ${q} on axis ${a} of extent ${n} reach past the mirrored edge`);
  const terms = [b.slice(g, [p], [p + n], [a])];
  if (p > 0) {
    const mirrored = b.op('Gather', [g, b.ints(range(p).map((t) => p - 1 - t))], { axis: a });
    terms.push(b.pad(mirrored, axisPads(rank, a, 1, n - 1 - p)));
  }
  if (q > 0) {
    const mirrored = b.op('Gather', [g, b.ints(range(q).map((t) => p + n + q - 1 - t))], { axis: a });
    terms.push(b.pad(mirrored, axisPads(rank, a, n - 1 - q, 1)));
  }
  return sumTerms(ctx, terms);
}

export const padOps: OpDef[] = [
  {
    opType: 'Pad',
    opsets: [MIN_OPSET, 10],
    attributes: { mode: { kind: 'string', values: MODES }, pads: { kind: 'ints' }, value: { kind: 'float' } },
    inputs: [1, 1],
    outputs: [1, 1],
    infer: inferPad,
    differentiable: [0],
    grad: padGrad,
  },
  {
    opType: 'Pad',
    opsets: [11, MAX_OPSET],
    attributes: { mode: { kind: 'string', values: MODES } },
    inputs: [2, 4],
    outputs: [1, 1],
    infer: inferPad,
    differentiable: [0],
    grad: padGrad,
  },
];
