/**
 * External data: embedded from the model's own folder for a model read from its path, at the top level and
 * inside control-flow branches; refused for bytes, and for locations that are absolute, climb out with '..',
 * or leave the folder through a symlink.
 */
import { create } from '@bufbuild/protobuf';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AttributeProtoSchema, AttributeProto_AttributeType as AttrType, GraphProtoSchema, NodeProtoSchema, TensorProtoSchema, TensorProto_DataType } from 'onnx-buf';
import { afterAll, describe, expect, it } from 'vitest';
import { LpcError } from '../../lib/errors.js';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { encodeModel } from '../../lib/onnx/codec.js';
import { readModel } from '../../lib/onnx/convert.js';
import { readModelFile } from '../../lib/onnx/external-data.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { tempFolder } from '../cli/support.js';
import { embeddedDecoder, ifBranchExternal, makeExternal, writeTopLevelExternal } from './fixtures/external-data.js';

const tmp = tempFolder('lpc-external-');
afterAll(() => tmp.dispose());

/** A fresh folder under the temporary one. */
function folder(name: string): string {
  const dir = path.join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The decoder's output for a fixed batch of two latents. */
async function decode(bytes: Uint8Array): Promise<Float32Array> {
  const session = await createSession(readModel(bytes), { threads: 1 });
  try {
    const z = makeTensor('float32', [2, 4], Float32Array.of(0.3, -1.2, 0.8, 0.1, -0.5, 0.9, 1.4, -0.2));
    return (await runSession(session, { z })).output.data as Float32Array;
  } finally {
    await session.release();
  }
}

function expectRefusal(run: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(LpcError);
  expect((caught as LpcError).code).toBe('LPC_INVALID_MODEL');
  expect((caught as LpcError).message).toMatch(pattern);
}

describe('external data', () => {
  it('embeds top-level external data from the model folder, at its offsets, giving the embedded model back', async () => {
    const file = writeTopLevelExternal(folder('top'), 'decoder.onnx', 'decoder.onnx.data');
    const bytes = readModelFile(file);
    expect(await decode(bytes)).toEqual(await decode(embeddedDecoder()));
    const decoder = await loadDecoder(file);
    const reference = await loadDecoder(embeddedDecoder());
    expect(decoder.params.get('fc2.weight').data).toEqual(reference.params.get('fc2.weight').data);
  });

  it('embeds the external data of an If branch from the model folder', async () => {
    const dir = folder('branch');
    const { proto, weight } = ifBranchExternal('data.bin');
    writeFileSync(path.join(dir, 'data.bin'), weight);
    writeFileSync(path.join(dir, 'decoder.onnx'), encodeModel(proto));
    expect(await decode(readModelFile(path.join(dir, 'decoder.onnx')))).toEqual(await decode(embeddedDecoder()));
  });

  it('leaves a model without external data byte for byte as it is', () => {
    const dir = folder('plain');
    writeFileSync(path.join(dir, 'm.onnx'), embeddedDecoder());
    expect(readModelFile(path.join(dir, 'm.onnx'))).toEqual(Buffer.from(embeddedDecoder()));
  });

  it('refuses external data in bytes, naming the tensor, at the top level and in If, Loop and Scan bodies', () => {
    const { proto } = ifBranchExternal('data.bin');
    expectRefusal(
      () => readModel(encodeModel(proto)),
      /initializer 'branch.weight' in the subgraph of attribute 'then_branch' of node '\/weights\/If' \(If\) keeps its data in external data \('data.bin'\)/,
    );
    // A GRAPHS attribute (a list of bodies) and a tensor attribute nested two levels down.
    const nested = ifBranchExternal('unused.bin').proto;
    const inner = create(TensorProtoSchema, { name: 'deep', dataType: TensorProto_DataType.FLOAT, dims: [1n] });
    makeExternal(inner, 'deep.bin');
    const body = create(GraphProtoSchema, {
      name: 'body',
      node: [create(NodeProtoSchema, { opType: 'Constant', output: ['c'], attribute: [create(AttributeProtoSchema, { name: 'value', type: AttrType.TENSOR, t: inner })] })],
    });
    const thenBranch = nested.graph!.node[0].attribute[0].g!;
    thenBranch.initializer[0].externalData = [];
    thenBranch.initializer[0].dataLocation = 0;
    thenBranch.initializer[0].rawData = new Uint8Array(12 * 90 * 4);
    thenBranch.node.push(create(NodeProtoSchema, { name: 'loop', opType: 'Loop', attribute: [create(AttributeProtoSchema, { name: 'bodies', type: AttrType.GRAPHS, graphs: [body] })] }));
    expectRefusal(
      () => readModel(encodeModel(nested)),
      /attribute 'value' of node '#0' \(Constant\) in subgraph 0 of attribute 'bodies' of node 'loop' \(Loop\) in the subgraph of .*external data \('deep.bin'\)/,
    );
  });

  it('refuses bytes with external data in loadDecoder, before onnxruntime sees them', async () => {
    const { proto } = ifBranchExternal('data.bin');
    await expect(loadDecoder(encodeModel(proto))).rejects.toMatchObject({ code: 'LPC_INVALID_MODEL', message: expect.stringMatching(/branch.weight.*external data/) });
  });

  it('refuses absolute locations, .. segments and symlinks that leave the folder', () => {
    const outside = folder('outside');
    const dir = folder('hostile/model');
    const { proto, weight } = ifBranchExternal('x');
    writeFileSync(path.join(outside, 'w.bin'), weight);
    writeFileSync(path.join(tmp.dir, 'hostile', 'w.bin'), weight);
    const refusedAt = (location: string, pattern: RegExp) => {
      const t = proto.graph!.node[0].attribute[0].g!.initializer[0];
      makeExternal(t, location);
      const file = path.join(dir, 'decoder.onnx');
      writeFileSync(file, encodeModel(proto));
      expectRefusal(() => readModelFile(file), pattern);
    };
    refusedAt(path.join(outside, 'w.bin'), /branch.weight.*external data at the absolute location/);
    refusedAt('C:\\w.bin', /absolute location/);
    refusedAt('../w.bin', /branch.weight.*'\.\.'/);
    refusedAt('sub\\..\\..\\w.bin', /'\.\.'/);
    symlinkSync(path.join(outside, 'w.bin'), path.join(dir, 'link.bin'));
    refusedAt('link.bin', /branch.weight.*resolves through a link to .*outside the model's folder/);
    symlinkSync(outside, path.join(dir, 'linked-folder'));
    refusedAt('linked-folder/w.bin', /outside the model's folder/);
    mkdirSync(path.join(dir, 'sub'));
    refusedAt('sub', /not a regular file/);
    refusedAt('missing.bin', /branch.weight.*external data 'missing.bin', which cannot be read/);
    // A symlink that stays inside the folder is an ordinary file.
    writeFileSync(path.join(dir, 'real.bin'), weight);
    symlinkSync('real.bin', path.join(dir, 'alias.bin'));
    const t = proto.graph!.node[0].attribute[0].g!.initializer[0];
    makeExternal(t, 'alias.bin');
    writeFileSync(path.join(dir, 'decoder.onnx'), encodeModel(proto));
    expect(() => readModel(readModelFile(path.join(dir, 'decoder.onnx')))).not.toThrow();
  });

  it('refuses ranges past the end of the data file and malformed offsets', () => {
    const dir = folder('ranges');
    const { proto, weight } = ifBranchExternal('w.bin');
    writeFileSync(path.join(dir, 'w.bin'), weight);
    const t = proto.graph!.node[0].attribute[0].g!.initializer[0];
    const file = path.join(dir, 'decoder.onnx');
    makeExternal(t, 'w.bin', 8, weight.byteLength);
    writeFileSync(file, encodeModel(proto));
    expectRefusal(() => readModelFile(file), new RegExp(`asks for bytes \\[8, ${8 + weight.byteLength}\\) of external data 'w.bin', which has ${weight.byteLength} bytes`));
    makeExternal(t, 'w.bin', -1);
    writeFileSync(file, encodeModel(proto));
    expectRefusal(() => readModelFile(file), /offset '-1', which is not a non-negative integer/);
    const top = writeTopLevelExternal(folder('short'), 'm.onnx', 'm.data');
    writeFileSync(path.join(path.dirname(top), 'm.data'), new Uint8Array(16));
    expectRefusal(() => readModelFile(top), /asks for bytes/);
  });
});
