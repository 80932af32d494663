import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorProtoSchema,
  type GraphProto,
  type ModelProto,
} from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../../lib/onnx/codec.js';
import { modelToProto, readModel, writeModel } from '../../lib/onnx/convert.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { Mulberry32 } from '../../lib/onnx/mulberry32.js';
import { pytorchMlp } from './fixtures.js';
import { normals, singleOpModel } from './fixtures/single-op.js';
import { tensorOf } from '../../lib/onnx/tensor.js';

const invalid = expect.objectContaining({ code: 'LPC_INVALID_MODEL' });

/** A small valid model as a ModelProto, for tampering. */
function validProto(): ModelProto {
  return modelToProto(pytorchMlp(13, [2, 3, 2]));
}

function bytesOf(edit: (m: ModelProto) => void): Uint8Array {
  const proto = validProto();
  edit(proto);
  return encodeModel(proto);
}

describe('reading malformed, truncated or hostile files', () => {
  it('rejects empty input and garbage bytes', () => {
    expect(() => readModel(new Uint8Array(0))).toThrow(invalid);
    const rng = new Mulberry32(3);
    for (let trial = 0; trial < 200; trial++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rng.uniform() * 300) }, () => Math.floor(rng.uniform() * 256));
      expect(() => readModel(bytes)).toThrow(invalid);
    }
  });

  it('rejects every truncation of a valid file', () => {
    const bytes = writeModel(pytorchMlp(13, [2, 3, 2]));
    expect(readModel(bytes).graph.nodes).toHaveLength(4);
    for (let n = 0; n < bytes.length; n++) expect(() => readModel(bytes.subarray(0, n)), `prefix of ${n} bytes`).toThrow(invalid);
  });

  it('rejects fields of the wrong wire type', () => {
    // ir_version = 7, then field 7 (graph, a message) written as a varint.
    expect(() => readModel(Uint8Array.of(0x08, 0x07, 0x38, 0x05))).toThrow(invalid);
    // field 1 (ir_version, a varint) written as a length-delimited string.
    expect(() => readModel(Uint8Array.of(0x0a, 0x03, 0x61, 0x62, 0x63))).toThrow(invalid);
  });

  it('rejects a length prefix beyond the end of the buffer without allocating it', () => {
    // graph field with a claimed length of 2^31 - 1 bytes.
    expect(() => readModel(Uint8Array.of(0x08, 0x07, 0x3a, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00))).toThrow(invalid);
  });

  it('rejects nesting deeper than the decoder allows', () => {
    let graph: GraphProto = create(GraphProtoSchema, { name: 'leaf' });
    for (let depth = 0; depth < 40; depth++) {
      const attr = create(AttributeProtoSchema, { name: 'then_branch', type: AttributeProto_AttributeType.GRAPH, g: graph });
      graph = create(GraphProtoSchema, { node: [create(NodeProtoSchema, { opType: 'If', attribute: [attr] })] });
    }
    const proto = create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { version: 13n })] });
    expect(() => decodeModel(toBinary(ModelProtoSchema, proto))).toThrow(/recursion|depth/);
  });

  it('rejects a graph with a cycle, naming its nodes', () => {
    const bytes = bytesOf((m) => {
      const nodes = m.graph!.node;
      nodes[0].input[0] = nodes[1].output[0]; // fc1 reads relu1's output, which depends on fc1
    });
    expect(() => readModel(bytes)).toThrow(/cycle.*\/fc1\/Gemm/);
  });

  it('rejects a node reading a value nothing defines', () => {
    const bytes = bytesOf((m) => (m.graph!.node[1].input[0] = 'missing'));
    expect(() => readModel(bytes)).toThrow(/reads 'missing'/);
  });

  it('rejects a value defined twice and an undefined graph output', () => {
    expect(() => readModel(bytesOf((m) => (m.graph!.node[1].output[0] = m.graph!.node[0].output[0])))).toThrow(/defined twice/);
    expect(() => readModel(bytesOf((m) => (m.graph!.output[0].name = 'ghost')))).toThrow(/graph output 'ghost'/);
  });

  it('rejects absurd dimensions and data that do not match them', () => {
    const huge = bytesOf((m) => m.graph!.initializer.push(create(TensorProtoSchema, { name: 'huge', dataType: 1, dims: [1n << 40n, 1n << 40n] })));
    expect(() => readModel(huge)).toThrow(/dimension 1099511627776/);
    const big = bytesOf((m) => m.graph!.initializer.push(create(TensorProtoSchema, { name: 'big', dataType: 1, dims: [1n << 30n, 1n << 30n] })));
    expect(() => readModel(big)).toThrow(/but 0 values in float_data/);
    const negative = bytesOf((m) => (m.graph!.initializer[0].dims = [-2n, 3n]));
    expect(() => readModel(negative)).toThrow(invalid);
    const short = bytesOf((m) => (m.graph!.initializer[0].rawData = m.graph!.initializer[0].rawData.slice(0, 5)));
    expect(() => readModel(short)).toThrow(/5 bytes of raw data/);
    const wrongField = bytesOf((m) => {
      const t = m.graph!.initializer[1];
      t.int64Data = [1n, 2n, 3n];
      t.rawData = new Uint8Array(0);
    });
    expect(() => readModel(wrongField)).toThrow(/0 values in float_data/);
    const inputDim = bytesOf((m) => {
      const dim = (m.graph!.input[0].type!.value.value as { shape: { dim: { value: { case: string; value: bigint } }[] } }).shape.dim[1];
      dim.value = { case: 'dimValue', value: 1n << 50n };
    });
    expect(() => readModel(inputDim)).toThrow(/graph input 'z' has dimension/);
  });

  // A stride or a scale damaged in the file gave extents of 2^41 or 4e30 that inference passed on, and that
  // later steps (gradient constants, sizes) failed on with a RangeError.
  it('rejects inferred extents no tensor can have, naming the node and the shape', () => {
    const strided = singleOpModel({ opset: 13, op: 'ConvTranspose', x: [1, 1, 3, 3], params: [normals([1, 1, 2, 2], 1)], attrs: { strides: [2 ** 40, 1] } });
    expect(() => inferTypes(strided)).toThrow(
      expect.objectContaining({ code: 'LPC_INVALID_MODEL', message: expect.stringMatching(/node '\/ConvTranspose' \(ConvTranspose\): output '.+' would have shape \[1, 1, 2199023255554, 4\]/) }),
    );
    const scaled = singleOpModel({ opset: 13, op: 'Resize', x: [1, 1, 4, 4], extra: (b) => ['', b.constant(tensorOf('float32', [4], [1, 1, 1e30, 1]))] });
    expect(() => inferTypes(scaled)).toThrow(expect.objectContaining({ code: 'LPC_INVALID_MODEL', message: expect.stringMatching(/whose extent 4.0+\d*e\+30 is outside \[0, 4294967296\]/) }));
    // The bound itself is an extent a model may have.
    const edge = singleOpModel({ opset: 13, op: 'Resize', x: [1, 1, 1, 1], extra: (b) => ['', b.constant(tensorOf('float32', [4], [1, 1, 1, 2 ** 32]))] });
    expect(inferTypes(edge).get('y0')?.shape).toEqual([1, 1, 1, 2 ** 32]);
  });

  it('rejects external data with a message saying how to embed it', () => {
    const bytes = bytesOf((m) => {
      const t = m.graph!.initializer[0];
      t.rawData = new Uint8Array(0);
      t.dataLocation = 1;
      t.externalData = [create(StringStringEntryProtoSchema, { key: 'location', value: 'weights.bin' })];
    });
    expect(() => readModel(bytes)).toThrow(/external data \('weights.bin'\).*save_as_external_data=False/);
  });

  it('rejects unsupported element types, a missing opset and an attribute of the wrong kind', () => {
    expect(() => readModel(bytesOf((m) => (m.graph!.initializer[0].dataType = 8)))).toThrow(/STRING/);
    expect(() => readModel(bytesOf((m) => (m.opsetImport = [])))).toThrow(/opset/);
    const intAlpha = readModel(
      bytesOf((m) => {
        const alpha = m.graph!.node[0].attribute.find((a) => a.name === 'alpha')!;
        alpha.type = AttributeProto_AttributeType.INT;
        alpha.i = 1n;
      }),
    );
    expect(() => inferTypes(intAlpha)).toThrow(/attribute 'alpha'.*is int; expected float/);
  });
});

describe('round trips through ModelProto', () => {
  it('keeps doc strings, metadata, opsets, IR version and model-local functions', () => {
    const proto = validProto();
    proto.docString = 'decoder of a VAE';
    proto.metadataProps.push(create(StringStringEntryProtoSchema, { key: 'author', value: 'someone' }));
    proto.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: 'com.example', version: 2n }));
    proto.graph!.docString = 'graph doc';
    proto.graph!.node[0].docString = 'first layer';
    proto.graph!.node[0].metadataProps.push(create(StringStringEntryProtoSchema, { key: 'k', value: 'v' }));
    proto.graph!.initializer[0].docString = 'weights';
    const bytes = encodeModel(proto);
    const model = readModel(bytes);
    expect(model.irVersion).toBe(7);
    expect(model.opset).toBe(13);
    const again = decodeModel(writeModel(model));
    expect(again.docString).toBe('decoder of a VAE');
    expect(again.metadataProps.map((p) => [p.key, p.value])).toEqual([['author', 'someone']]);
    expect(again.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([
      ['', 13],
      ['com.example', 2],
    ]);
    expect(again.graph!.docString).toBe('graph doc');
    expect(again.graph!.node[0].docString).toBe('first layer');
    expect(again.graph!.node[0].metadataProps[0].value).toBe('v');
    expect(again.graph!.initializer[0].docString).toBe('weights');
    // Writing what was read changes nothing.
    expect(writeModel(readModel(writeModel(model)))).toEqual(writeModel(model));
  });

  it('keeps subgraph attributes it does not interpret', () => {
    const proto = validProto();
    const branch = create(GraphProtoSchema, { name: 'then' });
    proto.graph!.node[2].attribute.push(create(AttributeProtoSchema, { name: 'body', type: AttributeProto_AttributeType.GRAPH, g: branch }));
    const model = readModel(encodeModel(proto));
    expect(model.graph.nodes[2].attrs.get('body')?.kind).toBe('opaque');
    expect(decodeModel(writeModel(model)).graph!.node[2].attribute.find((a) => a.name === 'body')?.g?.name).toBe('then');
  });
});
