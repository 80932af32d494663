/**
 * NumPy's .npy format: the magic string "\x93NUMPY", a version, a little-endian header length and a
 * Python dict literal {'descr', 'fortran_order', 'shape'}, then the raw values. We read and write
 * uint8 and little-endian float32 in C order, the dtypes image data come in.
 */
import { writeFileSync } from 'node:fs';
import { LpcError } from '../errors.js';
import { corruptData, elementCount, maxBytesOf, readFileBytes, type ReadArrayOptions } from './file-bytes.js';
import { checkArray, type NdArray } from './nd-array.js';

/** The dtypes .npy files may hold here. */
export type NpyDtype = 'uint8' | 'float32';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const DESCRS: Readonly<Record<string, NpyDtype>> = { '|u1': 'uint8', '<u1': 'uint8', '=u1': 'uint8', '<f4': 'float32' };
const ITEM_BYTES: Readonly<Record<NpyDtype, number>> = { uint8: 1, float32: 4 };
/** A header is a short dict; anything longer is not a file numpy wrote. */
const MAX_HEADER_BYTES = 1 << 20;

interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  dataOffset: number;
}

function parseHeader(file: string, bytes: Uint8Array): NpyHeader {
  if (bytes.length < 10) throw corruptData(file, `truncated: ${bytes.length} bytes, shorter than an NPY preamble`);
  if (!MAGIC.equals(bytes.subarray(0, 6))) throw corruptData(file, 'bad magic number: an NPY file starts with "\\x93NUMPY"');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw corruptData(file, `truncated: ${bytes.length} bytes, shorter than an NPY ${major}.x preamble`);
    headerLength = view.getUint32(8, true);
    start = 12;
  } else {
    throw new LpcError('LPC_UNSUPPORTED_FORMAT', `${file}: NPY format version ${major}.${bytes[7]} is not supported (1.0 to 3.0 are)`);
  }
  if (headerLength > MAX_HEADER_BYTES) throw corruptData(file, `bad header: declares a ${headerLength}-byte header`);
  if (bytes.length < start + headerLength) {
    throw corruptData(file, `truncated: the header needs ${start + headerLength} bytes, found ${bytes.length}`);
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, headerLength).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (!text.trimStart().startsWith('{') || descr === undefined || fortran === undefined || shapeText === undefined) {
    throw corruptData(file, `bad header: expected a dict with 'descr', 'fortran_order' and 'shape'; found ${JSON.stringify(text.trim().slice(0, 120))}`);
  }
  const dtype = DESCRS[descr];
  if (dtype === undefined) {
    throw new LpcError('LPC_UNSUPPORTED_FORMAT', `${file}: dtype '${descr}' is not supported; save uint8 ('|u1') or little-endian float32 ('<f4'), e.g. np.save(f, a.astype(np.float32))`);
  }
  if (fortran === 'True') {
    throw new LpcError('LPC_UNSUPPORTED_FORMAT', `${file}: Fortran-order arrays are not supported; save np.ascontiguousarray(a) instead`);
  }
  const parts = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (!parts.every((s) => /^\d+L?$/.test(s))) throw corruptData(file, `bad header: shape (${shapeText}) is not a tuple of non-negative integers`);
  return { dtype, shape: parts.map((s) => Number.parseInt(s, 10)), dataOffset: start + headerLength };
}

/**
 * Decodes .npy bytes. Throws LPC_CORRUPT_DATA for a bad magic number, header or size, and
 * LPC_UNSUPPORTED_FORMAT for another dtype or Fortran order.
 */
export function decodeNpy(bytes: Buffer, file = 'NPY data', options: ReadArrayOptions = {}): NdArray<NpyDtype> {
  const maxBytes = maxBytesOf(options);
  const { dtype, shape, dataOffset } = parseHeader(file, bytes);
  const count = elementCount(file, shape, ITEM_BYTES[dtype], maxBytes);
  const declared = dataOffset + count * ITEM_BYTES[dtype];
  if (bytes.length < declared) {
    throw corruptData(file, `truncated: shape (${shape.join(', ')}) of ${dtype} needs ${declared} bytes, found ${bytes.length}`);
  }
  if (bytes.length > declared) {
    throw corruptData(file, `size mismatch: ${bytes.length - declared} bytes beyond the ${declared} its header shape (${shape.join(', ')}) declares`);
  }
  // A fresh array that owns its buffer (aligned, transferable); the host is little-endian like '<f4'.
  const data = dtype === 'uint8' ? new Uint8Array(count) : new Float32Array(count);
  new Uint8Array(data.buffer).set(bytes.subarray(dataOffset, declared));
  return { dtype, shape, data } as NdArray<NpyDtype>;
}

/**
 * Reads a .npy file of uint8 or float32 values in C order.
 *
 * @example
 * const x = readNpy('images.npy'); // e.g. { dtype: 'uint8', shape: [n, 32, 32, 3], data }
 */
export function readNpy(file: string, options: ReadArrayOptions = {}): NdArray<NpyDtype> {
  return decodeNpy(readFileBytes(file), file, options);
}

/** Encodes a uint8 or float32 array as .npy (format 1.0, C order) bytes. */
export function encodeNpy(array: NdArray): Buffer {
  const dtype = checkArray(array);
  if (dtype !== 'uint8' && dtype !== 'float32') {
    throw new LpcError('LPC_UNSUPPORTED_FORMAT', `NPY writing supports uint8 and float32; received ${dtype}`);
  }
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${dtype === 'uint8' ? '|u1' : '<f4'}', 'fortran_order': False, 'shape': ${shape}, }`;
  // numpy pads the header with spaces and a newline so the data start on a 64-byte boundary.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  if (header.length > 0xffff) throw new LpcError('LPC_SHAPE_MISMATCH', `shape [${array.shape.join(', ')}] is too long for an NPY 1.0 header`);
  const out = Buffer.alloc(total + array.data.byteLength);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), total);
  return out;
}

/** Writes a uint8 or float32 array as a .npy file. */
export function writeNpy(file: string, array: NdArray): void {
  writeFileSync(file, encodeNpy(array));
}
