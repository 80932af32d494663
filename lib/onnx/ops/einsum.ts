/**
 * Einsum (opset 12+), on the explicit form of its equation (support/einsum-equation.ts): implicit outputs,
 * '...' broadcasting and letters repeated within an operand (diagonals, traces) are handled.
 *
 * Einsum is linear in each operand, so the gradient of operand k is an Einsum of the upstream gradient with
 * the other operands, written to operand k's letters. Three things need more than that:
 * - a letter repeated in operand k (its diagonal was read): its later occurrences get fresh letters, tied to
 *   the first by a constant Kronecker delta operand, which puts the gradient back on the diagonal (this
 *   needs the letter's extent to be static);
 * - a letter only operand k has, summed out: the Einsum cannot produce it, so the result is unsqueezed
 *   there and expanded to operand k's shape;
 * - a '...' axis of extent 1 in operand k broadcast against a wider one: the gradient is summed back to 1.
 * An upstream gradient of rank 0 multiplies the result instead of being an Einsum operand.
 */
import type { Dim, Shape } from '../ir.js';
import { tensorOf } from '../tensor.js';
import { formatEquation, makeExplicit, parseEquation, unusedLetters, type ExplicitEquation } from './support/einsum-equation.js';
import { typeOf } from './support/shape-utils.js';
import type { Grad, GradContext, InferContext, OpDef, ValueType } from './types.js';
import { MAX_OPSET } from './support/opsets.js';

/** The explicit equation of the node, given its operands' shapes; null when a rank is unknown. */
function explicitOf(ctx: Pick<InferContext, 'attr' | 'unsupported'>, shapes: (Shape | null)[]): ExplicitEquation | null {
  const equation = ctx.attr.string('equation');
  const fail = (message: string): never => ctx.unsupported(`Einsum equation '${equation}': ${message}`);
  const eq = parseEquation(equation, fail);
  if (shapes.some((s) => s === null)) {
    if (eq.inputs.length !== shapes.length) fail(`${eq.inputs.length} input terms for ${shapes.length} inputs`);
    return null;
  }
  return makeExplicit(
    eq,
    shapes.map((s) => s!.length),
    equation,
    fail,
  );
}

/** The extent of every letter, from all operands: '...' letters broadcast, others must agree. */
function letterDims(ctx: Pick<InferContext, 'fail'>, ex: ExplicitEquation, shapes: Shape[]): Map<string, Dim> {
  const dims = new Map<string, Dim>();
  ex.inputs.forEach((letters, k) =>
    letters.forEach((l, a) => {
      const d = shapes[k][a];
      if (!dims.has(l)) return dims.set(l, d);
      const prev = dims.get(l)!;
      if (prev === d) return;
      if (ex.ellipsisLetters.has(l) && (prev === 1 || d === 1)) return dims.set(l, prev === 1 ? d : prev);
      if (typeof prev === 'number' && typeof d === 'number') ctx.fail(`letter '${l}' has extent ${prev} in one place and ${d} in input ${k}`);
      // A number other than 1 fixes the extent (a symbol there is that number, or 1 broadcast); two symbols that differ leave it unknown.
      if (typeof d === 'number') dims.set(l, d);
      else if (typeof prev !== 'number') dims.set(l, null);
    }),
  );
  return dims;
}

function inferEinsum(ctx: InferContext): ValueType[] {
  const types = ctx.node.inputs.map((_, i) => ctx.type(i));
  const dtype = types.find((t) => t.dtype !== undefined)?.dtype;
  const shapes = types.map((t) => t.shape);
  const ex = explicitOf(ctx, shapes);
  if (ex === null) return [typeOf(dtype, null)];
  const dims = letterDims(ctx, ex, shapes as Shape[]);
  return [
    typeOf(
      dtype,
      ex.output.map((l) => dims.get(l) ?? null),
    ),
  ];
}

/** A constant Kronecker delta of `rank` axes of extent n: 1 where all indices are equal. */
function delta(ctx: GradContext, n: number, rank: number): string {
  const size = n ** rank;
  const values = new Array<number>(size).fill(0);
  const diagonalStep = (n ** rank - 1) / (n - 1 || 1);
  for (let i = 0; i < n; i++) values[i * diagonalStep] = 1;
  return ctx.b.constant(tensorOf(ctx.outType(0).dtype ?? 'float32', new Array<number>(rank).fill(n), values), 'einsum_delta');
}

function operandGrad(ctx: GradContext, ex: ExplicitEquation, shapes: Shape[], dims: Map<string, Dim>, dy: string, k: number): string {
  const b = ctx.b;
  const equation = ctx.attr.string('equation');
  const spare = unusedLetters([...ex.inputs.flat(), ...ex.output], ex.inputs[k].length, (m) => ctx.unsupported(`Einsum equation '${equation}': ${m}`));
  // Operand k's letters with each repeat renamed, and the delta operands tying the renamed ones together.
  const target: string[] = [];
  const ties = new Map<string, string[]>();
  for (const l of ex.inputs[k]) {
    const tie = ties.get(l);
    if (tie === undefined) {
      ties.set(l, [l]);
      target.push(l);
    } else {
      const fresh = spare.shift()!;
      tie.push(fresh);
      target.push(fresh);
    }
  }
  const terms: string[][] = [];
  const operands: string[] = [];
  if (ex.output.length > 0) {
    terms.push(ex.output);
    operands.push(dy);
  }
  ex.inputs.forEach((letters, j) => {
    if (j === k) return;
    terms.push(letters);
    operands.push(ctx.input(j));
  });
  for (const [l, tie] of ties) {
    if (tie.length === 1) continue;
    const n = dims.get(l);
    if (typeof n !== 'number') ctx.unsupported(`Einsum equation '${equation}': gradients through the diagonal of letter '${l}' need its extent to be static`);
    terms.push(tie);
    operands.push(delta(ctx, n, tie.length));
  }
  const covered = new Set(terms.flat());
  const produced = target.filter((l) => covered.has(l));
  let g: string;
  if (operands.length === 0) g = dy;
  else {
    g = b.op('Einsum', operands, { equation: formatEquation(terms, produced) });
    if (ex.output.length === 0) g = b.op('Mul', [g, dy]);
  }
  const missing = target.map((l, a) => (covered.has(l) ? -1 : a)).filter((a) => a >= 0);
  if (missing.length > 0) g = b.op('Expand', [b.unsqueeze(g, missing), ctx.shapeOf(ctx.input(k))]);
  // '...' axes of extent 1 in operand k that broadcast against wider ones are summed back.
  if (ex.inputs[k].some((l) => ex.ellipsisLetters.has(l))) {
    const from = ex.inputs[k].map((l, a) => (ex.ellipsisLetters.has(l) ? (dims.get(l) ?? null) : shapes[k][a]));
    g = ctx.tensor(ctx.sumTo(g, from, shapes[k], ctx.input(k)));
  }
  return g;
}

function einsumGrad(ctx: GradContext, [dy]: (Grad | undefined)[]): (Grad | undefined)[] {
  if (dy === undefined) return [];
  const shapes = ctx.node.inputs.map((_, i) => ctx.inType(i).shape);
  const ex = explicitOf(ctx, shapes);
  if (ex === null) return ctx.unsupported(`Einsum gradients need the ranks of all operands (equation '${ctx.attr.string('equation')}')`);
  const fail = (message: string): never => ctx.unsupported(message);
  const dims = letterDims({ fail }, ex, shapes as Shape[]);
  const g = ctx.tensor(dy);
  return ctx.node.inputs.map((_, k) => (ctx.needs(k) ? operandGrad(ctx, ex, shapes as Shape[], dims, g, k) : undefined));
}

/** The definition of Einsum. */
export const einsumOps: OpDef[] = [
  {
    opType: 'Einsum',
    opsets: [12, MAX_OPSET],
    attributes: { equation: { kind: 'string' } },
    inputs: [1, 2 ** 31],
    outputs: [1, 1],
    infer: inferEinsum,
    differentiable: (ctx) => ctx.node.inputs.map((_, i) => i),
    grad: einsumGrad,
  },
];
