/**
 * Reading and writing ONNX files (ModelProto) with onnx-buf, the ONNX 1.20 schema compiled for protobuf-es.
 * Decoding is bounded: protobuf-es checks every length against the buffer, nesting is capped below, and
 * everything it allocates is proportional to the input size, so hostile bytes raise LPC_INVALID_MODEL
 * instead of crashing, hanging or exhausting memory. Meaning (names, tensor sizes, cycles) is checked by
 * modelFromProto in convert.ts.
 */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type ModelProto } from 'onnx-buf';
import { LpcError } from '../errors.js';

/**
 * Message nesting the decoder accepts. A model with subgraphs nests Model > Graph > Node > Attribute >
 * Graph > ...: 4 levels per subgraph, so 64 allows 15 levels of control flow, far beyond real exports,
 * while keeping recursion well inside the JavaScript stack.
 */
export const MAX_NESTING = 64;

/** Protobuf cannot encode messages of 2 GiB or more; larger inputs are not ONNX files. */
const MAX_MODEL_BYTES = 2 ** 31 - 1;

/** Decodes the bytes of an .onnx file. Throws LPC_INVALID_MODEL when they are not a ModelProto. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) {
    throw new LpcError('LPC_INVALID_ARGUMENT', 'model bytes must be a Uint8Array');
  }
  if (bytes.byteLength === 0) throw new LpcError('LPC_INVALID_MODEL', 'the model file is empty');
  if (bytes.byteLength > MAX_MODEL_BYTES) {
    throw new LpcError(
      'LPC_INVALID_MODEL',
      `the model file has ${bytes.byteLength} bytes; ONNX files are below 2 GiB (external data is embedded when a model is read, so the total must stay below that)`,
    );
  }
  let proto: ModelProto;
  try {
    proto = fromBinary(ModelProtoSchema, bytes, { readUnknownFields: true, recursionLimit: MAX_NESTING });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LpcError('LPC_INVALID_MODEL', `the bytes are not a valid ONNX model (protobuf decoding failed: ${reason}); the file may be truncated or not an .onnx file`, { cause: error });
  }
  if (proto.graph === undefined) {
    throw new LpcError('LPC_INVALID_MODEL', 'the ONNX model has no graph; the file may be truncated or not an .onnx file');
  }
  return proto;
}

/** Encodes a ModelProto as the bytes of an .onnx file. */
export function encodeModel(proto: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, proto);
}
