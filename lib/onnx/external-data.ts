/**
 * External data: tensors whose bytes live in a file beside the .onnx file (the ONNX convention for large
 * models). A model read from a path gets them embedded here, from the model's own folder only, before any
 * other code or onnxruntime sees it; everything downstream (sessions, checkpoints, exports) then holds
 * self-contained bytes. Handed bytes alone, onnxruntime would resolve a relative location against the
 * process's working directory, so bytes that still name external data are refused (refuseExternalData).
 *
 * A location is refused when it is absolute, has a '..' segment, or resolves (symlinks followed) to
 * anything but a regular file inside the model's folder.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { TensorProto_DataLocation, type ModelProto, type TensorProto } from 'onnx-buf';
import { LpcError } from '../errors.js';
import { decodeModel, encodeModel } from './codec.js';
import { modelTensors } from './proto-tensors.js';

/** Protobuf cannot encode a model of 2 GiB or more, and embedded data must fit in one. */
const MAX_EMBEDDED_BYTES = 2 ** 31 - 1;

/** Whether a tensor keeps its bytes outside the model (either marker counts: runtimes differ in which they read). */
function isExternal(t: TensorProto): boolean {
  return t.dataLocation === TensorProto_DataLocation.EXTERNAL || t.externalData.length > 0;
}

function locationOf(t: TensorProto): string | undefined {
  return t.externalData.find((e) => e.key === 'location')?.value;
}

/**
 * Throws LPC_INVALID_MODEL naming the first tensor, at any depth, that keeps external data: bytes carry no
 * folder to read it from. Called on every model read from bytes.
 */
export function refuseExternalData(model: ModelProto): void {
  for (const { tensor, where } of modelTensors(model)) {
    if (!isExternal(tensor)) continue;
    throw new LpcError(
      'LPC_INVALID_MODEL',
      `${where} keeps its data in external data ('${locationOf(tensor) ?? '?'}'), which is read only for a model loaded from its path (from the model's own folder); load the model from its file, or embed the data (onnx.save(model, path, save_as_external_data=False))`,
    );
  }
}

/**
 * The bytes of the .onnx file at `file` with all external data embedded (the file's own bytes, unchanged,
 * when it has none). Throws LPC_INVALID_MODEL naming the tensor for a location outside the model's folder,
 * a missing or short data file, or data that would not fit in one model; errors reading `file` itself are
 * left to the caller (they are Node's own, with its code).
 *
 * @example
 * const bytes = readModelFile('big/decoder.onnx'); // reads big/decoder.onnx.data when the model names it
 */
export function readModelFile(file: string): Uint8Array {
  const bytes = readFileSync(file);
  const proto = decodeModel(bytes);
  const external = modelTensors(proto).filter((t) => isExternal(t.tensor));
  if (external.length === 0) return bytes;
  const folder = realFolder(path.dirname(path.resolve(file)));
  let total = bytes.byteLength;
  for (const { tensor, where } of external) {
    const data = readExternal(tensor, where, folder);
    total += data.byteLength;
    if (total > MAX_EMBEDDED_BYTES) {
      throw new LpcError('LPC_INVALID_MODEL', `the external data of ${file} comes to more than 2 GiB with the model (at ${where}); models are run from one buffer, which protobuf limits to 2 GiB`);
    }
    tensor.rawData = data;
    tensor.externalData = [];
    tensor.dataLocation = TensorProto_DataLocation.DEFAULT;
  }
  return encodeModel(proto as ModelProto);
}

function realFolder(folder: string): string {
  try {
    return realpathSync(folder);
  } catch (error) {
    throw new LpcError('LPC_NOT_FOUND', `cannot resolve the model's folder '${folder}': ${(error as Error).message}`, { cause: error });
  }
}

/** Reads one tensor's external bytes from `folder` (a real path), checking the location and the range. */
function readExternal(tensor: TensorProto, where: string, folder: string): Uint8Array<ArrayBuffer> {
  const refuse = (why: string): never => {
    throw new LpcError('LPC_INVALID_MODEL', `${where} keeps its data in external data ${why}; external data is read only from files inside the model's own folder`);
  };
  const location = locationOf(tensor);
  if (location === undefined || location === '') refuse('without a location');
  const loc = location as string;
  if (loc.includes('\0')) refuse(`at a location with a NUL character`);
  if (path.posix.isAbsolute(loc) || path.win32.isAbsolute(loc) || /^[A-Za-z]:/.test(loc)) refuse(`at the absolute location '${loc}'`);
  if (loc.split(/[\\/]/).includes('..')) refuse(`at '${loc}', which leaves the model's folder through '..'`);
  let real: string;
  try {
    real = realpathSync(path.join(folder, loc));
  } catch (error) {
    throw new LpcError('LPC_INVALID_MODEL', `${where} keeps its data in external data '${loc}', which cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (!real.startsWith(folder + path.sep)) refuse(`at '${loc}', which resolves through a link to '${real}', outside the model's folder`);
  if (!statSync(real).isFile()) refuse(`at '${loc}', which is not a regular file`);

  const offset = integerField(tensor, 'offset', where) ?? 0;
  const fd = openSync(real, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = integerField(tensor, 'length', where) ?? size - offset;
    if (offset > size || length < 0 || offset + length > size) {
      throw new LpcError('LPC_INVALID_MODEL', `${where} asks for bytes [${offset}, ${offset + length}) of external data '${loc}', which has ${size} bytes`);
    }
    if (length > MAX_EMBEDDED_BYTES) throw new LpcError('LPC_INVALID_MODEL', `${where} has ${length} bytes of external data; models are limited to 2 GiB`);
    const data = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, data, done, length - done, offset + done);
      if (n === 0) throw new LpcError('LPC_INVALID_MODEL', `external data '${loc}' of ${where} ended after ${done} of ${length} bytes`);
      done += n;
    }
    return data;
  } finally {
    closeSync(fd);
  }
}

/** A non-negative decimal `offset` or `length` entry, or undefined when absent. */
function integerField(tensor: TensorProto, key: string, where: string): number | undefined {
  const value = tensor.externalData.find((e) => e.key === key)?.value;
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new LpcError('LPC_INVALID_MODEL', `${where} has external data ${key} '${value}', which is not a non-negative integer`);
  return Number(value);
}
