/**
 * The graph IR: plain, mutable objects that passes (folding, dead-node removal, autodiff) rewrite in place.
 * Conversion to and from ModelProto lives in convert.ts; everything the IR does not model (doc strings,
 * metadata, model-local functions, sparse initializers, subgraph attributes) rides along in `source`
 * fields and is written back unchanged.
 *
 * Conventions, as in ONNX: value names are unique (each value has one producer: a graph input, an
 * initializer or one node output); an empty input name stands for an absent optional input.
 */
import type { AttributeProto, GraphProto, ModelProto, NodeProto } from 'onnx-buf';
import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';

/** A dimension: a static size, a symbol shared by equal dims (e.g. 'batch_size'), or unknown (null). */
export type Dim = number | string | null;

/** A shape of known rank. */
export type Shape = Dim[];

/** What is known about a value: element type and shape (null when even the rank is unknown). */
export interface ValueInfo {
  name: string;
  dtype: DType | undefined;
  shape: Shape | null;
  docString?: string;
}

/** A node attribute, typed. Kinds the IR does not interpret are kept as the file had them. */
export type Attribute =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: Tensor }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'opaque'; type: string; proto: AttributeProto };

/** The kinds of attribute: float, int, string, tensor, floats, ints, strings, opaque. */
export type AttributeKind = Attribute['kind'];

/** One operator application. */
export interface Node {
  name: string;
  opType: string;
  /** '' for the default ONNX domain. */
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, Attribute>;
  /** The node as read from a file: its doc string, metadata and overload are written back from here. */
  source?: NodeProto;
}

/** An operator set a model imports. */
export interface OpsetImport {
  domain: string;
  version: number;
}

/** A computation graph. */
export class Graph {
  /** The graph's name. */
  name = '';
  /** The graph's doc string. */
  docString = '';
  /** The nodes; builders append in running order, and sortNodes (topo.ts) restores it after edits. */
  nodes: Node[] = [];
  /** Graph inputs, in order. */
  inputs: ValueInfo[] = [];
  /** Graph outputs, in order. */
  outputs: ValueInfo[] = [];
  /** Constant tensors by name (parameters of a frozen network). */
  initializers = new Map<string, Tensor>();
  /** Types of intermediate values, as recorded in the file or by shape inference. */
  valueInfo = new Map<string, ValueInfo>();
  /** The graph as read from a file (metadata, sparse initializers, annotations). */
  source?: GraphProto;

  /** A copy whose node, value and initializer lists can be edited without touching this graph. Tensors are shared. */
  clone(): Graph {
    const g = new Graph();
    g.name = this.name;
    g.docString = this.docString;
    g.nodes = this.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: new Map(n.attrs) }));
    g.inputs = this.inputs.map(cloneInfo);
    g.outputs = this.outputs.map(cloneInfo);
    g.initializers = new Map(this.initializers);
    g.valueInfo = new Map([...this.valueInfo].map(([k, v]) => [k, cloneInfo(v)]));
    g.source = this.source;
    return g;
  }

  /** The node that produces each node output. */
  producers(): Map<string, Node> {
    const map = new Map<string, Node>();
    for (const n of this.nodes) for (const o of n.outputs) if (o !== '') map.set(o, n);
    return map;
  }

  /** The nodes that read each value (a node reading a value twice is listed twice). */
  consumers(): Map<string, Node[]> {
    const map = new Map<string, Node[]>();
    for (const n of this.nodes) {
      for (const i of n.inputs) {
        if (i === '') continue;
        const list = map.get(i);
        if (list) list.push(n);
        else map.set(i, [n]);
      }
    }
    return map;
  }

  /** The graph input called `name`, if any. */
  input(name: string): ValueInfo | undefined {
    return this.inputs.find((v) => v.name === name);
  }

  /** The graph output called `name`, if any. */
  output(name: string): ValueInfo | undefined {
    return this.outputs.find((v) => v.name === name);
  }
}

/** Model-level fields, kept as read so that a written model says what the read one said. */
export interface ModelMeta {
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  metadataProps: { key: string; value: string }[];
}

/** A model: a graph, the operator sets it binds to, and its metadata. */
export class Model {
  /** The main graph. */
  graph: Graph;
  /** The ONNX IR version the file declares. */
  irVersion: number;
  /** Operator sets by domain ('' is the default ONNX domain). */
  opsetImports: OpsetImport[];
  /** Producer, doc string and metadata properties of the file. */
  meta: ModelMeta;
  /** The model as read from a file: functions, training info and other fields are written back from here. */
  source?: ModelProto;

  /** A model of `graph` importing default-domain opset `opset`; the IR version defaults to the lowest that carries it. */
  constructor(graph: Graph, opset: number, irVersion = defaultIrVersion(opset)) {
    this.graph = graph;
    this.irVersion = irVersion;
    this.opsetImports = [{ domain: '', version: opset }];
    this.meta = { producerName: 'langevin-pc', producerVersion: '', domain: '', modelVersion: 0, docString: '', metadataProps: [] };
  }

  /** The version of the default ONNX operator set ('' or 'ai.onnx'). */
  get opset(): number {
    const imp = this.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx');
    return imp ? imp.version : 0;
  }

  /** A copy with a cloned graph (see Graph.clone) and the same metadata. */
  clone(): Model {
    const m = new Model(this.graph.clone(), this.opset, this.irVersion);
    m.opsetImports = this.opsetImports.map((o) => ({ ...o }));
    m.meta = { ...this.meta, metadataProps: this.meta.metadataProps.map((p) => ({ ...p })) };
    m.source = this.source;
    return m;
  }
}

/** The lowest IR version that can carry an opset (ONNX's table), for models built from scratch. */
function defaultIrVersion(opset: number): number {
  if (opset <= 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

function cloneInfo(v: ValueInfo): ValueInfo {
  return { ...v, shape: v.shape ? [...v.shape] : null };
}

/** Names a node for messages: its name, or its op type and first output when it has none. */
export function describeNode(n: Node): string {
  return n.name !== '' ? `'${n.name}' (${n.opType})` : `${n.opType} producing '${n.outputs[0] ?? ''}'`;
}
