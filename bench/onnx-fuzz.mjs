// Hostile ONNX files: seeded mutations of every ONNX model the repository holds or builds (PyTorch exports,
// the shipped feature classifiers, the test decoders, the package's own MLP and convolutional networks, and
// decoders with If and Loop subgraphs and external data), each fed through the loading paths a user hits:
// loadDecoder from a path and from bytes, loadEncoder from bytes, and the model reading of
// `langevin-pc check-grad` (the CLI's readModelFile, readModel and shape inference); what loadDecoder returns
// goes on to decode means and to one EnergyModel evaluation, and every fourth case runs the whole check-grad
// command. Every call must return or throw an LpcError with a code, the loading calls within 2 s; batches run
// in child processes with a heap limit, so a crash or a hang costs one case, reported with its batch.
// bench/ROBUSTNESS.md has the figure.
//
//   node bench/onnx-fuzz.mjs [--cases 10000] [--seed 1] [--batch 500]
//   node bench/onnx-fuzz.mjs --case N [--seed 1] [--write FILE]   (one case in this process, with what each
//   path threw; --write saves the mutated model)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType as AttrType,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorProtoSchema,
  TensorProto_DataType as DataType,
  TensorShapeProto_DimensionSchema,
  TypeProtoSchema,
  TypeProto_TensorSchema,
  TensorShapeProtoSchema,
  ValueInfoProtoSchema,
} from 'onnx-buf';
import { random } from './random.mjs';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
/** A call that takes longer than this is counted as slow (the figure's bar). */
const SLOW_MS = 2000;
/** The heap limit of each batch's process, in MiB. */
const HEAP_MB = 1024;

// ---------------------------------------------------------------------------------------------------------
// The seed models.

const floatType = (dims) =>
  create(TypeProtoSchema, {
    value: {
      case: 'tensorType',
      value: create(TypeProto_TensorSchema, {
        elemType: DataType.FLOAT,
        shape: create(TensorShapeProtoSchema, {
          dim: dims.map((d) => create(TensorShapeProto_DimensionSchema, { value: typeof d === 'string' ? { case: 'dimParam', value: d } : { case: 'dimValue', value: BigInt(d) } })),
        }),
      }),
    },
  });
const info = (name, dims) => create(ValueInfoProtoSchema, { name, type: floatType(dims) });
const node = (opType, input, output, attribute = []) => create(NodeProtoSchema, { name: `/${opType}_${output[0]}`, opType, input, output, attribute });
const floats = (name, dims, rand) => {
  const count = dims.reduce((p, d) => p * d, 1);
  const data = new Float32Array(count).map(() => rand() - 0.5);
  return create(TensorProtoSchema, { name, dataType: DataType.FLOAT, dims: dims.map(BigInt), rawData: new Uint8Array(data.buffer) });
};
const graphAttr = (name, g) => create(AttributeProtoSchema, { name, type: AttrType.GRAPH, g });
const modelOf = (graph, opset = 17) => create(ModelProtoSchema, { irVersion: 8n, producerName: 'onnx-fuzz', opsetImport: [{ domain: '', version: BigInt(opset) }], graph });

/** z [N, 4] -> Sigmoid(z W + b) [N, 1, 4, 4], with W chosen by an If node from two branches. */
function ifDecoder() {
  const rand = random(11);
  const branch = (label) =>
    create(GraphProtoSchema, {
      name: `${label}_branch`,
      initializer: [floats(`${label}.weight`, [4, 16], rand)],
      node: [node('Identity', [`${label}.weight`], [`${label}_out`])],
      output: [info(`${label}_out`, [4, 16])],
    });
  const g = create(GraphProtoSchema, {
    name: 'if_decoder',
    input: [info('z', ['N', 4])],
    output: [info('x', ['N', 1, 4, 4])],
    initializer: [
      create(TensorProtoSchema, { name: 'pick', dataType: DataType.BOOL, dims: [], rawData: Uint8Array.of(1) }),
      floats('fc.bias', [16], rand),
      create(TensorProtoSchema, { name: 'shape', dataType: DataType.INT64, dims: [4n], int64Data: [-1n, 1n, 4n, 4n] }),
    ],
    node: [
      node('If', ['pick'], ['fc.weight'], [graphAttr('then_branch', branch('then')), graphAttr('else_branch', branch('else'))]),
      node('MatMul', ['z', 'fc.weight'], ['h']),
      node('Add', ['h', 'fc.bias'], ['a']),
      node('Reshape', ['a', 'shape'], ['r']),
      node('Sigmoid', ['r'], ['x']),
    ],
  });
  return modelOf(g);
}

/** z [N, 8] -> three rounds of Tanh(h W) in a Loop body, then Sigmoid, reshaped to [N, 1, 2, 4]. */
function loopDecoder() {
  const rand = random(12);
  const body = create(GraphProtoSchema, {
    name: 'loop_body',
    input: [
      info('iter', []),
      create(ValueInfoProtoSchema, { name: 'cond_in', type: create(TypeProtoSchema, { value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType: DataType.BOOL }) } }) }),
      info('h_in', ['N', 8]),
    ],
    output: [
      create(ValueInfoProtoSchema, { name: 'cond_out', type: create(TypeProtoSchema, { value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType: DataType.BOOL }) } }) }),
      info('h_out', ['N', 8]),
    ],
    initializer: [floats('body.weight', [8, 8], rand)],
    node: [node('Identity', ['cond_in'], ['cond_out']), node('MatMul', ['h_in', 'body.weight'], ['m']), node('Tanh', ['m'], ['h_out'])],
  });
  const g = create(GraphProtoSchema, {
    name: 'loop_decoder',
    input: [info('z', ['N', 8])],
    output: [info('x', ['N', 1, 2, 4])],
    initializer: [
      create(TensorProtoSchema, { name: 'trips', dataType: DataType.INT64, dims: [], int64Data: [3n] }),
      create(TensorProtoSchema, { name: 'go', dataType: DataType.BOOL, dims: [], rawData: Uint8Array.of(1) }),
      create(TensorProtoSchema, { name: 'shape', dataType: DataType.INT64, dims: [4n], int64Data: [-1n, 1n, 2n, 4n] }),
    ],
    node: [node('Loop', ['trips', 'go', 'z'], ['h'], [graphAttr('body', body)]), node('Sigmoid', ['h'], ['s']), node('Reshape', ['s', 'shape'], ['x'])],
  });
  return modelOf(g);
}

/** Points `t` at its bytes in `location` (returned for the caller to place at `offset`). */
function makeExternal(t, location, offset) {
  const raw = t.rawData.slice();
  t.rawData = new Uint8Array(0);
  t.dataLocation = 1;
  t.externalData = [
    create(StringStringEntryProtoSchema, { key: 'location', value: location }),
    create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
    create(StringStringEntryProtoSchema, { key: 'length', value: String(raw.byteLength) }),
  ];
  return raw;
}

/** Every seed: { name, bytes, data? } where data is the content of weights.data beside the model. */
async function seeds() {
  const { mlpDecoder, mlpEncoder, convDecoder, convEncoder, convSpatialDecoder, onnx } = await import('../dist/index.js');
  const list = [];
  const files = (dir) =>
    readdirSync(path.join(root, dir))
      .filter((f) => f.endsWith('.onnx'))
      .sort();
  for (const dir of ['test/onnx/torch-exports', 'test/models/fixtures', 'test/eval/torch-vae', 'models']) {
    for (const f of files(dir)) list.push({ name: `${dir}/${f}`, bytes: new Uint8Array(readFileSync(path.join(root, dir, f))) });
  }
  const built = {
    'mlpDecoder 4-16-[1,8,8]': mlpDecoder({ latentDim: 4, imageShape: [1, 8, 8], hidden: [16], seed: 1 }),
    'mlpDecoder tanh 3-[8,8]-[3,4,4]': mlpDecoder({ latentDim: 3, imageShape: [3, 4, 4], hidden: [8, 8], output: 'tanh', seed: 2 }),
    'mlpEncoder 4-16-[1,8,8]': mlpEncoder({ latentDim: 4, imageShape: [1, 8, 8], hidden: [16], seed: 3 }),
    'convDecoder 4-[1,8,8]': convDecoder({ latentDim: 4, imageShape: [1, 8, 8], channels: [4], hidden: [8], seed: 4 }),
    'convEncoder 4-[1,8,8]': convEncoder({ latentDim: 4, imageShape: [1, 8, 8], channels: [4], hidden: [8], seed: 5 }),
    'convSpatialDecoder [2,2,2]-[1,8,8]': convSpatialDecoder({ latentShape: [2, 2, 2], imageShape: [1, 8, 8], channels: [4, 4], seed: 6 }),
  };
  for (const [name, network] of Object.entries(built)) list.push({ name, bytes: onnx.writeModel(network.model) });
  list.push({ name: 'If decoder', bytes: toBinary(ModelProtoSchema, ifDecoder()) });
  list.push({ name: 'Loop decoder', bytes: toBinary(ModelProtoSchema, loopDecoder()) });
  // External data: the MLP decoder's weights at the top level, and the If decoder's branch weight.
  {
    const proto = fromBinary(ModelProtoSchema, onnx.writeModel(built['mlpDecoder 4-16-[1,8,8]'].model));
    const chunks = [];
    let offset = 0;
    for (const t of proto.graph.initializer) {
      const raw = makeExternal(t, 'weights.data', offset);
      chunks.push(raw);
      offset += raw.byteLength;
    }
    list.push({ name: 'mlpDecoder, external data', bytes: toBinary(ModelProtoSchema, proto), data: Buffer.concat(chunks) });
  }
  {
    const proto = ifDecoder();
    const t = proto.graph.node[0].attribute[0].g.initializer[0];
    list.push({ name: 'If decoder, external data in a branch', bytes: toBinary(ModelProtoSchema, proto), data: makeExternal(t, 'weights.data', 0) });
  }
  return list;
}

// ---------------------------------------------------------------------------------------------------------
// Mutations.

/** Every graph of a model, subgraphs (If, Loop, Scan bodies) included, with its depth. */
function graphsOf(g, depth = 0, out = []) {
  out.push({ g, depth });
  for (const n of g.node) for (const a of n.attribute) for (const sub of [a.g, ...a.graphs]) if (sub !== undefined) graphsOf(sub, depth + 1, out);
  return out;
}

/** Every tensor of a model: initializers and tensor attributes, in subgraphs too. */
function tensorsOf(g) {
  const out = [];
  for (const { g: sub } of graphsOf(g)) {
    out.push(...sub.initializer);
    for (const n of sub.node) for (const a of n.attribute) if (a.t !== undefined) out.push(a.t);
  }
  return out;
}

/** Every value info (inputs, outputs, value_info) of every graph. */
function infosOf(g) {
  return graphsOf(g).flatMap(({ g: sub }) => [...sub.input, ...sub.output, ...sub.valueInfo]);
}

const HUGE_DIMS = [-1n, -(2n ** 63n), 0n, 2n ** 31n, 2n ** 32n + 1n, 2n ** 40n, 2n ** 53n + 1n, 2n ** 62n, 2n ** 63n - 1n, 1n];
const NAMES = ['', 'z', 'x', '\0', 'a\0b', '..', 'x'.repeat(70000), '\u{1F600}', 'grad/fc1.weight', 'undefined'];
const LOCATIONS = [
  '/etc/passwd',
  '/proc/self/mem',
  '../weights.data',
  'sub/../../weights.data',
  '..\\weights.data',
  'C:\\weights.data',
  '',
  'missing.data',
  'sub',
  'link.data',
  'weights.data',
  './weights.data',
  'sub/../weights.data',
  'w\0.data',
];
const OFFSETS = ['0', '-1', '1e3', 'abc', '99999999999', '4096', '18446744073709551616', ' 0', '4095', ''];

/**
 * Structured mutations of a decoded ModelProto, each named; `r` is the case's random source. They pick among
 * all graphs (subgraphs too) so that branches and loop bodies get bad content as often as the main graph.
 */
const STRUCTURED = {
  'huge or negative dim'(p, r, pick) {
    if (r() < 0.5) {
      const ts = tensorsOf(p.graph);
      if (ts.length === 0) return false;
      const t = pick(ts);
      if (t.dims.length === 0) t.dims.push(pick(HUGE_DIMS));
      else t.dims[Math.floor(r() * t.dims.length)] = pick(HUGE_DIMS);
    } else {
      const vs = infosOf(p.graph).filter((v) => v.type?.value.case === 'tensorType' && v.type.value.value.shape !== undefined);
      if (vs.length === 0) return false;
      const dims = pick(vs).type.value.value.shape.dim;
      const d = create(TensorShapeProto_DimensionSchema, { value: { case: 'dimValue', value: pick(HUGE_DIMS) } });
      if (dims.length === 0 || r() < 0.2) dims.push(d);
      else dims[Math.floor(r() * dims.length)] = d;
    }
    return true;
  },
  'rank change'(p, r, pick) {
    const t = pick(tensorsOf(p.graph));
    if (t === undefined) return false;
    if (r() < 0.5 && t.dims.length > 0) t.dims.pop();
    else t.dims.push(pick([1n, 2n, 0n]));
    return true;
  },
  'data type'(p, r, pick) {
    const codes = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 13, 14, 16, 17, 21, 23, 25, 99, -1];
    if (r() < 0.5) {
      const t = pick(tensorsOf(p.graph));
      if (t === undefined) return false;
      t.dataType = pick(codes);
    } else {
      const v = pick(infosOf(p.graph).filter((v) => v.type?.value.case === 'tensorType'));
      if (v === undefined) return false;
      if (r() < 0.2) v.type = create(TypeProtoSchema, { value: { case: 'sequenceType', value: { elemType: v.type } } });
      else v.type.value.value.elemType = pick(codes);
    }
    return true;
  },
  'tensor data'(p, r, pick) {
    const t = pick(tensorsOf(p.graph));
    if (t === undefined) return false;
    const k = r();
    if (k < 0.3) t.rawData = t.rawData.subarray(0, Math.floor(r() * t.rawData.length));
    else if (k < 0.5) t.rawData = new Uint8Array(t.rawData.length + 1 + Math.floor(r() * 64));
    else if (k < 0.7) t.floatData = [1, 2, 3].slice(0, 1 + Math.floor(r() * 3));
    else if (k < 0.8) t.int64Data = [2n ** 62n, -1n];
    else if (k < 0.9) t.stringData = [new Uint8Array(3)];
    else t.doubleData = [NaN];
    return true;
  },
  cycle(p, r, pick) {
    const { g } = pick(graphsOf(p.graph));
    if (g.node.length === 0) return false;
    const i = Math.floor(r() * g.node.length);
    const j = i + Math.floor(r() * (g.node.length - i));
    const source = g.node[j].output[0];
    if (source === undefined) return false;
    const n = g.node[i];
    if (n.input.length === 0) n.input.push(source);
    else n.input[Math.floor(r() * n.input.length)] = source;
    return true;
  },
  'missing name'(p, r, pick) {
    const { g } = pick(graphsOf(p.graph));
    const k = r();
    if (k < 0.3 && g.node.length > 0) {
      const n = pick(g.node);
      if (n.input.length === 0) return false;
      n.input[Math.floor(r() * n.input.length)] = pick(['', 'nowhere', ...NAMES]);
    } else if (k < 0.5 && g.initializer.length > 0) g.initializer.splice(Math.floor(r() * g.initializer.length), 1);
    else if (k < 0.7 && g.node.length > 0) g.node.splice(Math.floor(r() * g.node.length), 1);
    else if (k < 0.8 && g.output.length > 0) g.output[0].name = pick(['', 'nowhere', ...NAMES]);
    else if (k < 0.9 && g.node.length > 0) pick(g.node).opType = pick(['', 'NoSuchOp', 'Sigmoid', 'If', 'Loop', 'Scan']);
    else if (g.input.length > 0) g.input.splice(Math.floor(r() * g.input.length), 1);
    else return false;
    return true;
  },
  'duplicate name'(p, r, pick) {
    const { g } = pick(graphsOf(p.graph));
    const k = r();
    if (k < 0.3 && g.node.length > 1) {
      const a = pick(g.node);
      const b = pick(g.node);
      if (b.output.length === 0) return false;
      a.output[0] = b.output[0];
    } else if (k < 0.5 && g.initializer.length > 0) g.initializer.push(pick(g.initializer));
    else if (k < 0.65 && g.input.length > 0) g.input.push(pick(g.input));
    else if (k < 0.8 && g.node.length > 0) g.node.splice(Math.floor(r() * g.node.length), 0, pick(g.node));
    else if (g.output.length > 0) g.output.push(pick(g.output));
    else return false;
    return true;
  },
  'field swap'(p, r, pick) {
    const { g } = pick(graphsOf(p.graph));
    const k = r();
    if (k < 0.25 && g.node.length > 1) {
      const a = pick(g.node);
      const b = pick(g.node);
      [a.opType, b.opType] = [b.opType, a.opType];
    } else if (k < 0.45 && g.node.length > 0) {
      const n = pick(g.node);
      [n.input, n.output] = [n.output, n.input];
    } else if (k < 0.6 && g.node.length > 1) {
      const a = pick(g.node);
      const b = pick(g.node);
      [a.attribute, b.attribute] = [b.attribute, a.attribute];
    } else if (k < 0.75) {
      [g.input, g.output] = [g.output, g.input];
    } else if (k < 0.9 && g.initializer.length > 1) {
      const a = pick(g.initializer);
      const b = pick(g.initializer);
      [a.dims, b.dims] = [b.dims, a.dims];
    } else {
      const attrs = g.node.flatMap((n) => n.attribute);
      if (attrs.length === 0) return false;
      const a = pick(attrs);
      a.type = pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 99]);
    }
    return true;
  },
  attribute(p, r, pick) {
    const { g } = pick(graphsOf(p.graph));
    if (g.node.length === 0) return false;
    const n = pick(g.node);
    const k = r();
    if (k < 0.4 && n.attribute.length > 0) {
      const a = pick(n.attribute);
      const v = pick([-1n, 0n, 2n ** 40n, -(2n ** 63n), 1000000n]);
      if (a.ints.length > 0) a.ints[Math.floor(r() * a.ints.length)] = v;
      else a.i = v;
      if (r() < 0.3) a.f = pick([NaN, Infinity, -1e30]);
    } else if (k < 0.6 && n.attribute.length > 0) n.attribute.splice(Math.floor(r() * n.attribute.length), 1);
    else if (k < 0.8) {
      const name = pick(['axis', 'perm', 'kernel_shape', 'pads', 'strides', 'to', 'then_branch', 'body', 'value', 'alpha']);
      const kind = r();
      if (kind < 0.3) n.attribute.push(create(AttributeProtoSchema, { name, type: AttrType.INTS, ints: [2n ** 40n, -5n, 0n] }));
      else if (kind < 0.5) n.attribute.push(create(AttributeProtoSchema, { name, type: AttrType.INT, i: pick([-3n, 99n, 2n ** 62n]) }));
      else if (kind < 0.7) n.attribute.push(create(AttributeProtoSchema, { name, type: AttrType.GRAPH, g: create(GraphProtoSchema, { name: 'odd', node: [node('Relu', ['q'], ['q'])] }) }));
      else if (kind < 0.85) n.attribute.push(create(AttributeProtoSchema, { name, type: AttrType.TENSOR, t: create(TensorProtoSchema, { dataType: 1, dims: [2n ** 40n] }) }));
      else n.attribute.push(create(AttributeProtoSchema, { name, type: AttrType.TENSOR }));
    } else {
      n.domain = pick(['com.microsoft', 'bogus', 'ai.onnx.ml', 'ai.onnx']);
    }
    return true;
  },
  'opset or IR version'(p, r, pick) {
    const k = r();
    if (k < 0.3) p.irVersion = pick([0n, 2n, 3n, 99n, 2n ** 62n, -1n]);
    else if (k < 0.6 && p.opsetImport.length > 0) p.opsetImport[0].version = pick([0n, 1n, 6n, 8n, 30n, 2n ** 40n, -1n]);
    else if (k < 0.7) p.opsetImport = [];
    else if (k < 0.85) p.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: pick(['', 'com.microsoft', 'x']), version: pick([1n, 17n, 999n]) }));
    else p.graph = undefined;
    return true;
  },
  'If with bad branches'(p, r, pick) {
    const g = p.graph;
    if (g.node.length === 0 || g.node[0].output.length === 0) return false;
    // The first node's output comes from an If whose branches each hold a copy of that node (then mutated).
    const first = g.node[0];
    const out = first.output[0];
    const branch = (label) =>
      create(GraphProtoSchema, {
        name: label,
        node: [{ ...first, output: [`${label}_${out}`] }],
        output: [create(ValueInfoProtoSchema, { name: `${label}_${out}` })],
        initializer: r() < 0.3 ? [...g.initializer.slice(0, 2)] : [],
      });
    const cond = create(TensorProtoSchema, { name: 'fuzz_cond', dataType: DataType.BOOL, dims: [], rawData: Uint8Array.of(r() < 0.5 ? 1 : 0) });
    g.initializer.push(cond);
    const ifNode = node('If', ['fuzz_cond'], [out], [graphAttr('then_branch', branch('then')), graphAttr('else_branch', branch('else'))]);
    g.node[0] = ifNode;
    // Then damage something inside the branches, often.
    const inner = { graph: pick([ifNode.attribute[0].g, ifNode.attribute[1].g]) };
    const damage = pick(['huge or negative dim', 'cycle', 'missing name', 'duplicate name', 'field swap', 'attribute', 'data type', 'none']);
    if (damage !== 'none') STRUCTURED[damage]({ ...p, graph: inner.graph }, r, pick);
    if (r() < 0.2) ifNode.attribute.pop(); // an If without its else branch
    return true;
  },
  'Loop with bad body'(p, r, pick) {
    const g = p.graph;
    const loop = graphsOf(g)
      .flatMap(({ g: sub }) => sub.node)
      .find((n) => n.opType === 'Loop' || n.opType === 'If');
    if (loop === undefined) {
      // A Loop around the first node: its body does not have the (iter, cond, ...) signature.
      if (g.node.length === 0) return false;
      const first = g.node[0];
      const body = create(GraphProtoSchema, { name: 'body', input: [info('i', [])], node: [{ ...first }], output: first.output.map((o) => create(ValueInfoProtoSchema, { name: o })) });
      g.node.splice(0, 0, node('Loop', pick([[], ['', ''], ['nowhere', '', ...first.input]]), [`loop_${first.output[0]}`], [graphAttr('body', body)]));
      return true;
    }
    const sub = loop.attribute.find((a) => a.g !== undefined)?.g;
    if (sub === undefined) return false;
    const k = r();
    if (k < 0.25) sub.input = sub.input.slice(0, Math.floor(r() * sub.input.length));
    else if (k < 0.5) sub.output.push(info('extra', [2n ** 40n]));
    else if (k < 0.7) sub.node.push(node('Add', ['h_out', 'undefined_outer'], ['h_out']));
    else if (k < 0.85) loop.input = loop.input.slice(0, 1);
    else sub.node.push({ ...fromBinary(NodeProtoSchema, toBinary(NodeProtoSchema, loop)), output: ['nested'] }); // a copy of the node inside itself
    return true;
  },
  'deep nesting'(p, r, pick) {
    // Graphs nested n levels deep through then branches (else branches are leaves, so the size stays linear
    // in the depth): the codec caps nesting (lib/onnx/codec.ts).
    const depth = pick([5, 14, 15, 16, 17, 40, 200]);
    const leaf = () => create(GraphProtoSchema, { name: 'leaf', node: [node('Identity', ['z'], ['leaf_out'])], output: [create(ValueInfoProtoSchema, { name: 'leaf_out' })] });
    let inner = leaf();
    for (let d = 0; d < depth; d++) {
      const name = `level${d}_out`;
      inner = create(GraphProtoSchema, {
        name: `level${d}`,
        initializer: [create(TensorProtoSchema, { name: `c${d}`, dataType: DataType.BOOL, dims: [], rawData: Uint8Array.of(1) })],
        node: [node('If', [`c${d}`], [name], [graphAttr('then_branch', inner), graphAttr('else_branch', leaf())])],
        output: [create(ValueInfoProtoSchema, { name })],
      });
    }
    const g = p.graph;
    if (g.node.length === 0) return false;
    g.node.splice(0, 0, node('If', ['fuzz_nest_cond'], ['fuzz_nest_out'], [graphAttr('then_branch', inner), graphAttr('else_branch', leaf())]));
    g.initializer.push(create(TensorProtoSchema, { name: 'fuzz_nest_cond', dataType: DataType.BOOL, dims: [], rawData: Uint8Array.of(1) }));
    return true;
  },
  'external data'(p, r, pick) {
    const ts = tensorsOf(p.graph);
    if (ts.length === 0) return false;
    const t = pick(ts);
    const entries = [create(StringStringEntryProtoSchema, { key: 'location', value: pick(LOCATIONS) })];
    if (r() < 0.6) entries.push(create(StringStringEntryProtoSchema, { key: 'offset', value: pick(OFFSETS) }));
    if (r() < 0.6) entries.push(create(StringStringEntryProtoSchema, { key: 'length', value: pick(OFFSETS) }));
    if (r() < 0.2) entries.push(create(StringStringEntryProtoSchema, { key: pick(['location', 'checksum', '']), value: pick(LOCATIONS) }));
    t.externalData = r() < 0.1 ? [] : entries;
    t.dataLocation = r() < 0.8 ? 1 : pick([0, 2, 99]);
    if (r() < 0.7) t.rawData = new Uint8Array(0);
    return true;
  },
  'odd names'(p, r, pick) {
    const { g } = pick(graphsOf(p.graph));
    const all = [...g.input, ...g.output, ...g.initializer];
    if (all.length === 0) return false;
    pick(all).name = pick(NAMES);
    return true;
  },
  'many nodes'(p, r, pick) {
    // A long chain of Identity nodes before the first node: size, not structure.
    const g = p.graph;
    const first = g.node[0];
    if (first === undefined || first.input.length === 0) return false;
    const count = pick([1000, 5000]);
    let value = first.input[0];
    const chain = [];
    for (let i = 0; i < count; i++) {
      chain.push(create(NodeProtoSchema, { opType: 'Identity', input: [value], output: [`fuzz_chain_${i}`] }));
      value = `fuzz_chain_${i}`;
    }
    first.input[0] = value;
    g.node.unshift(...chain);
    return true;
  },
};

/** Byte-level mutations of an encoded model. */
const BYTES = {
  'bit flips'(b, r) {
    const out = b.slice();
    for (let k = 1 + Math.floor(r() * 8); k > 0; k--) out[Math.floor(r() * out.length)] ^= 1 << Math.floor(r() * 8);
    return out;
  },
  truncation(b, r) {
    return b.slice(0, Math.floor(r() * b.length));
  },
  'byte insertion'(b, r) {
    const at = Math.floor(r() * b.length);
    const n = 1 + Math.floor(r() * 16);
    const extra = r() < 0.3 ? new Uint8Array(n).fill(0xff) : new Uint8Array(n).map(() => Math.floor(r() * 256));
    return Buffer.concat([b.subarray(0, at), extra, b.subarray(at)]);
  },
  'byte deletion'(b, r) {
    const at = Math.floor(r() * b.length);
    const n = 1 + Math.floor(r() * 16);
    return Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
  },
  'range duplication'(b, r) {
    const at = Math.floor(r() * b.length);
    const n = 1 + Math.floor(r() * Math.min(256, b.length - at));
    return Buffer.concat([b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n)]);
  },
};

/** Case `i` of seed `seed`: which model, which mutations, the bytes and the data file beside them. */
function makeCase(models, seed, i) {
  const r = random(seed * 1_000_003 + i);
  const pick = (list) => list[Math.floor(r() * list.length)];
  const model = models[Math.floor(r() * models.length)];
  const applied = [];
  let bytes = model.bytes;
  // Two thirds structured (one or two mutations, then sometimes a byte mutation too), a third bytes only.
  if (r() < 0.67) {
    const proto = fromBinary(ModelProtoSchema, bytes);
    for (let k = r() < 0.75 ? 1 : 2; k > 0 && proto.graph !== undefined; k--) {
      const name = pick(Object.keys(STRUCTURED));
      if (STRUCTURED[name](proto, r, pick)) applied.push(name);
    }
    bytes = toBinary(ModelProtoSchema, proto);
    if (r() < 0.1) {
      const name = pick(Object.keys(BYTES));
      bytes = BYTES[name](bytes, r);
      applied.push(name);
    }
  } else {
    const name = pick(Object.keys(BYTES));
    bytes = BYTES[name](bytes, r);
    applied.push(name);
  }
  let data = model.data ?? new Uint8Array(4096).map(() => Math.floor(r() * 256));
  if (model.data !== undefined && r() < 0.2) data = data.subarray(0, Math.floor(r() * data.length));
  return { seedModel: model.name, applied, bytes, data };
}

// ---------------------------------------------------------------------------------------------------------
// The paths under test.

/**
 * The paths under test, each `(file, bytes, loaded) => Promise`. The last three go on from what loadDecoder
 * returned (`loaded`, or they are skipped): the decoder's means (`langevin-pc sample`), one energy and gradient
 * evaluation through an EnergyModel (`infer`, `train`), and the whole `check-grad` command.
 */
async function loadingPaths() {
  const { loadDecoder, loadEncoder, DecoderMeans, EnergyModel, onnx } = await import('../dist/index.js');
  const { readModelFile } = await import('../dist/cli/options.js');
  const { runCheckGrad } = await import('../dist/cli/commands/check-grad.js');
  const z = (decoder, n) => Float32Array.from({ length: n * decoder.latentDim }, (_, i) => Math.sin(i + 1));
  return {
    'loadDecoder(path)': (file) => loadDecoder(file),
    'loadDecoder(bytes)': (file, bytes) => loadDecoder(bytes),
    'loadEncoder(bytes)': (file, bytes) => loadEncoder(bytes),
    // `langevin-pc check-grad`'s reading of its model: the file (external data embedded), the IR, the types.
    'check-grad reading': (file) => onnx.inferTypes(onnx.readModel(readModelFile(file, 'model')), { strict: () => false }),
    'DecoderMeans.decode': async (file, bytes, decoder) => {
      const means = await DecoderMeans.create(decoder, { threads: 1 });
      try {
        await means.decode(z(decoder, 2));
      } finally {
        await means.dispose();
      }
    },
    'EnergyModel.evaluate': async (file, bytes, decoder) => {
      const energy = await EnergyModel.create(decoder, { likelihood: { kind: 'gaussian', sigma: { mode: 'fixed', sigma: 0.1 } }, threads: 1 });
      try {
        const size = energy.dataSize;
        await energy.evaluate(new Float32Array(2 * size).fill(0.5), 2, z(decoder, 4));
      } finally {
        await energy.dispose();
      }
    },
    'check-grad command': (file) => runCheckGrad(file, { json: true, batch: 1, seed: 1 }, () => {}),
  };
}

/** The paths that need a decoder loadDecoder returned. */
const FOLLOW_ON = new Set(['DecoderMeans.decode', 'EnergyModel.evaluate']);
/**
 * The whole check-grad command checks every gradient of the model (seconds on the larger seeds): it runs on
 * every CHECK_GRAD_EVERY-th case, and has no time bar (a batch that does not end still counts as hung).
 */
const CHECK_GRAD_EVERY = 4;
const UNTIMED = new Set(['check-grad command']);

/** A folder to write each case into: the model, weights.data, a sub-folder and a link leading out. */
function caseFolder() {
  const dir = mkdtempSync(path.join(tmpdir(), 'lpc-onnx-fuzz-'));
  mkdirSync(path.join(dir, 'case', 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'outside.data'), new Uint8Array(8192));
  symlinkSync(path.join(dir, 'outside.data'), path.join(dir, 'case', 'link.data'));
  return dir;
}

/** What a call ended in: 'returned', an error code, or 'uncoded: ...' (the failure the figure counts). */
function outcome(error) {
  if (error === undefined) return 'returned';
  if (error !== null && typeof error === 'object' && error.name === 'LpcError' && typeof error.code === 'string') return error.code;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : `non-Error ${typeof error}: ${String(error)}`;
  return `uncoded: ${text.slice(0, 300)}`;
}

async function runCases(seed, first, count, report, save) {
  const models = await seeds();
  const paths = await loadingPaths();
  const dir = caseFolder();
  const file = path.join(dir, 'case', 'model.onnx');
  try {
    for (let i = first; i < first + count; i++) {
      const c = makeCase(models, seed, i);
      writeFileSync(file, c.bytes);
      if (save !== undefined) writeFileSync(save, c.bytes);
      writeFileSync(path.join(dir, 'case', 'weights.data'), c.data);
      const results = {};
      let decoder;
      for (const [name, call] of Object.entries(paths)) {
        if (FOLLOW_ON.has(name) && decoder === undefined) continue;
        if (name === 'check-grad command' && i % CHECK_GRAD_EVERY !== 0) continue;
        const start = performance.now();
        let error;
        let value;
        try {
          value = await call(file, c.bytes, decoder);
          if (name === 'loadDecoder(bytes)') decoder = value;
        } catch (e) {
          error = e ?? null;
        }
        // check-grad's exit code: 0 the gradients agree, 1 one is wrong, 2 no verdict (not finite there).
        const result = error === undefined && typeof value === 'number' ? `returned ${value}` : outcome(error);
        results[name] = { outcome: result, ms: performance.now() - start, stack: error?.stack };
      }
      report({ i, seedModel: c.seedModel, applied: c.applied, results, bytes: c.bytes });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Child: one batch, one JSON line per case, then the peak RSS.

if (process.argv.includes('--child')) {
  const [seed, first, count] = ['seed', 'first', 'count'].map((n) => arg(n, 0));
  await runCases(seed, first, count, (c) => {
    const brief = Object.fromEntries(Object.entries(c.results).map(([k, v]) => [k, [v.outcome, Math.round(v.ms)]]));
    process.stdout.write(`${JSON.stringify({ i: c.i, seedModel: c.seedModel, applied: c.applied, results: brief })}\n`);
  });
  process.stdout.write(`${JSON.stringify({ done: true, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
  process.exit(0);
}

// One case in this process, for a closer look.
if (process.argv.includes('--case')) {
  const i = arg('case', 0);
  const out = process.argv.indexOf('--write');
  await runCases(
    arg('seed', 1),
    i,
    1,
    (c) => {
      console.log(`case ${c.i}: ${c.seedModel}; ${c.applied.join(', ')}`);
      for (const [k, v] of Object.entries(c.results)) console.log(`  ${k}: ${v.outcome} (${v.ms.toFixed(0)} ms)${v.outcome.startsWith('uncoded') ? `\n${v.stack}` : ''}`);
    },
    out >= 0 ? process.argv[out + 1] : undefined,
  );
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------------------
// Parent: batches in children, then the table.

const cases = arg('cases', 10_000);
const seed = arg('seed', 1);
const batch = arg('batch', 500);
const started = performance.now();
const byPath = {};
const slow = [];
const uncoded = [];
const wrongGradients = [];
const crashes = [];
const byMutation = {};
let batches = 0;
let peakRss = 0;
const rssPerBatch = [];
/** A case that has not ended after this long has hung: its batch is killed. */
const HUNG_MS = 120_000;

/** Runs cases [first, first + count) in a child; kills it when no case ends within HUNG_MS. */
function runBatch(first, count) {
  return new Promise((resolve, reject) => {
    const args = [`--max-old-space-size=${HEAP_MB}`, self, '--child', '--seed', String(seed), '--first', String(first), '--count', String(count)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hung = false;
    let watchdog;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, HUNG_MS);
    };
    arm();
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      arm();
    });
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-20_000)));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(watchdog);
      resolve({ stdout, stderr, status, signal, hung });
    });
  });
}

// A batch that crashes or hangs is counted, and the cases after the one that ended it run in the next batch.
for (let first = 0; first < cases;) {
  const count = Math.min(batch, cases - first);
  batches++;
  const run = await runBatch(first, count);
  const lines = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const done = lines.find((l) => l.done);
  const seen = lines.filter((l) => !l.done);
  for (const c of seen) {
    for (const m of c.applied) byMutation[m] = (byMutation[m] ?? 0) + 1;
    for (const [p, [result, ms]] of Object.entries(c.results)) {
      const counts = (byPath[p] ??= { returned: 0, exits: {}, coded: {}, uncoded: 0, maxMs: 0 });
      counts.maxMs = Math.max(counts.maxMs, ms);
      if (ms > SLOW_MS && !UNTIMED.has(p)) slow.push({ i: c.i, path: p, ms });
      if (result.startsWith('returned')) {
        counts.returned++;
        if (result !== 'returned') counts.exits[result.slice(9)] = (counts.exits[result.slice(9)] ?? 0) + 1;
        if (result === 'returned 1') wrongGradients.push({ i: c.i, seedModel: c.seedModel, applied: c.applied });
      } else if (result.startsWith('uncoded')) {
        counts.uncoded++;
        uncoded.push({ i: c.i, path: p, seedModel: c.seedModel, applied: c.applied, result });
      } else counts.coded[result] = (counts.coded[result] ?? 0) + 1;
    }
  }
  if (done === undefined || run.status !== 0) {
    const next = first + seen.length;
    const why = run.hung ? `no case ended within ${HUNG_MS / 1000} s (killed)` : run.signal !== null ? run.signal : `exit ${run.status}`;
    crashes.push({ first, count, why, at: next, stderr: run.stderr.trim().split('\n').slice(-5).join(' | ') });
    console.error(`\nbatch at ${first}: ${why} in case ${next} (${seen.length} of ${count} done): ${crashes.at(-1).stderr}`);
    first = next + 1;
  } else {
    peakRss = Math.max(peakRss, done.maxRssMiB);
    rssPerBatch.push(done.maxRssMiB);
    first += count;
  }
  process.stderr.write(`\r${first} of ${cases} cases, ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
process.stderr.write('\n');

const seconds = (performance.now() - started) / 1000;
console.log(`${cases} cases, seed ${seed}, batches of ${batch} in child processes (heap limit ${HEAP_MB} MiB), ${seconds.toFixed(0)} s`);
console.log('\nmutations applied:', JSON.stringify(byMutation));
console.log('\n| loading path | returned | coded errors | uncoded errors | slowest call (ms) |');
console.log('| --- | --- | --- | --- | --- |');
for (const [p, c] of Object.entries(byPath)) {
  const coded = Object.entries(c.coded)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const exits =
    Object.keys(c.exits).length === 0
      ? ''
      : ` (exit codes: ${Object.entries(c.exits)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')})`;
  console.log(`| ${p} | ${c.returned}${exits} | ${coded} | ${c.uncoded} | ${c.maxMs} |`);
}
const sortedRss = [...rssPerBatch].sort((a, b) => a - b);
console.log(`\ncrashed or hung batches: ${crashes.length} of ${batches} (each ends in the case named below; the next batch starts after it); calls over ${SLOW_MS} ms: ${slow.length}`);
console.log(`peak RSS per batch: median ${sortedRss[Math.floor(sortedRss.length / 2)]?.toFixed(0)} MiB, max ${peakRss.toFixed(0)} MiB`);
for (const u of uncoded.slice(0, 20)) console.log(`uncoded: case ${u.i} (${u.seedModel}; ${u.applied.join(', ')}), ${u.path}: ${u.result}`);
for (const w of wrongGradients) console.log(`check-grad found a wrong gradient: case ${w.i} (${w.seedModel}; ${w.applied.join(', ')})`);
for (const s of slow.slice(0, 20)) console.log(`slow: case ${s.i}, ${s.path}: ${s.ms} ms`);
for (const c of crashes) console.log(`crash: batch at ${c.first}, case ${c.at}: ${c.why}; ${c.stderr}`);
process.exit(uncoded.length === 0 && crashes.length === 0 && slow.length === 0 ? 0 : 1);
