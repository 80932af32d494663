/**
 * A plain n-dimensional array as the generic file formats (IDX, NPY) store it: a dtype, a shape and
 * one contiguous C-order typed array. The dtype map ties each dtype name to its array type.
 */
import { LpcError } from '../errors.js';

/** Maps a dtype name to the typed array that holds it. */
export interface DtypeArrays {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** The element types IDX and NPY files may hold. */
export type Dtype = keyof DtypeArrays;

/**
 * An array of `dtype` values with the given shape, stored row-major (last index fastest).
 * `data` always owns its whole buffer (byteOffset 0), so `data.buffer` can be transferred.
 */
export interface NdArray<D extends Dtype = Dtype> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: DtypeArrays[D];
}

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  float32: 4,
  float64: 8,
};

/** The constructor of each dtype's typed array. */
export const DTYPE_ARRAYS: { readonly [D in Dtype]: new (length: number) => DtypeArrays[D] } = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** The dtype of a typed array, or null for an array type no format here stores. */
function dtypeOf(data: ArrayBufferView): Dtype | null {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  return null;
}

/** Checks that data, dtype and shape agree; as the IDX and NPY writers need. */
export function checkArray(array: NdArray): Dtype {
  const dtype = dtypeOf(array.data);
  if (dtype === null || dtype !== array.dtype) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `array.data must be the typed array of dtype ${array.dtype}; received ${array.data?.constructor?.name}`);
  }
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `array shape [${array.shape.join(', ')}] has ${count} elements but data has ${array.data.length}`);
  }
  return dtype;
}
