import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { floatAttr, type AttrInput, type GraphBuilder } from '../../lib/onnx/builder.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { scalarTensor } from '../../lib/onnx/tensor.js';
import * as R from './fixtures/reference.js';
import { expectForward, normals, singleOpModel } from './fixtures/single-op.js';
import { expectGradOk } from './support.js';

type Mode = 'constant' | 'reflect' | 'edge';

/** A Pad node in the form of `opset`: pads [begin..., end...] over all axes of x, or over `axes` (opset 18+). */
function padModel(opset: number, x: (number | string)[], mode: Mode, pads: number[], value = 0, axes?: number[]) {
  const extra = (b: GraphBuilder) => {
    if (opset < 11) return [];
    const inputs = [b.ints(pads), mode === 'constant' && value !== 0 ? b.constant(scalarTensor('float32', value)) : ''];
    if (axes !== undefined) inputs.push(b.ints(axes));
    while (inputs[inputs.length - 1] === '') inputs.pop();
    return inputs;
  };
  const attrs: Record<string, AttrInput> = opset < 11 ? { mode, pads, value: floatAttr(value) } : { mode };
  return singleOpModel({ opset, op: 'Pad', x, extra, attrs });
}

const CASES: { label: string; x: number[]; pads: number[] }[] = [
  { label: 'both spatial axes, uneven', x: [2, 2, 4, 5], pads: [0, 0, 1, 2, 0, 0, 2, 1] },
  { label: 'one side only, rank 3', x: [2, 5, 3], pads: [0, 0, 2, 0, 0, 0] },
  { label: 'every axis', x: [3, 4], pads: [1, 2, 2, 3] },
];

for (const mode of ['constant', 'reflect', 'edge'] as const) {
  describe(`Pad mode ${mode}`, () => {
    for (const c of CASES) {
      for (const opset of [9, 11, 13]) {
        it(`${c.label} at opset ${opset}: forward, inferred shape and gradient`, async () => {
          const value = mode === 'constant' ? 0.5 : 0;
          const model = padModel(opset, c.x, mode, c.pads, value);
          // Pad copies values: exact.
          await expectForward(model, normals(c.x, 1), (x) => R.pad(x, c.pads, mode, value), 0);
          await expectGradOk(model);
        });
      }
    }
    it('axes input at opset 18 (negative axes), dynamic batch', async () => {
      const model = padModel(18, ['N', 2, 4, 5], mode, [1, 2, 3, 1], 0, [-1, 2]);
      expect(inferTypes(model).get('y0')?.shape).toEqual(['N', 2, 7, 9]);
      await expectForward(model, normals([2, 2, 4, 5], 1), (x) => R.pad(x, [0, 0, 2, 1, 0, 0, 1, 3], mode), 0);
      await expectGradOk(model, { batch: 2 });
    });
  });
}

describe('Pad edge cases', () => {
  it('negative pads crop (constant mode), and their gradient is zero on the cropped part', async () => {
    const model = padModel(13, [2, 3, 5, 4], 'constant', [0, -1, 2, -1, 0, 1, -2, 2]);
    expect(inferTypes(model).get('y0')?.shape).toEqual([2, 3, 5, 5]);
    await expectForward(model, normals([2, 3, 5, 4], 1), (x) => R.pad(x, [0, -1, 2, -1, 0, 1, -2, 2], 'constant'), 0);
    await expectGradOk(model);
  });
  it('edge padding of an axis of extent 1 sends both borders to its only element', async () => {
    const model = padModel(13, [2, 1, 3], 'edge', [0, 2, 1, 0, 3, 0]);
    await expectForward(model, normals([2, 1, 3], 1), (x) => R.pad(x, [0, 2, 1, 0, 3, 0], 'edge'), 0);
    await expectGradOk(model);
  });
  it('refuses reflect pads that reach past the mirrored edge', () => {
    const model = padModel(13, [2, 3], 'reflect', [0, 3, 0, 0]);
    expect(() => buildGradientModel(model, { vjp: ['y0'], inputs: ['x'] })).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/reach past/) }));
  });
  it('refuses mode wrap, naming it', () => {
    const model = singleOpModel({ opset: 19, op: 'Pad', x: [2, 3], extra: (b) => [b.ints([0, 1, 0, 1])], attrs: { mode: 'wrap' } });
    expect(() => inferTypes(model)).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/mode="wrap"/) }));
  });
  it('refuses pads computed at run time for gradients, and leaves their extents unknown', () => {
    const model = singleOpModel({ opset: 13, op: 'Pad', x: [2, 3], extra: (b) => [b.input('pads', 'int64', [4])] });
    expect(inferTypes(model).get('y0')?.shape).toEqual([null, null]);
    expect(() => buildGradientModel(model, { vjp: ['y0'], inputs: ['x'] })).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/constant pads/) }));
  });
});
