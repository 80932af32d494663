/**
 * TensorProto <-> Tensor. Reading checks every size against the bytes actually present before allocating,
 * so a tensor that claims absurd dims costs nothing. External data is refused here (external-data.ts embeds
 * it, for a model read from its path, before decoding reaches this point).
 */
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema, type TensorProto } from 'onnx-buf';
import { LpcError } from '../errors.js';
import { allocate, dtypeBytes, dtypeCode, isBigIntType, requireDtype, type DType } from './dtype.js';
import { bigToNumber, formatDims, makeTensor, type Tensor } from './tensor.js';

/** Largest dimension accepted anywhere in a model (ORT itself indexes with int64, but no real tensor is this long). */
export const MAX_DIM = 2 ** 32;

/** Tensors decoded from a proto, remembered so that an unchanged tensor is written back as the very same proto. */
const decodedFrom = new WeakMap<Tensor, TensorProto>();

/** Reads the dims of a TensorProto, refusing negative or absurd values. `where` names the tensor in messages. */
export function readDims(dims: readonly bigint[], where: string): number[] {
  return dims.map((d) => {
    if (d < 0n || d > BigInt(MAX_DIM)) {
      throw new LpcError('LPC_INVALID_MODEL', `${where} has dimension ${d}, outside [0, ${MAX_DIM}]`);
    }
    return Number(d);
  });
}

/** Decodes a TensorProto. `where` names it in errors, e.g. "initializer 'fc1.weight'". */
export function tensorFromProto(proto: TensorProto, where: string): Tensor {
  if (proto.dataLocation === 1 || proto.externalData.length > 0) {
    const location = proto.externalData.find((e) => e.key === 'location')?.value ?? '?';
    throw new LpcError(
      'LPC_INVALID_MODEL',
      `${where} keeps its data in external data ('${location}'), which is read only for a model loaded from its path; load the model from its file, or embed the data (onnx.save(model, path, save_as_external_data=False))`,
    );
  }
  if (proto.segment !== undefined) {
    throw new LpcError('LPC_INVALID_MODEL', `${where} is a segment of a larger tensor, which is not supported`);
  }
  const dtype = requireDtype(proto.dataType, where);
  const dims = readDims(proto.dims, where);
  // Each dim is at most 2^32, so the running product stays exact until it passes 2^53; stop there.
  let count = 1;
  for (const d of dims) {
    count *= d;
    if (count > Number.MAX_SAFE_INTEGER) break;
  }
  const raw = proto.rawData;
  if (raw.byteLength > 0) {
    const expected = count * dtypeBytes(dtype);
    if (raw.byteLength !== expected) {
      throw new LpcError('LPC_INVALID_MODEL', `${where} has dims ${formatDims(dims)} (${count} ${dtype} elements, ${expected} bytes) but ${raw.byteLength} bytes of raw data`);
    }
    const data = allocate(dtype, count);
    new Uint8Array(data.buffer).set(raw);
    return remember(makeTensor(dtype, dims, data), proto);
  }
  const field = typedField(proto, dtype);
  if (field.values.length !== count) {
    throw new LpcError('LPC_INVALID_MODEL', `${where} has dims ${formatDims(dims)} (${count} elements) but ${field.values.length} values in ${field.name}`);
  }
  const data = allocate(dtype, count);
  if (isBigIntType(dtype)) {
    const src = field.values as bigint[];
    if (dtype === 'int64') (data as BigInt64Array).set(src);
    else (data as BigUint64Array).set(src.map((v) => BigInt.asUintN(64, v)));
  } else if (dtype === 'float16' || dtype === 'bfloat16') {
    (data as Uint16Array).set((field.values as number[]).map((v) => v & 0xffff));
  } else {
    (data as Float64Array).set(field.values as number[]);
  }
  return remember(makeTensor(dtype, dims, data), proto);
}

function typedField(proto: TensorProto, dtype: DType): { name: string; values: readonly (number | bigint)[] } {
  switch (dtype) {
    case 'float32':
      return { name: 'float_data', values: proto.floatData };
    case 'float64':
      return { name: 'double_data', values: proto.doubleData };
    case 'int64':
      return { name: 'int64_data', values: proto.int64Data };
    case 'uint32':
    case 'uint64':
      return { name: 'uint64_data', values: proto.uint64Data };
    default:
      return { name: 'int32_data', values: proto.int32Data };
  }
}

function remember(tensor: Tensor, proto: TensorProto): Tensor {
  decodedFrom.set(tensor, proto);
  return tensor;
}

/**
 * Encodes a tensor as a TensorProto named `name` (raw little-endian data, as ONNX writers do).
 * A tensor read from a proto and not replaced since is written back as that proto, doc string included.
 */
export function tensorToProto(tensor: Tensor, name: string): TensorProto {
  const original = decodedFrom.get(tensor);
  if (original !== undefined && original.name === name) return original;
  const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  return create(TensorProtoSchema, {
    name,
    dataType: dtypeCode(tensor.dtype),
    dims: tensor.dims.map((d) => BigInt(d)),
    rawData: bytes.slice(),
  });
}

/** Reads an integer attribute or field that protobuf gives as a BigInt. */
export function int64ToNumber(v: bigint): number {
  return bigToNumber(v);
}
