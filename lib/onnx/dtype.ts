/**
 * Tensor element types: the names onnxruntime uses, their ONNX enum codes, and the typed arrays that
 * hold them. 16-bit floats are kept as their raw bits (Uint16Array); nothing here does arithmetic on them.
 */
import { LpcError } from '../errors.js';

/** Element types the IR can hold. Names match onnxruntime's tensor type strings. */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'bool';

/** The typed array that holds each element type. */
export interface TypedArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  bool: Uint8Array;
}

/** Any typed array the IR holds tensor data in. */
export type TensorData = TypedArrayOf[DType];

interface DTypeInfo {
  code: number;
  bytes: number;
  make: (length: number) => TensorData;
}

const INFO: Record<DType, DTypeInfo> = {
  float32: { code: 1, bytes: 4, make: (n) => new Float32Array(n) },
  uint8: { code: 2, bytes: 1, make: (n) => new Uint8Array(n) },
  int8: { code: 3, bytes: 1, make: (n) => new Int8Array(n) },
  uint16: { code: 4, bytes: 2, make: (n) => new Uint16Array(n) },
  int16: { code: 5, bytes: 2, make: (n) => new Int16Array(n) },
  int32: { code: 6, bytes: 4, make: (n) => new Int32Array(n) },
  int64: { code: 7, bytes: 8, make: (n) => new BigInt64Array(n) },
  bool: { code: 9, bytes: 1, make: (n) => new Uint8Array(n) },
  float16: { code: 10, bytes: 2, make: (n) => new Uint16Array(n) },
  float64: { code: 11, bytes: 8, make: (n) => new Float64Array(n) },
  uint32: { code: 12, bytes: 4, make: (n) => new Uint32Array(n) },
  uint64: { code: 13, bytes: 8, make: (n) => new BigUint64Array(n) },
  bfloat16: { code: 16, bytes: 2, make: (n) => new Uint16Array(n) },
};

const BY_CODE = new Map<number, DType>(Object.entries(INFO).map(([name, info]) => [info.code, name as DType]));

/** ONNX TensorProto.DataType names, for messages about types this IR does not hold. */
const ONNX_TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED',
  8: 'STRING',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  17: 'FLOAT8E4M3FN',
  18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ',
  21: 'UINT4',
  22: 'INT4',
  23: 'FLOAT4E2M1',
  24: 'FLOAT8E8M0',
  25: 'UINT2',
  26: 'INT2',
};

/** The ONNX TensorProto.DataType code of an element type. */
export function dtypeCode(dtype: DType): number {
  return INFO[dtype].code;
}

/** The element type of an ONNX TensorProto.DataType code, or undefined when the IR does not hold it. */
export function dtypeFromCode(code: number): DType | undefined {
  return BY_CODE.get(code);
}

/** Like dtypeFromCode, but throws LPC_INVALID_MODEL naming `where` for codes the IR does not hold. */
export function requireDtype(code: number, where: string): DType {
  const dtype = BY_CODE.get(code);
  if (dtype === undefined) {
    const name = ONNX_TYPE_NAMES[code] ?? `code ${code}`;
    throw new LpcError('LPC_INVALID_MODEL', `${where} has element type ${name}, which is not supported (supported: ${Object.keys(INFO).join(', ')})`);
  }
  return dtype;
}

/** Bytes per element. */
export function dtypeBytes(dtype: DType): number {
  return INFO[dtype].bytes;
}

/** A zero-filled typed array of `length` elements of `dtype`. */
export function allocate<D extends DType>(dtype: D, length: number): TypedArrayOf[D] {
  return INFO[dtype].make(length) as TypedArrayOf[D];
}

/** True for the types autodiff differentiates (gradients flow only along these). */
export function isFloat(dtype: DType | undefined): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** True for the integer and boolean types (shape arithmetic, indices, masks). */
export function isIntegral(dtype: DType | undefined): boolean {
  return dtype !== undefined && !isFloat(dtype);
}

/** True when the data array holds BigInts (int64, uint64). */
export function isBigIntType(dtype: DType): dtype is 'int64' | 'uint64' {
  return dtype === 'int64' || dtype === 'uint64';
}

// Raw tensor bytes are little-endian by the ONNX spec; copying them into typed arrays assumes the host agrees.
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
if (!littleEndian) throw new LpcError('LPC_INVALID_ARGUMENT', 'lib/onnx requires a little-endian host');
