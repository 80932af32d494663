import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { floatAttr, type AttrInput, type GraphBuilder } from '../../lib/onnx/builder.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { tensorOf } from '../../lib/onnx/tensor.js';
import * as R from './fixtures/reference.js';
import { expectForward, normals, singleOpModel } from './fixtures/single-op.js';
import { expectGradOk } from './support.js';

interface Case {
  label: string;
  opset: number;
  x: (number | string)[];
  attrs: Record<string, AttrInput>;
  scales?: number[];
  sizes?: number[];
  /** The reference's modes (and the output extents, which follow from scales or sizes). */
  spec: Omit<R.ResizeSpec, 'out'>;
  out: number[];
}

/** Resize / Upsample inputs in the form of the case's opset: roi and scales as PyTorch writes them. */
function resizeModel(c: Case) {
  const floats = (b: GraphBuilder, v: number[]) => b.constant(tensorOf('float32', [v.length], v));
  const extra = (b: GraphBuilder) => {
    if (c.opset < 11) return [floats(b, c.scales!)];
    const empty = c.opset < 13 ? floats(b, []) : '';
    if (c.sizes) return [empty, empty, b.ints(c.sizes)];
    return [empty, floats(b, c.scales!)];
  };
  return singleOpModel({ opset: c.opset, op: c.opset < 10 ? 'Upsample' : 'Resize', x: c.x, attrs: c.attrs, extra });
}

const X = [2, 2, 4, 5];
const CASES: Case[] = [
  {
    label: 'Upsample nearest x2 (nn.Upsample at opset 9)',
    opset: 9,
    x: X,
    attrs: { mode: 'nearest' },
    scales: [1, 1, 2, 2],
    spec: { mode: 'nearest', coordinate: 'asymmetric', nearest: 'floor', scales: [1, 1, 2, 2] },
    out: [2, 2, 8, 10],
  },
  { label: 'Upsample linear x2', opset: 9, x: X, attrs: { mode: 'linear' }, scales: [1, 1, 2, 2], spec: { mode: 'linear', coordinate: 'asymmetric', scales: [1, 1, 2, 2] }, out: [2, 2, 8, 10] },
  {
    label: 'Upsample nearest x1.5 x1.7',
    opset: 9,
    x: X,
    attrs: { mode: 'nearest' },
    scales: [1, 1, 1.5, 1.7],
    spec: { mode: 'nearest', coordinate: 'asymmetric', nearest: 'floor', scales: [1, 1, 1.5, 1.7] },
    out: [2, 2, 6, 8],
  },
  {
    label: 'Resize-10 nearest x2',
    opset: 10,
    x: X,
    attrs: { mode: 'nearest' },
    scales: [1, 1, 2, 2],
    spec: { mode: 'nearest', coordinate: 'asymmetric', nearest: 'floor', scales: [1, 1, 2, 2] },
    out: [2, 2, 8, 10],
  },
  // Opset 10 nearest rounds up where an axis shrinks.
  {
    label: 'Resize-10 nearest, shrinking',
    opset: 10,
    x: X,
    attrs: { mode: 'nearest' },
    scales: [1, 1, 0.6, 0.5],
    spec: { mode: 'nearest', coordinate: 'asymmetric', nearest: 'ceil', scales: [1, 1, 0.6, 0.5] },
    out: [2, 2, 2, 2],
  },
  {
    label: 'Resize-10 linear x1.5',
    opset: 10,
    x: X,
    attrs: { mode: 'linear' },
    scales: [1, 1, 1.5, 1.7],
    spec: { mode: 'linear', coordinate: 'asymmetric', scales: [1, 1, 1.5, 1.7] },
    out: [2, 2, 6, 8],
  },
  {
    label: 'nn.Upsample(nearest) at opset 11',
    opset: 11,
    x: X,
    attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
    scales: [1, 1, 2, 2],
    spec: { mode: 'nearest', coordinate: 'asymmetric', nearest: 'floor' },
    out: [2, 2, 8, 10],
  },
  {
    label: 'bilinear, align_corners=False at opset 11 (sizes)',
    opset: 11,
    x: X,
    attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' },
    sizes: [2, 2, 7, 3],
    spec: { mode: 'linear', coordinate: 'pytorch_half_pixel' },
    out: [2, 2, 7, 3],
  },
  {
    label: 'bilinear, align_corners=True at opset 11',
    opset: 11,
    x: X,
    attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' },
    scales: [1, 1, 2, 2],
    spec: { mode: 'linear', coordinate: 'align_corners' },
    out: [2, 2, 8, 10],
  },
  {
    label: 'axes and sizes at opset 18, antialias 0, stretch',
    opset: 18,
    x: X,
    attrs: { mode: 'linear', axes: [-1, 2], antialias: 0, keep_aspect_ratio_policy: 'stretch' },
    sizes: [3, 7],
    spec: { mode: 'linear', coordinate: 'half_pixel' },
    out: [2, 2, 7, 3],
  },
  {
    label: 'nearest on the channel axis (transposed MatMul), dynamic batch',
    opset: 13,
    x: ['N', 2, 3, 4],
    attrs: { mode: 'nearest' },
    scales: [1, 1.5, 1, 2],
    spec: { mode: 'nearest', coordinate: 'half_pixel', nearest: 'round_prefer_floor', scales: [1, 1.5, 1, 2] },
    out: [2, 3, 3, 8],
  },
  {
    label: 'nearest x2 repeats with a dynamic batch',
    opset: 13,
    x: ['N', 2, 3, 4],
    attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
    scales: [1, 1, 2, 3],
    spec: { mode: 'nearest', coordinate: 'asymmetric', nearest: 'floor', scales: [1, 1, 2, 3] },
    out: [2, 2, 6, 12],
  },
  { label: 'linear on a 3-D tensor', opset: 13, x: [2, 3, 5], attrs: { mode: 'linear' }, scales: [1, 1, 1.6], spec: { mode: 'linear', coordinate: 'half_pixel', scales: [1, 1, 1.6] }, out: [2, 3, 8] },
];

// Every coordinate transform with every rounding, growing by integers and by fractions (one axis shrinking).
for (const coordinate of ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'] as const) {
  for (const nearest of ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil', undefined] as const) {
    for (const scales of [
      [1, 1, 2, 3],
      [1, 1, 1.5, 0.6],
    ]) {
      const mode = nearest === undefined ? 'linear' : 'nearest';
      const attrs: Record<string, AttrInput> = { mode, coordinate_transformation_mode: coordinate, ...(nearest ? { nearest_mode: nearest } : {}) };
      const out = [2, 2, Math.floor(4 * scales[2]), Math.floor(5 * scales[3])];
      CASES.push({ label: `${mode} ${coordinate}${nearest ? ` ${nearest}` : ''}, scales [${scales.join(', ')}]`, opset: 13, x: X, attrs, scales, spec: { mode, coordinate, nearest, scales }, out });
    }
  }
}

// Cubic mode (onnxruntime implements it on the last two axes of a 2-D or 4-D input): every coordinate
// transform, growing and shrinking, edge taps clamped or excluded, PyTorch's a = -0.75 and TensorFlow's -0.5.
for (const coordinate of ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'] as const) {
  for (const [excludeOutside, cubicA] of [
    [false, undefined],
    [true, -0.5],
  ] as const) {
    for (const scales of [
      [1, 1, 2, 1.6],
      [1, 1, 0.6, 1.5],
    ]) {
      const attrs: Record<string, AttrInput> = { mode: 'cubic', coordinate_transformation_mode: coordinate };
      if (excludeOutside) attrs.exclude_outside = 1;
      if (cubicA !== undefined) attrs.cubic_coeff_a = floatAttr(cubicA);
      const out = [2, 2, Math.floor(4 * scales[2]), Math.floor(5 * scales[3])];
      const label = `cubic ${coordinate}${excludeOutside ? ', exclude_outside' : ''}${cubicA !== undefined ? `, a ${cubicA}` : ''}, scales [${scales.join(', ')}]`;
      CASES.push({ label, opset: 13, x: X, attrs, scales, spec: { mode: 'cubic', coordinate, scales, excludeOutside, cubicA }, out });
    }
  }
}
CASES.push(
  {
    label: 'bicubic, align_corners=False at opset 11 (sizes), as PyTorch exports it',
    opset: 11,
    x: X,
    attrs: { mode: 'cubic', coordinate_transformation_mode: 'pytorch_half_pixel', cubic_coeff_a: floatAttr(-0.75) },
    sizes: [2, 2, 7, 3],
    spec: { mode: 'cubic', coordinate: 'pytorch_half_pixel' },
    out: [2, 2, 7, 3],
  },
  { label: 'cubic on a 2-D input at opset 18', opset: 18, x: [4, 5], attrs: { mode: 'cubic' }, scales: [2, 1.4], spec: { mode: 'cubic', coordinate: 'half_pixel', scales: [2, 1.4] }, out: [8, 7] },
  {
    label: 'cubic with axes at opset 19, dynamic batch',
    opset: 19,
    x: ['N', 2, 4, 5],
    attrs: { mode: 'cubic', axes: [2, 3] },
    scales: [1.5, 2],
    spec: { mode: 'cubic', coordinate: 'half_pixel', scales: [1, 1, 1.5, 2] },
    out: [2, 2, 6, 10],
  },
);

describe('Resize and Upsample', () => {
  for (const c of CASES) {
    it(`${c.label}: forward, inferred shape and gradient`, async () => {
      const model = resizeModel(c);
      const x = normals(
        c.out.map((_, a) => (typeof c.x[a] === 'number' ? (c.x[a] as number) : 2)),
        1,
      );
      // float32 weights (two taps per axis) against float64 ones: a few ulps.
      await expectForward(model, x, (a) => R.resize(a, { ...c.spec, out: c.out }), 1e-6);
      await expectGradOk(model, { batch: 2 });
    });
  }

  it('nearest upsampling by integers needs no MatMul: a Reshape and a ReduceSum', () => {
    const grad = buildGradientModel(resizeModel(CASES[0]), { vjp: ['y0'], inputs: ['x'] }).model;
    const ops = grad.graph.nodes.map((n) => n.opType);
    expect(ops).toContain('ReduceSum');
    expect(ops).not.toContain('MatMul');
  });
});

describe('Resize refusals', () => {
  const base: Case = { label: '', opset: 13, x: X, attrs: {}, scales: [1, 1, 2, 2], spec: { mode: 'nearest', coordinate: 'half_pixel' }, out: [] };
  for (const [attrs, named] of [
    [{ coordinate_transformation_mode: 'tf_crop_and_resize' }, /coordinate_transformation_mode="tf_crop_and_resize"/],
    [{ coordinate_transformation_mode: 'half_pixel_symmetric' }, /half_pixel_symmetric/],
  ] as const) {
    it(`refuses ${JSON.stringify(attrs)} with LPC_UNSUPPORTED_OP naming the value`, () => {
      expect(() => inferTypes(resizeModel({ ...base, opset: 19, attrs }))).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(named) }));
    });
  }
  it('refuses cubic mode at opset 10, which has no such mode', () => {
    expect(() => inferTypes(resizeModel({ ...base, opset: 10, attrs: { mode: 'cubic' } }))).toThrow(
      expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/mode="cubic"/) }),
    );
  });
  it('refuses antialias 1 and keep_aspect_ratio_policy not_larger', () => {
    expect(() => inferTypes(resizeModel({ ...base, opset: 18, attrs: { mode: 'linear', antialias: 1 } }))).toThrow(/antialias=1/);
    expect(() => inferTypes(resizeModel({ ...base, opset: 18, attrs: { keep_aspect_ratio_policy: 'not_larger' } }))).toThrow(/keep_aspect_ratio_policy="not_larger"/);
  });
  it('refuses gradients when the scales are fed at run time, naming the input', () => {
    const model = singleOpModel({ opset: 13, op: 'Resize', x: X, extra: (b) => ['', b.input('scales', 'float32', [4])] });
    expect(inferTypes(model).get('y0')?.shape).toEqual([null, null, null, null]);
    expect(() => buildGradientModel(model, { vjp: ['y0'], inputs: ['x'] })).toThrow(
      expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/constant scales or sizes; 'scales'/) }),
    );
  });
  // A damaged scale, or an extent blown up by an attribute before the node: the gradient once allocated a dense
  // [out, in] matrix of any size and threw a RangeError. Nearest upsampling by an integer factor needs none.
  it('refuses gradients whose dense matrix or extents would be too large, naming the axis and extents', () => {
    const linear = resizeModel({ ...base, x: [1, 1, 1, 4096], scales: [1, 1, 1, 2], attrs: { mode: 'linear' } });
    expect(() => buildGradientModel(linear, { vjp: ['y0'], inputs: ['x'] })).toThrow(
      expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/axis 3 from 4096 to 8192, which needs a dense 8192 x 4096 matrix/) }),
    );
    const long = resizeModel({ ...base, x: [1, 1, 1, 4096], scales: [1, 1, 1, 8192] });
    expect(() => buildGradientModel(long, { vjp: ['y0'], inputs: ['x'] })).toThrow(
      expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/axis 3 from 4096 to 33554432; extents up to 16777216/) }),
    );
    // Beyond any tensor's extent, inference itself refuses the model.
    const huge = resizeModel({ ...base, scales: [1, 1, 1e30, 1] });
    for (const run of [() => inferTypes(huge), () => buildGradientModel(huge, { vjp: ['y0'], inputs: ['x'] })]) {
      expect(run).toThrow(expect.objectContaining({ code: 'LPC_INVALID_MODEL', message: expect.stringMatching(/output 'y0' would have shape \[2, 2, 4.0+\d+e\+30, 5\], whose extent/) }));
    }
    const nearest = buildGradientModel(resizeModel({ ...base, x: [1, 1, 1, 4096], scales: [1, 1, 1, 2] }), { vjp: ['y0'], inputs: ['x'] }).model;
    expect(nearest.graph.nodes.map((n) => n.opType)).toContain('ReduceSum');
  });
  it('refuses gradients through sizes on a dynamic axis', () => {
    const model = singleOpModel({ opset: 13, op: 'Resize', x: ['N', 2, 4, 5], extra: (b) => ['', '', b.ints([3, 2, 8, 10])] });
    expect(inferTypes(model).get('y0')?.shape).toEqual([3, 2, 8, 10]);
    expect(() => buildGradientModel(model, { vjp: ['y0'], inputs: ['x'] })).toThrow(
      expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/static extents on resized axis 0/) }),
    );
  });
});
