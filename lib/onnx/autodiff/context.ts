/**
 * The GradContext a gradient rule works through: forward types, the builder of the gradient graph, and
 * the helpers every rule needs (materialising uniform gradients, summing broadcast gradients back to an
 * input's shape with static axes where shapes allow and runtime axes where they do not).
 */
import { LpcError } from '../../errors.js';
import type { GraphBuilder } from '../builder.js';
import { isFloat, type DType } from '../dtype.js';
import { describeNode, type Dim, type Node, type Shape } from '../ir.js';
import type { TypeMap } from '../infer.js';
import { attrReader } from '../ops/support/attrs.js';
import { dimEq, shapeEq } from '../ops/support/shape-utils.js';
import type { Grad, GradContext, ValueType } from '../ops/types.js';
import { tensorOf, type Tensor } from '../tensor.js';

/** State shared by the contexts of one gradient graph (caches of materialised values). */
export class GradSession {
  readonly materialised = new Map<string, string>();
  readonly shapes = new Map<string, string>();
  /** Outputs of emitted Neg nodes -> their inputs: sums subtract these instead of adding a negation. */
  readonly negations = new Map<string, string>();

  constructor(
    readonly b: GraphBuilder,
    readonly types: TypeMap,
  ) {}

  type(name: string): ValueType {
    return this.types.get(name) ?? { dtype: undefined, shape: null };
  }

  /** Shape(x), emitted once per value. */
  shapeOf(x: string): string {
    let s = this.shapes.get(x);
    if (s === undefined) {
      const shape = this.type(x).shape;
      s = shape !== null && shape.every((d) => typeof d === 'number') ? this.b.ints(shape as number[]) : this.b.shapeOf(x);
      this.shapes.set(x, s);
    }
    return s;
  }

  /** A tensor of `value` everywhere, shaped and typed like forward value `like`. */
  filled(value: number, like: string): string {
    const key = `${value}|${like}`;
    let t = this.materialised.get(key);
    if (t === undefined) {
      const dtype = this.floatType(like);
      t = this.b.op('ConstantOfShape', [this.shapeOf(like)], { value: tensorOf(dtype, [1], [value]) });
      this.materialised.set(key, t);
    }
    return t;
  }

  /** -x, remembered so that a sum containing it becomes a subtraction. */
  neg(x: string): string {
    const out = this.b.op('Neg', [x]);
    this.negations.set(out, x);
    return out;
  }

  tensor(g: Grad): string {
    return typeof g === 'string' ? g : this.filled(g.uniform, g.like);
  }

  floatType(name: string): DType {
    const dtype = this.type(name).dtype;
    if (dtype === undefined || !isFloat(dtype)) {
      throw new LpcError('LPC_SHAPE_MISMATCH', `the element type of '${name}' is ${dtype ?? 'unknown'}; gradients need a floating-point type`);
    }
    return dtype;
  }
}

/** Builds the GradContext of one forward node. */
export function makeGradContext(session: GradSession, node: Node, opset: number, needed: (i: number) => boolean): GradContext {
  const b = session.b;
  const where = () => `node ${describeNode(node)} at opset ${opset}`;
  const inName = (i: number) => node.inputs[i];
  const floatOf = () => {
    const out = session.type(node.outputs[0]).dtype;
    if (out !== undefined && isFloat(out)) return out;
    const found = node.inputs.find((i) => i !== '' && isFloat(session.type(i).dtype));
    return session.floatType(found ?? node.outputs[0]);
  };
  const ctx: GradContext = {
    node,
    opset,
    attr: attrReader(node),
    b,
    input: inName,
    output: (i) => node.outputs[i],
    has: (i) => i < node.inputs.length && node.inputs[i] !== '',
    inType: (i) => session.type(inName(i)),
    outType: (i) => session.type(node.outputs[i]),
    constant: (i) => (ctx.has(i) ? constantOf(session.type(inName(i))) : undefined),
    needs: needed,
    tensor: (g) => session.tensor(g),
    scalar: (value) => b.scalar(value, floatOf()),
    scale: (g, expr, factor = 1) => {
      if (typeof g !== 'string') {
        const k = g.uniform * factor;
        if (expr === null) return { uniform: k, like: g.like };
        if (k === 1) return expr;
        if (k === -1) return session.neg(expr);
        return b.op('Mul', [expr, b.scalar(k, session.floatType(g.like))]);
      }
      let out = expr === null ? g : b.op('Mul', [g, expr]);
      if (factor === -1) out = session.neg(out);
      else if (factor !== 1) out = b.op('Mul', [out, ctx.scalar(factor)]);
      return out;
    },
    unbroadcast: (g, i) => unbroadcast(session, ctx, g, inName(i), session.type(node.outputs[0]).shape, session.type(inName(i)).shape),
    sumTo: (g, from, to, target) => unbroadcast(session, ctx, g, target, from, to),
    shapeOf: (name) => session.shapeOf(name),
    zerosLike: (like) => session.filled(0, like),
    unsupported: (message) => {
      throw new LpcError('LPC_UNSUPPORTED_OP', `${where()}: ${message}`);
    },
  };
  return ctx;
}

function constantOf(t: ValueType): Tensor | undefined {
  if (t.constant) return t.constant;
  if (t.value && t.dtype && t.shape && t.value.every((v) => typeof v === 'number')) return tensorOf(t.dtype, t.shape as number[], t.value as number[]);
  return undefined;
}

/** Sums g (shaped `from`) over the axes along which `target` (shaped `to`) was broadcast. */
function unbroadcast(session: GradSession, ctx: GradContext, g: Grad, target: string, from: Shape | null, to: Shape | null): Grad {
  if (shapeEq(from, to)) return typeof g === 'string' ? g : { uniform: g.uniform, like: target };
  if (from === null || to === null) ctx.unsupported(`cannot sum the gradient of '${target}' over broadcast axes: the rank of '${target}' or of the node's output is unknown`);
  const lead = from.length - to.length;
  if (lead < 0) ctx.unsupported(`input '${target}' has a higher rank than the output`);
  const leading = Array.from({ length: lead }, (_, k) => k);
  const kept: number[] = [];
  let uncertain = false;
  to.forEach((d, j) => {
    const o: Dim = from[j + lead];
    if (d === 1 && o !== 1) kept.push(j + lead);
    else if (!dimEq(d, o) && typeof d !== 'number') uncertain = true;
  });
  const b = session.b;
  if (!uncertain) {
    if (typeof g !== 'string') {
      const reduced = [...leading, ...kept].map((a) => from[a]);
      if (reduced.every((d) => typeof d === 'number')) {
        return { uniform: g.uniform * (reduced as number[]).reduce((p, d) => p * d, 1), like: target };
      }
    }
    const t = session.tensor(g);
    if (leading.length === 0 && kept.length === 0) return t;
    if (kept.length === 0) return b.reduce('ReduceSum', t, leading, false);
    if (leading.length === 0) return b.reduce('ReduceSum', t, kept, true);
    return b.squeeze(b.reduce('ReduceSum', t, [...leading, ...kept], true), leading);
  }
  // Some dim of the target may or may not be 1: reduce, at run time, over the axes where it is 1
  // (reducing an axis of extent 1 that was not broadcast changes nothing).
  if (b.opset < 13) ctx.unsupported(`the gradient of '${target}' ${formatShape(to)} must be summed over broadcast axes that are known only at run time, which needs opset 13 or later`);
  let t = session.tensor(g);
  if (leading.length > 0) t = b.reduce('ReduceSum', t, leading, false);
  const isOne = b.op('Equal', [session.shapeOf(target), b.ints([1])]);
  const axes = b.reshape(b.op('NonZero', [isOne]), [-1]);
  return b.reduceSumDynamic(t, axes, true);
}

function formatShape(s: Shape): string {
  return `[${s.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}
