/**
 * Constant tensors of the IR: an element type, static dims and a typed array in row-major order.
 * Integers are read as JavaScript numbers through `toNumbers`, which refuses values that a double cannot
 * hold exactly rather than rounding them silently.
 */
import { LpcError } from '../errors.js';
import { allocate, isBigIntType, type DType, type TypedArrayOf } from './dtype.js';

/** A constant tensor: initializer, Constant attribute or folded value. */
export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly dims: readonly number[];
  readonly data: TypedArrayOf[D];
}

/** The number of elements of a static shape (1 for a scalar). */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/**
 * Makes a tensor, checking that the data length matches the dims.
 *
 * @example
 * const w = makeTensor('float32', [2, 3], new Float32Array(6));
 */
export function makeTensor<D extends DType>(dtype: D, dims: readonly number[], data: TypedArrayOf[D]): Tensor<D> {
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new LpcError('LPC_SHAPE_MISMATCH', `tensor dims must be non-negative integers; received [${dims.join(', ')}]`);
    }
  }
  if (data.length !== sizeOf(dims)) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `tensor of dims [${dims.join(', ')}] needs ${sizeOf(dims)} elements; received ${data.length}`);
  }
  return { dtype, dims: [...dims], data };
}

/** A tensor of the given numbers (BigInts are made for int64/uint64). */
export function tensorOf(dtype: DType, dims: readonly number[], values: ArrayLike<number>): Tensor {
  const data = allocate(dtype, values.length);
  if (isBigIntType(dtype)) {
    const big = data as BigInt64Array | BigUint64Array;
    for (let i = 0; i < values.length; i++) big[i] = BigInt(values[i]);
  } else {
    const num = data as Exclude<typeof data, BigInt64Array | BigUint64Array>;
    for (let i = 0; i < values.length; i++) num[i] = values[i];
  }
  return makeTensor(dtype, dims, data);
}

/** A 1-D int64 tensor, the type of every shape, axes and index vector in ONNX. */
export function int64Vector(values: readonly number[]): Tensor<'int64'> {
  return tensorOf('int64', [values.length], values) as Tensor<'int64'>;
}

/** A rank-0 tensor of one number. */
export function scalarTensor(dtype: DType, value: number): Tensor {
  return tensorOf(dtype, [], [value]);
}

/**
 * The elements as JavaScript numbers. 64-bit integers outside the safe range saturate to
 * ±Number.MAX_SAFE_INTEGER (ONNX uses INT64_MAX/MIN as "to the end" in Slice); 16-bit floats are refused.
 */
export function toNumbers(t: Tensor): number[] {
  if (t.dtype === 'float16' || t.dtype === 'bfloat16') {
    throw new LpcError('LPC_INVALID_ARGUMENT', `cannot read ${t.dtype} tensor values as numbers`);
  }
  const out = new Array<number>(t.data.length);
  if (isBigIntType(t.dtype)) {
    const big = t.data as BigInt64Array | BigUint64Array;
    for (let i = 0; i < big.length; i++) out[i] = bigToNumber(big[i]);
  } else {
    const num = t.data as Float32Array;
    for (let i = 0; i < num.length; i++) out[i] = num[i];
  }
  return out;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A BigInt as a number, saturating outside ±2^53 - 1. */
export function bigToNumber(v: bigint): number {
  if (v > MAX_SAFE) return Number.MAX_SAFE_INTEGER;
  if (v < -MAX_SAFE) return -Number.MAX_SAFE_INTEGER;
  return Number(v);
}

/** Formats dims for messages: [batch_size, 784]. */
export function formatDims(dims: readonly (number | string | null)[] | null | undefined): string {
  if (dims === null || dims === undefined) return '(unknown rank)';
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}
