/**
 * Row reductions for importance sampling with K in the thousands, accumulated in float64 natively.
 */
import { binding } from './binding.js';
import { checkFloatArray, checkInteger } from '../checks.js';
import { shapeMismatch } from '../errors.js';

/**
 * log sum_c exp(x[r, c]) for each row of a [rows, cols] array (float32 or float64 input, float64 sums).
 * A row of all -Infinity gives -Infinity; a NaN gives NaN.
 *
 * @example
 * // log p(x) ~ logSumExp_k(log w_k) - log K for each datapoint
 * const lse = logSumExpRows(logw, B, K);
 * const logpx = lse.map((l) => l - Math.log(K));
 */
export function logSumExpRows(x: Float32Array | Float64Array, rows: number, cols: number, out?: Float64Array): Float64Array {
  checkInteger('rows', rows, 1);
  checkInteger('cols', cols, 1);
  checkFloatArray('x', x, rows * cols, `rows*cols = ${rows * cols}`);
  if (out !== undefined && (!(out instanceof Float64Array) || out.length !== rows)) {
    shapeMismatch('out', `a Float64Array of length rows = ${rows}`, out);
  }
  return binding.logSumExpRows(x, rows, cols, out);
}

/**
 * Self-normalised importance-weighted means: out[r, :] = sum_c softmax(logw[r, :])_c * values[r, c, :],
 * for logw [rows, cols] and values [rows, cols, dim]. `lse`, when given, receives each row's log-sum-exp.
 * A row whose weights are all zero or not finite gives NaN.
 *
 * @example
 * const posteriorMean = weightedMeanRows(logw, z, B, K, d); // [B, d]
 */
export function weightedMeanRows(
  logw: Float32Array | Float64Array,
  values: Float32Array | Float64Array,
  rows: number,
  cols: number,
  dim: number,
  options: { out?: Float64Array; lse?: Float64Array } = {},
): Float64Array {
  checkInteger('rows', rows, 1);
  checkInteger('cols', cols, 1);
  checkInteger('dim', dim, 1);
  checkFloatArray('logw', logw, rows * cols, `rows*cols = ${rows * cols}`);
  checkFloatArray('values', values, rows * cols * dim, `rows*cols*dim = ${rows * cols * dim}`);
  const { out, lse } = options;
  if (out !== undefined && (!(out instanceof Float64Array) || out.length !== rows * dim)) {
    shapeMismatch('out', `a Float64Array of length rows*dim = ${rows * dim}`, out);
  }
  if (lse !== undefined && (!(lse instanceof Float64Array) || lse.length !== rows)) {
    shapeMismatch('lse', `a Float64Array of length rows = ${rows}`, lse);
  }
  return binding.weightedMeanRows(logw, values, rows, cols, dim, out, lse);
}

/**
 * The L2 norm of several arrays taken together (e.g. all gradients of a model), summed in float64 over
 * fixed chunks: the same bits for any thread count.
 */
export function globalNorm(arrays: readonly Float32Array[]): number {
  return Math.sqrt(binding.sumOfSquares(arrays));
}
