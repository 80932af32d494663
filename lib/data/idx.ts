/**
 * The IDX format (MNIST, Fashion-MNIST): two zero bytes, a type code, the number of dimensions,
 * one big-endian uint32 per dimension, then the values big-endian in C order. Files may be gzipped.
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { LpcError } from '../errors.js';
import { corruptData, decodedBytes, elementCount, maxBytesOf, readFileBytes, type ReadArrayOptions } from './file-bytes.js';
import { checkArray, DTYPE_ARRAYS, DTYPE_BYTES, type Dtype, type NdArray } from './nd-array.js';
import { checkKnownKeys } from '../checks.js';

const TYPE_CODES: Readonly<Record<number, Dtype>> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};
const CODE_OF: Readonly<Record<Dtype, number>> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };

interface IdxHeader {
  dtype: Dtype;
  shape: number[];
  dataOffset: number;
}

function parseHeader(file: string, bytes: Uint8Array): IdxHeader {
  if (bytes.length < 4) throw corruptData(file, `truncated: ${bytes.length} bytes, shorter than the 4-byte IDX magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw corruptData(file, `bad magic number: an IDX file starts with two zero bytes, found 0x${hex(bytes[0])} 0x${hex(bytes[1])}`);
  }
  const dtype = TYPE_CODES[bytes[2]];
  if (dtype === undefined) throw corruptData(file, `bad magic number: unknown IDX type code 0x${hex(bytes[2])}`);
  const rank = bytes[3];
  if (rank === 0) throw corruptData(file, 'bad header: an IDX array needs at least one dimension');
  const dataOffset = 4 + 4 * rank;
  if (bytes.length < dataOffset) throw corruptData(file, `truncated: the header of ${rank} dimensions needs ${dataOffset} bytes, found ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, dataOffset);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  return { dtype, shape, dataOffset };
}

/** Total byte length the header declares; also bounds the data by `maxBytes`. */
function declaredLength(file: string, header: IdxHeader, maxBytes: number): number {
  const count = elementCount(file, header.shape, DTYPE_BYTES[header.dtype], maxBytes);
  return header.dataOffset + count * DTYPE_BYTES[header.dtype];
}

/**
 * Decodes IDX bytes (gzipped or not). `file` names the source in error messages.
 * Throws LPC_CORRUPT_DATA for a bad magic number, a truncated file or a size that does not match.
 */
export function decodeIdx(bytes: Buffer, file = 'IDX data', options: ReadArrayOptions = {}): NdArray {
  const maxBytes = maxBytesOf(options);
  const decoded = decodedBytes(file, bytes, (prefix) => declaredLength(file, parseHeader(file, prefix), maxBytes));
  const raw = decoded.bytes;
  const header = parseHeader(file, raw);
  if (raw.length < decoded.declared) {
    throw corruptData(file, `truncated: header shape [${header.shape.join(', ')}] of ${header.dtype} needs ${decoded.declared} bytes, found ${raw.length}`);
  }
  if (raw.length > decoded.declared) {
    throw corruptData(file, `size mismatch: ${raw.length - decoded.declared} bytes beyond the ${decoded.declared} its header shape [${header.shape.join(', ')}] declares`);
  }
  const count = (decoded.declared - header.dataOffset) / DTYPE_BYTES[header.dtype];
  const data = new DTYPE_ARRAYS[header.dtype](count);
  if (header.dtype === 'uint8' || header.dtype === 'int8') {
    new Uint8Array(data.buffer).set(raw.subarray(header.dataOffset, decoded.declared));
  } else {
    readBigEndian(raw, header.dataOffset, header.dtype, data);
  }
  return { dtype: header.dtype, shape: header.shape, data } as NdArray;
}

function readBigEndian(raw: Buffer, offset: number, dtype: Dtype, out: ArrayLike<number> & { [i: number]: number }): void {
  const view = new DataView(raw.buffer, raw.byteOffset + offset, out.length * DTYPE_BYTES[dtype]);
  const n = out.length;
  if (dtype === 'int16') for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, false);
  else if (dtype === 'int32') for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, false);
  else if (dtype === 'float32') for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, false);
  else for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, false);
}

/**
 * Reads an IDX file (`.gz` or plain, detected from the bytes).
 *
 * @example
 * const labels = readIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz');
 * labels.dtype; // 'uint8'
 * labels.shape; // [10000]
 */
export function readIdx(file: string, options: ReadArrayOptions = {}): NdArray {
  return decodeIdx(readFileBytes(file), file, options);
}

/** Encodes an array as IDX bytes (uncompressed). */
export function encodeIdx(array: NdArray): Buffer {
  const dtype = checkArray(array);
  const { shape, data } = array;
  if (shape.length === 0 || shape.length > 255) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `IDX stores 1 to 255 dimensions; received shape [${shape.join(', ')}]`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new LpcError('LPC_SHAPE_MISMATCH', `IDX dimensions are uint32; received shape [${shape.join(', ')}]`);
    }
  }
  const offset = 4 + 4 * shape.length;
  const out = Buffer.alloc(offset + data.length * DTYPE_BYTES[dtype]);
  out[2] = CODE_OF[dtype];
  out[3] = shape.length;
  shape.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  const view = new DataView(out.buffer, out.byteOffset + offset);
  const n = data.length;
  if (dtype === 'uint8' || dtype === 'int8') out.set(new Uint8Array(data.buffer, data.byteOffset, n), offset);
  else if (dtype === 'int16') for (let i = 0; i < n; i++) view.setInt16(2 * i, data[i], false);
  else if (dtype === 'int32') for (let i = 0; i < n; i++) view.setInt32(4 * i, data[i], false);
  else if (dtype === 'float32') for (let i = 0; i < n; i++) view.setFloat32(4 * i, data[i], false);
  else for (let i = 0; i < n; i++) view.setFloat64(8 * i, data[i], false);
  return out;
}

/**
 * Writes an array as an IDX file, gzipped when `gzip` is true (default: when the name ends in .gz).
 */
export function writeIdx(file: string, array: NdArray, options: { gzip?: boolean } = {}): void {
  checkKnownKeys(options, ['gzip'], 'writeIdx');
  const bytes = encodeIdx(array);
  writeFileSync(file, (options.gzip ?? file.endsWith('.gz')) ? gzipSync(bytes) : bytes);
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
