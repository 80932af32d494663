/**
 * Small dense linear algebra in float64 for the Fréchet distance: the eigen-decomposition of a real
 * symmetric matrix by the cyclic Jacobi method, and the square root of a positive semidefinite matrix.
 *
 * Jacobi is chosen over tridiagonalisation + QL because it is short, needs no shifts, and gives small
 * eigenvalues to high relative accuracy; for the ~128-dimensional covariances of the feature network a
 * decomposition takes a few tens of milliseconds. Matrices are row-major Float64Arrays of n * n values.
 */
import { invalidArgument, LpcError } from '../errors.js';

/** The unit roundoff of float64. */
const EPS = 2 ** -52;
/** Cyclic Jacobi converges quadratically after a few sweeps; ~10 suffice for n = 128, 64 is a safety stop. */
const MAX_SWEEPS = 64;

/** A = V diag(values) V^T, with V orthogonal. */
export interface SymmetricEigen {
  readonly n: number;
  /** Eigenvalues in ascending order. */
  readonly values: Float64Array;
  /** Eigenvectors as columns: column j (entries j, n + j, 2n + j, ...) belongs to values[j]. */
  readonly vectors: Float64Array;
  /** Jacobi sweeps used. */
  readonly sweeps: number;
}

/**
 * Eigenvalues and eigenvectors of the symmetric n x n matrix `a` (read, not modified; `name` is what errors
 * call it). Only symmetry to within rounding is assumed: the decomposition is of (a + a^T) / 2.
 *
 * @example
 * const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
 * values; // Float64Array [1, 3]
 */
export function symmetricEigen(a: Float64Array, n: number, name = 'a'): SymmetricEigen {
  checkSquare(name, a, n);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let norm = 0;
  for (const x of m) norm += x * x;
  // Off-diagonal entries below this absolute floor move no eigenvalue by more than ~EPS^2 ||A||.
  const floor = EPS * EPS * Math.sqrt(norm);

  let sweeps = 0;
  for (let rotated = true; rotated;) {
    if (sweeps === MAX_SWEEPS) throw new LpcError('LPC_DIVERGED', `the Jacobi eigen-decomposition of a ${n} x ${n} matrix did not converge in ${MAX_SWEEPS} sweeps`);
    sweeps++;
    rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        const app = m[p * n + p];
        const aqq = m[q * n + q];
        // Relative criterion: an entry this small against its diagonal changes no eigenvalue beyond rounding.
        if (Math.abs(apq) <= EPS * Math.sqrt(Math.abs(app * aqq)) || Math.abs(apq) <= floor) {
          m[p * n + q] = 0;
          m[q * n + p] = 0;
          continue;
        }
        rotated = true;
        rotate(m, v, n, p, q, apq, app, aqq);
      }
    }
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[i * n + i] - m[j * n + j]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    values[to] = m[from * n + from];
    for (let k = 0; k < n; k++) vectors[k * n + to] = v[k * n + from];
  });
  return { n, values, vectors, sweeps };
}

/**
 * Applies the plane rotation J(p, q) that zeroes m[p][q]: m <- J^T m J, v <- v J.
 * With theta = (a_qq - a_pp) / (2 a_pq), t = tan(phi) is the smaller root of t^2 + 2 t theta - 1 = 0,
 * which keeps |phi| <= pi/4 (the choice that makes cyclic Jacobi converge).
 */
function rotate(m: Float64Array, v: Float64Array, n: number, p: number, q: number, apq: number, app: number, aqq: number): void {
  const theta = (aqq - app) / (2 * apq);
  // For huge theta, theta^2 would overflow; t ~ 1 / (2 theta) there.
  const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  m[p * n + p] = app - t * apq;
  m[q * n + q] = aqq + t * apq;
  m[p * n + q] = 0;
  m[q * n + p] = 0;
  for (let k = 0; k < n; k++) {
    if (k !== p && k !== q) {
      const akp = m[k * n + p];
      const akq = m[k * n + q];
      const np = c * akp - s * akq;
      const nq = s * akp + c * akq;
      m[k * n + p] = np;
      m[p * n + k] = np;
      m[k * n + q] = nq;
      m[q * n + k] = nq;
    }
    const vkp = v[k * n + p];
    const vkq = v[k * n + q];
    v[k * n + p] = c * vkp - s * vkq;
    v[k * n + q] = s * vkp + c * vkq;
  }
}

/** The square root of a positive semidefinite matrix, and what clamping it needed. */
export interface PsdSqrt {
  /** The symmetric PSD square root, row-major n * n. */
  readonly sqrt: Float64Array;
  /** Eigenvalues of the input (ascending), before clamping. */
  readonly eigenvalues: Float64Array;
  /** How many eigenvalues were slightly negative and were set to zero. */
  readonly clamped: number;
}

/**
 * Relative size of a negative eigenvalue that is still read as rounding of a PSD matrix: forming an n x n
 * covariance or product in float64 perturbs its eigenvalues by ~n * 2^-52 ||A|| (3e-14 for n = 128); this
 * leaves three orders of magnitude on top, and anything more negative is a matrix that is not PSD.
 */
export const PSD_TOLERANCE = 1e-10;

/**
 * The PSD square root V diag(sqrt(max(lambda, 0))) V^T of a symmetric positive semidefinite matrix.
 * Eigenvalues in [-PSD_TOLERANCE * max|lambda|, 0) are rounding error and are clamped to 0 (counted in
 * `clamped`); a more negative one throws LPC_INVALID_ARGUMENT naming `name`.
 *
 * @example
 * const { sqrt } = sqrtPsd(Float64Array.of(4, 0, 0, 9), 2); // [2, 0, 0, 3]
 */
export function sqrtPsd(a: Float64Array, n: number, name = 'matrix'): PsdSqrt {
  const { values, vectors } = symmetricEigen(a, n, name);
  const roots = clampedRoots(values, name);
  const sqrt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += vectors[i * n + k] * roots.values[k] * vectors[j * n + k];
      sqrt[i * n + j] = sum;
      sqrt[j * n + i] = sum;
    }
  }
  return { sqrt, eigenvalues: values, clamped: roots.clamped };
}

/**
 * The square roots of eigenvalues of a PSD matrix, clamping rounding-level negatives to 0 as sqrtPsd does.
 * Throws LPC_INVALID_ARGUMENT naming `name` when an eigenvalue is clearly negative.
 */
export function clampedRoots(values: Float64Array, name: string): { values: Float64Array; clamped: number } {
  let scale = 0;
  for (const x of values) scale = Math.max(scale, Math.abs(x));
  const out = new Float64Array(values.length);
  let clamped = 0;
  values.forEach((x, i) => {
    if (x >= 0) out[i] = Math.sqrt(x);
    else if (x >= -PSD_TOLERANCE * scale) clamped++;
    else throw new LpcError('LPC_INVALID_ARGUMENT', `${name} is not positive semidefinite: it has eigenvalue ${x.toExponential(3)} against a largest magnitude of ${scale.toExponential(3)}`);
  });
  return { values: out, clamped };
}

/** The product a b of n x n row-major matrices. */
export function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  checkSquare('a', a, n);
  checkSquare('b', b, n);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j];
    }
  }
  return out;
}

function checkSquare(name: string, a: Float64Array, n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) invalidArgument('n', 'a positive integer', n);
  if (!(a instanceof Float64Array) || a.length !== n * n) invalidArgument(name, `a Float64Array of ${n} x ${n} = ${n * n} values`, a);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new LpcError('LPC_INVALID_ARGUMENT', `${name} has a non-finite value ${a[i]} at row ${Math.floor(i / n)}, column ${i % n}`);
  }
}
