/**
 * Shape arithmetic on symbolic dims, shared by the operator definitions: broadcasting, axis
 * normalisation, products. A dim is a number, a symbol (equal symbols are equal dims) or null (unknown).
 */
import { isIntegral } from '../../dtype.js';
import type { Dim, Shape } from '../../ir.js';
import { toNumbers, type Tensor } from '../../tensor.js';
import type { InferContext, ValueType } from '../types.js';

/** Integer tensors of rank 0 or 1 up to this many elements carry their contents through inference. */
export const MAX_VALUE_ELEMENTS = 64;

/** The type of a constant tensor, with its contents when it is a small integer tensor. */
export function constantType(t: Tensor): ValueType {
  const type: ValueType = { dtype: t.dtype, shape: [...t.dims], constant: t };
  if (isIntegral(t.dtype) && t.dims.length <= 1 && t.data.length <= MAX_VALUE_ELEMENTS) type.value = toNumbers(t);
  return type;
}

/** True when two dims are known to be equal. */
export function dimEq(a: Dim, b: Dim): boolean {
  return a !== null && a === b;
}

/** True when two shapes are known to be equal. */
export function shapeEq(a: Shape | null, b: Shape | null): boolean {
  return a !== null && b !== null && a.length === b.length && a.every((d, i) => dimEq(d, b[i]));
}

/** True when every dim is a number. */
export function isStatic(s: Shape | null): s is number[] {
  return s !== null && s.every((d) => typeof d === 'number');
}

/** The product of dims, or null when one is not a number. */
export function dimProduct(dims: readonly Dim[]): number | null {
  let p = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return null;
    p *= d;
  }
  return p;
}

/** Multidirectional (numpy) broadcasting of two shapes; fails on static dims that cannot broadcast. */
export function broadcast(ctx: InferContext, a: Shape | null, b: Shape | null): Shape | null {
  if (a === null || b === null) return null;
  const rank = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    out.push(broadcastDim(ctx, da, db));
  }
  return out;
}

function broadcastDim(ctx: InferContext, a: Dim, b: Dim): Dim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === b) return a;
  if (typeof a === 'number' && typeof b === 'number') ctx.fail(`cannot broadcast dimension ${a} against ${b}`);
  // A symbol or unknown against a number other than 1: the symbol must be that number (or 1).
  if (typeof a === 'number') return a;
  if (typeof b === 'number') return b;
  return null;
}

/** Broadcasts any number of input types. */
export function broadcastAll(ctx: InferContext, types: readonly ValueType[]): Shape | null {
  let s: Shape | null = types[0].shape;
  for (let i = 1; i < types.length; i++) s = broadcast(ctx, s, types[i].shape);
  return s;
}

/** Normalises a possibly negative axis against a rank, failing when out of range. */
export function normAxis(ctx: InferContext, axis: number, rank: number): number {
  if (axis < -rank || axis >= rank) ctx.fail(`axis ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** A type with the given dtype and shape (convenience for infer functions). */
export function typeOf(dtype: ValueType['dtype'], shape: Shape | null, value?: Dim[]): ValueType {
  return value === undefined ? { dtype, shape } : { dtype, shape, value };
}

/** A shape of `rank` unknown dims, or null when the rank is unknown too. */
export function unknownShape(rank: number | null): Shape | null {
  return rank === null ? null : new Array<Dim>(rank).fill(null);
}

/** Elementwise integer arithmetic on partially known values (shape computations such as C*H*W). */
export function combineValues(a: Dim[] | undefined, b: Dim[] | undefined, f: (x: number, y: number) => number): Dim[] | undefined {
  if (a === undefined || b === undefined) return undefined;
  const n = Math.max(a.length, b.length);
  if ((a.length !== n && a.length !== 1) || (b.length !== n && b.length !== 1)) return undefined;
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length === 1 ? 0 : i];
    const y = b[b.length === 1 ? 0 : i];
    out.push(typeof x === 'number' && typeof y === 'number' ? f(x, y) : null);
  }
  return out;
}

/** The integers from, from + 1, ..., from + n - 1 (axes, indices). */
export function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => i + from);
}
