/** Float64 reference matrices for the linear-algebra and Fréchet-distance tests (row-major n x n). */
import { Rng } from '../../../lib/onnx/random.js';

/** A symmetric matrix with standard normal entries. */
export function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  return a;
}

/** X^T X / m for an m x n matrix X of standard normals: SPD when m >= n, of rank m otherwise. */
export function gram(n: number, m: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const x = Array.from({ length: m * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let r = 0; r < m; r++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] += (x[r * n + i] * x[r * n + j]) / m;
  return a;
}

/** An orthogonal matrix: the product of n Householder reflections with random normals. */
export function randomOrthogonal(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  let q: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = 0; k < n; k++) {
    const v = Array.from({ length: n }, () => rng.normal());
    const norm2 = v.reduce((s, x) => s + x * x, 0);
    const h = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] = (i === j ? 1 : 0) - (2 * v[i] * v[j]) / norm2;
    q = matmul(q, h, n);
  }
  return q;
}

/** V diag(values) V^T. */
export function reconstruct(values: Float64Array, vectors: Float64Array, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += vectors[i * n + k] * values[k] * vectors[j * n + k];
    a[i * n + j] = s;
  }
  return a;
}

/** The plain triple-loop product, as an independent reference. */
export function matmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
    c[i * n + j] = s;
  }
  return c;
}

export function transpose(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
  return t;
}

export function frobenius(a: Float64Array): number {
  let s = 0;
  for (const x of a) s += x * x;
  return Math.sqrt(s);
}

export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
