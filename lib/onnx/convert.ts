/**
 * ModelProto <-> Model. Reading validates what the IR relies on (unique producers, defined inputs, no
 * cycles, tensors whose data match their dims) and throws LPC_INVALID_MODEL naming the offending node or
 * tensor; graph inputs that merely repeat an initializer's name are dropped (the initializer stays). Writing
 * starts from what was read: fields the IR does not model are copied from `source`, and attributes and tensors
 * that were not replaced are written back as the very protos that were read.
 */
import { create } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType as AttrType,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorShapeProtoSchema,
  TensorShapeProto_DimensionSchema,
  TypeProtoSchema,
  TypeProto_TensorSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { LpcError } from '../errors.js';
import { decodeModel, encodeModel } from './codec.js';
import { dtypeCode, requireDtype } from './dtype.js';
import { refuseExternalData } from './external-data.js';
import { Graph, Model, type Attribute, type Dim, type Node, type ValueInfo } from './ir.js';
import { int64ToNumber, MAX_DIM, tensorFromProto, tensorToProto } from './tensor-proto.js';
import { sortNodes } from './topo.js';

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Attributes decoded from a proto, so that unchanged ones are written back verbatim. */
const attrSource = new WeakMap<Attribute, AttributeProto>();
/** Value infos decoded from a proto (their metadata and non-tensor types are written back from here). */
const infoSource = new WeakMap<ValueInfo, ValueInfoProto>();

/**
 * Reads an .onnx file into the IR, validating it.
 *
 * @example
 * const model = readModel(readFileSync('decoder.onnx'));
 * console.log(model.opset, model.graph.inputs.map((v) => v.name));
 */
export function readModel(bytes: Uint8Array): Model {
  return modelFromProto(decodeModel(bytes));
}

/** Writes the IR as the bytes of an .onnx file. */
export function writeModel(model: Model): Uint8Array {
  return encodeModel(modelToProto(model));
}

/** Converts a decoded ModelProto into the IR. Throws LPC_INVALID_MODEL for inconsistent graphs. */
export function modelFromProto(proto: ModelProto): Model {
  const irVersion = int64ToNumber(proto.irVersion);
  if (irVersion < 3) {
    throw new LpcError('LPC_INVALID_MODEL', `the model has ir_version ${irVersion}; ONNX models from IR version 3 on are supported`);
  }
  if (proto.opsetImport.length === 0) throw new LpcError('LPC_INVALID_MODEL', 'the model imports no operator set (opset_import is empty)');
  const gp = proto.graph;
  if (gp === undefined) throw new LpcError('LPC_INVALID_MODEL', 'the ONNX model has no graph');
  // Before anything else reads it: subgraphs are kept opaque below but handed to onnxruntime as they are.
  refuseExternalData(proto);
  if (gp.sparseInitializer.length > 0) {
    throw new LpcError('LPC_INVALID_MODEL', `the graph has sparse initializers ('${gp.sparseInitializer[0].values?.name ?? ''}'), which are not supported`);
  }
  const graph = new Graph();
  graph.name = gp.name;
  graph.docString = gp.docString;
  graph.source = gp;
  for (const t of gp.initializer) {
    if (t.name === '') throw new LpcError('LPC_INVALID_MODEL', 'the graph has an initializer without a name');
    if (graph.initializers.has(t.name)) throw new LpcError('LPC_INVALID_MODEL', `the graph has two initializers named '${t.name}'`);
    graph.initializers.set(t.name, tensorFromProto(t, `initializer '${t.name}'`));
  }
  // An input that shares an initializer's name (keep_initializers_as_inputs=True, and every exporter before
  // IR version 4) is a weight with a default, not a feed: dropping it makes the initializer a parameter like any
  // other, and a constant onnxruntime can prepack (and does not warn about) while it is frozen.
  graph.inputs = gp.input.map((v) => infoFromProto(v, 'graph input')).filter((v) => !graph.initializers.has(v.name));
  graph.outputs = gp.output.map((v) => infoFromProto(v, 'graph output'));
  for (const v of gp.valueInfo) graph.valueInfo.set(v.name, infoFromProto(v, 'value_info'));
  graph.nodes = gp.node.map((n, i) => nodeFromProto(n, i));

  const model = new Model(graph, 0, irVersion);
  model.opsetImports = proto.opsetImport.map((o) => ({ domain: o.domain, version: int64ToNumber(o.version) }));
  model.meta = {
    producerName: proto.producerName,
    producerVersion: proto.producerVersion,
    domain: proto.domain,
    modelVersion: int64ToNumber(proto.modelVersion),
    docString: proto.docString,
    metadataProps: proto.metadataProps.map((p) => ({ key: p.key, value: p.value })),
  };
  model.source = proto;
  validateGraph(graph);
  return model;
}

/** Checks single definitions, defined inputs and outputs, and sorts the nodes (throwing on a cycle). */
export function validateGraph(graph: Graph): void {
  const defined = new Set<string>();
  const define = (name: string, what: string) => {
    if (name === '') throw new LpcError('LPC_INVALID_MODEL', `${what} has an empty name`);
    if (defined.has(name)) throw new LpcError('LPC_INVALID_MODEL', `value '${name}' is defined twice (again as ${what})`);
    defined.add(name);
  };
  for (const v of graph.inputs) define(v.name, `graph input '${v.name}'`);
  for (const name of graph.initializers.keys()) if (!graph.input(name)) define(name, `initializer '${name}'`);
  for (const n of graph.nodes) {
    for (const o of n.outputs) if (o !== '') define(o, `an output of node '${n.name}' (${n.opType})`);
  }
  for (const n of graph.nodes) {
    for (const i of n.inputs) {
      if (i !== '' && !defined.has(i)) {
        throw new LpcError('LPC_INVALID_MODEL', `node '${n.name}' (${n.opType}) reads '${i}', which no graph input, initializer or node defines`);
      }
    }
  }
  for (const v of graph.outputs) {
    if (!defined.has(v.name)) throw new LpcError('LPC_INVALID_MODEL', `graph output '${v.name}' is not defined by any node, input or initializer`);
  }
  graph.nodes = sortNodes(graph);
}

function infoFromProto(v: ValueInfoProto, what: string): ValueInfo {
  if (v.name === '') throw new LpcError('LPC_INVALID_MODEL', `a ${what} has an empty name`);
  const where = `${what} '${v.name}'`;
  const info: ValueInfo = { name: v.name, dtype: undefined, shape: null };
  if (v.docString !== '') info.docString = v.docString;
  if (v.type?.value.case === 'tensorType') {
    const tensorType = v.type.value.value;
    if (tensorType.elemType !== 0) info.dtype = requireDtype(tensorType.elemType, where);
    if (tensorType.shape !== undefined) {
      info.shape = tensorType.shape.dim.map((d): Dim => {
        if (d.value.case === 'dimValue') {
          const n = d.value.value;
          if (n < 0n || n > BigInt(MAX_DIM)) throw new LpcError('LPC_INVALID_MODEL', `${where} has dimension ${n}, outside [0, ${MAX_DIM}]`);
          return Number(n);
        }
        if (d.value.case === 'dimParam' && d.value.value !== '') return d.value.value;
        return null;
      });
    }
  }
  infoSource.set(info, v);
  return info;
}

function nodeFromProto(p: NodeProto, index: number): Node {
  const name = p.name !== '' ? p.name : `#${index}`; // for messages only
  if (p.opType === '') throw new LpcError('LPC_INVALID_MODEL', `node ${index} ('${p.name}') has no op_type`);
  const attrs = new Map<string, Attribute>();
  for (const a of p.attribute) {
    if (attrs.has(a.name)) throw new LpcError('LPC_INVALID_MODEL', `node '${name}' (${p.opType}) has attribute '${a.name}' twice`);
    const attr = attrFromProto(a, `attribute '${a.name}' of node '${name}' (${p.opType})`);
    attrSource.set(attr, a);
    attrs.set(a.name, attr);
  }
  return { name: p.name, opType: p.opType, domain: p.domain === 'ai.onnx' ? '' : p.domain, inputs: [...p.input], outputs: [...p.output], attrs, source: p };
}

function attrFromProto(a: AttributeProto, where: string): Attribute {
  switch (a.type) {
    case AttrType.FLOAT:
      return { kind: 'float', value: a.f };
    case AttrType.INT:
      return { kind: 'int', value: int64ToNumber(a.i) };
    case AttrType.STRING:
      return { kind: 'string', value: utf8.decode(a.s) };
    case AttrType.TENSOR:
      if (a.t === undefined) throw new LpcError('LPC_INVALID_MODEL', `${where} is a tensor attribute without a tensor`);
      return { kind: 'tensor', value: tensorFromProto(a.t, where) };
    case AttrType.FLOATS:
      return { kind: 'floats', value: [...a.floats] };
    case AttrType.INTS:
      return { kind: 'ints', value: a.ints.map(int64ToNumber) };
    case AttrType.STRINGS:
      return { kind: 'strings', value: a.strings.map((s) => utf8.decode(s)) };
    case AttrType.UNDEFINED:
      throw new LpcError('LPC_INVALID_MODEL', `${where} has no type`);
    default:
      return { kind: 'opaque', type: AttrType[a.type] ?? String(a.type), proto: a };
  }
}

/** Converts the IR back into a ModelProto (see the file comment for what is preserved). */
export function modelToProto(model: Model): ModelProto {
  const src = model.source;
  const g = model.graph;
  const graph = create(GraphProtoSchema, {
    name: g.name,
    docString: g.docString,
    node: g.nodes.map(nodeToProto),
    initializer: [...g.initializers].map(([name, t]) => tensorToProto(t, name)),
    input: g.inputs.map(infoToProto),
    output: g.outputs.map(infoToProto),
    valueInfo: [...g.valueInfo.values()].map(infoToProto),
    quantizationAnnotation: g.source?.quantizationAnnotation ?? [],
    metadataProps: g.source?.metadataProps ?? [],
  });
  return create(ModelProtoSchema, {
    irVersion: BigInt(model.irVersion),
    opsetImport: model.opsetImports.map((o) => create(OperatorSetIdProtoSchema, { domain: o.domain, version: BigInt(o.version) })),
    producerName: model.meta.producerName,
    producerVersion: model.meta.producerVersion,
    domain: model.meta.domain,
    modelVersion: BigInt(model.meta.modelVersion),
    docString: model.meta.docString,
    metadataProps: model.meta.metadataProps.map((p) => create(StringStringEntryProtoSchema, p)),
    graph,
    trainingInfo: src?.trainingInfo ?? [],
    functions: src?.functions ?? [],
    configuration: src?.configuration ?? [],
  });
}

function nodeToProto(n: Node): NodeProto {
  const s = n.source;
  return create(NodeProtoSchema, {
    name: n.name,
    opType: n.opType,
    domain: n.domain === '' && s?.domain === 'ai.onnx' ? 'ai.onnx' : n.domain,
    input: n.inputs,
    output: n.outputs,
    attribute: [...n.attrs].map(([name, a]) => attrToProto(name, a)),
    docString: s?.docString ?? '',
    overload: s?.overload ?? '',
    metadataProps: s?.metadataProps ?? [],
    deviceConfigurations: s?.deviceConfigurations ?? [],
  });
}

function attrToProto(name: string, a: Attribute): AttributeProto {
  const original = attrSource.get(a);
  if (original !== undefined && original.name === name) return original;
  switch (a.kind) {
    case 'float':
      return create(AttributeProtoSchema, { name, type: AttrType.FLOAT, f: a.value });
    case 'int':
      return create(AttributeProtoSchema, { name, type: AttrType.INT, i: BigInt(a.value) });
    case 'string':
      return create(AttributeProtoSchema, { name, type: AttrType.STRING, s: utf8Encoder.encode(a.value) });
    case 'tensor':
      return create(AttributeProtoSchema, { name, type: AttrType.TENSOR, t: tensorToProto(a.value, '') });
    case 'floats':
      return create(AttributeProtoSchema, { name, type: AttrType.FLOATS, floats: a.value });
    case 'ints':
      return create(AttributeProtoSchema, { name, type: AttrType.INTS, ints: a.value.map((v) => BigInt(v)) });
    case 'strings':
      return create(AttributeProtoSchema, { name, type: AttrType.STRINGS, strings: a.value.map((v) => utf8Encoder.encode(v)) });
    case 'opaque':
      return { ...a.proto, name };
  }
}

function infoToProto(v: ValueInfo): ValueInfoProto {
  const src = infoSource.get(v);
  const base = { name: v.name, docString: v.docString ?? '', metadataProps: src?.metadataProps ?? [] };
  if (v.dtype === undefined && v.shape === null) return create(ValueInfoProtoSchema, { ...base, type: src?.name === v.name ? src.type : undefined });
  const tensorType = create(TypeProto_TensorSchema, {
    elemType: v.dtype === undefined ? 0 : dtypeCode(v.dtype),
    shape:
      v.shape === null
        ? undefined
        : create(TensorShapeProtoSchema, {
            dim: v.shape.map((d) =>
              create(TensorShapeProto_DimensionSchema, {
                value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : typeof d === 'string' ? { case: 'dimParam', value: d } : { case: undefined },
              }),
            ),
          }),
  });
  return create(ValueInfoProtoSchema, { ...base, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
}
