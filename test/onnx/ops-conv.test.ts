import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import type { AttrInput } from '../../lib/onnx/builder.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import * as R from './fixtures/reference.js';
import { expectForward, normals, singleOpModel, toArr } from './fixtures/single-op.js';
import { expectGradOk } from './support.js';

interface Case {
  label: string;
  x: number[];
  w: number[];
  attrs: Record<string, AttrInput>;
  /** Pads [begin..., end...] the attributes resolve to, for the reference. */
  pads: number[];
  bias?: boolean;
  outputPadding?: number[];
}

const CONV: Case[] = [
  { label: 'kernel 3, no pads', x: [2, 2, 5, 5], w: [3, 2, 3, 3], attrs: {}, pads: [0, 0, 0, 0] },
  { label: 'stride 2, pads 1 (one row left over)', x: [2, 2, 6, 6], w: [3, 2, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, pads: [1, 1, 1, 1] },
  { label: 'stride 2, no row left over', x: [1, 2, 7, 7], w: [2, 2, 3, 3], attrs: { strides: [2, 2] }, pads: [0, 0, 0, 0] },
  { label: 'asymmetric pads, non-square kernel', x: [1, 2, 5, 6], w: [2, 2, 3, 2], attrs: { pads: [0, 1, 2, 0] }, pads: [0, 1, 2, 0] },
  { label: 'dilations 2', x: [2, 2, 7, 6], w: [2, 2, 3, 2], attrs: { dilations: [2, 2], pads: [1, 1, 1, 1] }, pads: [1, 1, 1, 1] },
  { label: 'stride 2 with dilation 2', x: [1, 2, 8, 8], w: [2, 2, 2, 3], attrs: { strides: [2, 2], dilations: [2, 2], pads: [1, 0, 0, 1] }, pads: [1, 0, 0, 1] },
  { label: 'group 2', x: [2, 4, 5, 5], w: [6, 2, 3, 3], attrs: { group: 2, pads: [1, 1, 1, 1] }, pads: [1, 1, 1, 1] },
  { label: 'depthwise, stride 2', x: [1, 3, 5, 5], w: [3, 1, 3, 3], attrs: { group: 3, strides: [2, 2], pads: [1, 1, 1, 1] }, pads: [1, 1, 1, 1] },
  // in 5, stride 2 -> out 3; pads total 2*2 + 4 - 5 = 3, the odd one at the end (UPPER) or begin (LOWER).
  { label: 'auto_pad SAME_UPPER', x: [1, 2, 5, 5], w: [2, 2, 4, 4], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] }, pads: [1, 1, 2, 2] },
  { label: 'auto_pad SAME_LOWER', x: [1, 2, 5, 5], w: [2, 2, 4, 4], attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] }, pads: [2, 2, 1, 1] },
  { label: 'auto_pad VALID', x: [1, 2, 6, 5], w: [2, 2, 3, 3], attrs: { auto_pad: 'VALID', strides: [2, 2] }, pads: [0, 0, 0, 0] },
  { label: '1-D with stride, dilation and pads', x: [2, 3, 7], w: [2, 3, 3], attrs: { strides: [2], dilations: [2], pads: [1, 0] }, pads: [1, 0] },
  { label: '3-D', x: [1, 2, 4, 4, 3], w: [2, 2, 2, 2, 2], attrs: { strides: [2, 1, 1], pads: [1, 0, 1, 0, 1, 0] }, pads: [1, 0, 1, 0, 1, 0] },
  { label: 'kernel_shape given, no bias', x: [1, 2, 5, 5], w: [2, 2, 3, 3], attrs: { kernel_shape: [3, 3] }, pads: [0, 0, 0, 0], bias: false },
];

const CONV_TRANSPOSE: Case[] = [
  { label: 'stride 2, kernel 3', x: [2, 3, 3, 3], w: [3, 2, 3, 3], attrs: { strides: [2, 2] }, pads: [0, 0, 0, 0] },
  { label: 'stride 2, kernel 4, pads 1 (beta-VAE upsampling)', x: [2, 2, 4, 4], w: [2, 3, 4, 4], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, pads: [1, 1, 1, 1] },
  { label: 'output_padding 1', x: [1, 2, 3, 3], w: [2, 2, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, pads: [1, 1, 1, 1], outputPadding: [1, 1] },
  { label: 'dilations 2, strides [1, 2]', x: [1, 2, 3, 4], w: [2, 2, 2, 3], attrs: { dilations: [2, 2], strides: [1, 2] }, pads: [0, 0, 0, 0] },
  { label: 'group 2', x: [2, 4, 3, 3], w: [4, 3, 3, 3], attrs: { group: 2, strides: [2, 2] }, pads: [0, 0, 0, 0] },
  // full extent 2*2 + 3 = 7: output_shape 6 pads 1 at the begin (NOTSET puts the odd one there), 7 none.
  { label: 'output_shape', x: [1, 2, 3, 3], w: [2, 2, 3, 3], attrs: { strides: [2, 2], output_shape: [6, 7] }, pads: [1, 0, 0, 0] },
  // out = in * stride = 6 of a full 7: one pad, at the end (UPPER) or begin (LOWER).
  { label: 'auto_pad SAME_UPPER', x: [1, 2, 3, 3], w: [2, 2, 3, 3], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] }, pads: [0, 0, 1, 1] },
  { label: 'auto_pad SAME_LOWER', x: [1, 2, 3, 3], w: [2, 2, 3, 3], attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] }, pads: [1, 1, 0, 0] },
  { label: '1-D, stride 3, asymmetric pads', x: [2, 2, 4], w: [2, 3, 3], attrs: { strides: [3], pads: [1, 2] }, pads: [1, 2] },
  { label: '3-D', x: [1, 2, 2, 3, 2], w: [2, 2, 2, 2, 2], attrs: { strides: [2, 2, 2] }, pads: [0, 0, 0, 0, 0, 0] },
  { label: 'asymmetric pads, no bias', x: [1, 2, 4, 4], w: [2, 2, 3, 3], attrs: { strides: [2, 2], pads: [0, 1, 2, 0] }, pads: [0, 1, 2, 0], bias: false },
];

function caseModel(op: 'Conv' | 'ConvTranspose', c: Case, opset: number, batch: number | string = c.x[0]) {
  const channels = op === 'Conv' ? c.w[0] : c.w[1] * Number(c.attrs.group ?? 1);
  const params = [normals(c.w, 2, 0.5), ...(c.bias === false ? [] : [normals([channels], 3, 0.5)])];
  return { model: singleOpModel({ opset, op, x: [batch, ...c.x.slice(1)], params, attrs: c.attrs }), params };
}

function reference(op: 'Conv' | 'ConvTranspose', c: Case, params: ReturnType<typeof caseModel>['params']) {
  const r = c.x.length - 2;
  const geometry = {
    strides: (c.attrs.strides as number[]) ?? new Array<number>(r).fill(1),
    dilations: (c.attrs.dilations as number[]) ?? new Array<number>(r).fill(1),
    pads: c.pads,
    group: Number(c.attrs.group ?? 1),
    outputPadding: c.outputPadding,
  };
  const [w, bias] = params.map(toArr);
  return (x: R.Arr) => (op === 'Conv' ? R.conv(x, w, bias, geometry) : R.convTranspose(x, w, bias, geometry));
}

for (const [op, cases] of [['Conv', CONV], ['ConvTranspose', CONV_TRANSPOSE]] as const) {
  describe(`${op}`, () => {
    for (const c of cases) {
      it(`${c.label}: onnxruntime and inferred shape match the float64 reference`, async () => {
        const { model, params } = caseModel(op, c, 13);
        // float32 sums of at most ~60 products of unit-scale terms: a few ulps of the largest output.
        await expectForward(model, normals(c.x, 1), reference(op, c, params));
      });
      it(`${c.label}: gradients for X, W and B`, async () => {
        const { model } = caseModel(op, c, 13);
        const result = await expectGradOk(model);
        expect(result.tensors.map((t) => t.name)).toEqual(['x', 'w0', ...(c.bias === false ? [] : ['w1'])]);
      });
    }
    for (const opset of [9, 11, 21]) {
      it(`stride 2 with pads and groups at opset ${opset}, dynamic batch`, async () => {
        const c = op === 'Conv' ? CONV[6] : CONV_TRANSPOSE[4];
        const { model } = caseModel(op, { ...c, attrs: { ...c.attrs, strides: [2, 2] } }, opset, 'N');
        expect(inferTypes(model).get('y0')?.shape?.[0]).toBe('N');
        await expectGradOk(model, { batch: 2 });
      });
    }
  });
}

describe('Conv and ConvTranspose refusals', () => {
  it('refuses gradients through dynamic spatial extents with LPC_UNSUPPORTED_OP', () => {
    const model = singleOpModel({ opset: 13, op: 'Conv', x: [1, 2, 'h', 5], params: [normals([2, 2, 3, 3], 2)], attrs: { strides: [2, 2] } });
    expect(inferTypes(model).get('y0')?.shape).toEqual([1, 2, null, 2]);
    expect(() => buildGradientModel(model, { vjp: ['y0'], inputs: ['x'] })).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/static spatial extents/) }));
  });
  it('refuses an unknown auto_pad value, naming it', () => {
    const model = singleOpModel({ opset: 13, op: 'Conv', x: [1, 2, 5, 5], params: [normals([2, 2, 3, 3], 2)], attrs: { auto_pad: 'SAME' } });
    expect(() => inferTypes(model)).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/auto_pad="SAME"/) }));
  });
  it('rejects channel counts that do not match the weight and groups', () => {
    const model = singleOpModel({ opset: 13, op: 'Conv', x: [1, 3, 5, 5], params: [normals([2, 2, 3, 3], 2)] });
    expect(() => inferTypes(model)).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringMatching(/3 channels/) }));
  });
  it('refuses ConvTranspose gradients whose pads resolve negative', () => {
    // kernel 1, stride 2, SAME: out = 2 in exceeds the full extent 2 (in - 1) + 1 by one.
    const model = singleOpModel({ opset: 13, op: 'ConvTranspose', x: [1, 2, 3, 3], params: [normals([2, 2, 1, 1], 2)], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } });
    expect(() => buildGradientModel(model, { vjp: ['y0'], inputs: ['x'] })).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/non-negative pads/) }));
  });
});
