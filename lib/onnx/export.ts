/**
 * Export of trained parameters: their values are written into the original model file as initializers,
 * in the file's own element type, and nothing else changes (inputs, outputs, opset, metadata, node order),
 * so the result loads anywhere the original did.
 */
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema, type ModelProto } from 'onnx-buf';
import { LpcError } from '../errors.js';
import { decodeModel, encodeModel } from './codec.js';
import { modelToProto } from './convert.js';
import { dtypeCode, requireDtype } from './dtype.js';
import type { Model } from './ir.js';
import type { ParameterSet } from './params.js';
import { formatDims } from './tensor.js';
import { readDims } from './tensor-proto.js';

/** Parameter values by name: a ParameterSet or a plain map of Float32Arrays. */
export type ParameterValues = ParameterSet | ReadonlyMap<string, Float32Array>;

/**
 * The original model (bytes or IR) with the given parameter values as its initializers.
 *
 * @example
 * writeFileSync('trained.onnx', exportModel(readFileSync('decoder.onnx'), params));
 */
export function exportModel(original: Uint8Array | Model, values: ParameterValues): Uint8Array {
  const proto: ModelProto = original instanceof Uint8Array ? decodeModel(original) : modelToProto(original);
  const graph = proto.graph!;
  const entries: [string, Float32Array][] = 'names' in values ? values.names.map((n) => [n, values.get(n).data]) : [...values];
  for (const [name, data] of entries) {
    const index = graph.initializer.findIndex((t) => t.name === name);
    if (index < 0) throw new LpcError('LPC_NOT_FOUND', `the model has no initializer named '${name}' to write the parameter into`);
    const old = graph.initializer[index];
    const dims = readDims(old.dims, `initializer '${name}'`);
    const count = dims.reduce((p, d) => p * d, 1);
    if (!(data instanceof Float32Array) || data.length !== count) {
      throw new LpcError(
        'LPC_SHAPE_MISMATCH',
        `parameter '${name}' has ${data instanceof Float32Array ? data.length : 0} values but initializer '${name}' has dims ${formatDims(dims)} (${count} values)`,
      );
    }
    const dtype = requireDtype(old.dataType, `initializer '${name}'`);
    let bytes: Uint8Array<ArrayBuffer>;
    if (dtype === 'float32') bytes = new Uint8Array(Float32Array.from(data).buffer);
    else if (dtype === 'float64') bytes = new Uint8Array(Float64Array.from(data).buffer);
    else throw new LpcError('LPC_INVALID_ARGUMENT', `initializer '${name}' has element type ${dtype}; parameters are float32 or float64`);
    graph.initializer[index] = create(TensorProtoSchema, {
      name,
      dims: old.dims,
      dataType: dtypeCode(dtype),
      rawData: bytes,
      docString: old.docString,
      metadataProps: old.metadataProps,
    });
  }
  return encodeModel(proto);
}
