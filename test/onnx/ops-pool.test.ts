import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import type { AttrInput } from '../../lib/onnx/builder.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import { MAX_OPSET } from '../../lib/onnx/ops/index.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import * as R from './fixtures/reference.js';
import { expectForward, normals, singleOpModel, toArr } from './fixtures/single-op.js';
import { expectGradOk } from './support.js';

interface Case {
  label: string;
  x: number[];
  attrs: Record<string, AttrInput>;
  /** What the attributes resolve to, for the reference: pads [begin..., end...] and output extents. */
  pads: number[];
  out: number[];
  /** Lowest opset that has the attributes used. */
  since?: number;
}

const geometry = (c: Case): R.PoolGeometry => ({
  kernel: c.attrs.kernel_shape as number[],
  strides: (c.attrs.strides as number[]) ?? (c.attrs.kernel_shape as number[]).map(() => 1),
  dilations: c.attrs.dilations as number[] | undefined,
  pads: c.pads,
  out: c.out,
});

const MAX: Case[] = [
  { label: 'kernel 2, stride 2', x: [2, 2, 6, 6], attrs: { kernel_shape: [2, 2], strides: [2, 2] }, pads: [0, 0, 0, 0], out: [3, 3] },
  { label: 'kernel 3, stride 1, pads 1 (overlapping windows)', x: [1, 2, 5, 5], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, pads: [1, 1, 1, 1], out: [5, 5] },
  // (6 - 3) / 2 = 1.5: ceil_mode adds a last window that runs one past the end.
  { label: 'ceil_mode', x: [1, 2, 6, 6], attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }, pads: [0, 0, 0, 0], out: [3, 3], since: 10 },
  // Along W, (5 + 2 - 2) / 2 rounds up to 3, but that window would start in the end padding: dropped.
  { label: 'ceil_mode with pads', x: [1, 2, 6, 5], attrs: { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }, pads: [1, 1, 1, 1], out: [4, 3], since: 10 },
  // (5 + 1 - 2) / 3 rounds up to 2, but that window would start in the end padding: dropped.
  { label: 'ceil_mode dropping a window that starts in the end padding', x: [1, 2, 5], attrs: { kernel_shape: [2], strides: [3], pads: [0, 1], ceil_mode: 1 }, pads: [0, 1], out: [2], since: 10 },
  { label: 'dilations 2', x: [1, 2, 7, 6], attrs: { kernel_shape: [2, 2], strides: [2, 1], dilations: [2, 2] }, pads: [0, 0, 0, 0], out: [3, 4], since: 10 },
  { label: 'auto_pad SAME_UPPER', x: [1, 2, 5, 5], attrs: { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_UPPER' }, pads: [0, 0, 1, 1], out: [3, 3] },
  { label: 'auto_pad SAME_LOWER', x: [1, 2, 5, 5], attrs: { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_LOWER' }, pads: [1, 1, 0, 0], out: [3, 3] },
  { label: '3-D', x: [1, 2, 4, 3, 4], attrs: { kernel_shape: [2, 2, 2], strides: [2, 1, 2] }, pads: [0, 0, 0, 0, 0, 0], out: [2, 2, 2] },
];

const AVERAGE: Case[] = [
  { label: 'kernel 3, stride 2, pads 1', x: [2, 2, 6, 6], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, pads: [1, 1, 1, 1], out: [3, 3] },
  { label: 'ceil_mode (the last window is cut at the end)', x: [1, 2, 6, 6], attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }, pads: [0, 0, 0, 0], out: [3, 3], since: 10 },
  { label: 'ceil_mode with asymmetric pads', x: [1, 2, 6, 5], attrs: { kernel_shape: [2, 3], strides: [2, 2], pads: [1, 0, 1, 2], ceil_mode: 1 }, pads: [1, 0, 1, 2], out: [4, 3], since: 10 },
  { label: 'auto_pad SAME_UPPER', x: [1, 2, 5, 5], attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }, pads: [1, 1, 1, 1], out: [3, 3] },
  { label: 'dilations 2 (opset 19)', x: [1, 2, 7, 6], attrs: { kernel_shape: [2, 2], strides: [2, 1], dilations: [2, 2], pads: [1, 0, 0, 1] }, pads: [1, 0, 0, 1], out: [3, 5], since: 19 },
  { label: '1-D', x: [2, 3, 7], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] }, pads: [1, 1], out: [4] },
  { label: 'ceil_mode dropping a window that starts in the end padding', x: [1, 2, 5], attrs: { kernel_shape: [2], strides: [3], pads: [0, 1], ceil_mode: 1 }, pads: [0, 1], out: [2], since: 10 },
];

const opsetOf = (c: Case, wanted: number) => Math.max(wanted, c.since ?? 9);

describe('MaxPool', () => {
  for (const c of MAX) {
    it(`${c.label}: onnxruntime, its Indices and the inferred shape match the float64 reference`, async () => {
      const model = singleOpModel({ opset: opsetOf(c, 13), op: 'MaxPool', x: c.x, attrs: c.attrs, outputs: 2 });
      const x = normals(c.x, 1);
      // Max is exact: the reference picks the same float32 value.
      await expectForward(model, x, (a) => R.maxPool(a, geometry(c)).y, 0);
      const out = await runSession(await createSession(model), { x });
      expect(Array.from(out.y1.data as BigInt64Array, Number)).toEqual(R.maxPool(toArr(x), geometry(c)).indices);
    });
    // Opset 13 routes through one-hot window taps; opset 17 scatters at the Indices.
    for (const opset of [13, 17]) {
      it(`${c.label}: gradient at opset ${opset}`, async () => {
        await expectGradOk(singleOpModel({ opset: opsetOf(c, opset), op: 'MaxPool', x: c.x, attrs: c.attrs }));
      });
    }
  }

  it('at opset 9, with a dynamic batch', async () => {
    const model = singleOpModel({ opset: 9, op: 'MaxPool', x: ['N', 2, 5, 5], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } });
    expect(inferTypes(model).get('y0')?.shape).toEqual(['N', 2, 3, 3]);
    await expectGradOk(model, { batch: 3 });
  });

  it('reuses an Indices output the model already computes, and ignores storage_order for routing', async () => {
    const withIndices = singleOpModel({ opset: 17, op: 'MaxPool', x: [1, 2, 5, 5], attrs: { kernel_shape: [2, 2] }, outputs: 2 });
    const built = buildGradientModel(withIndices, { vjp: ['y0'], inputs: ['x'] }).model;
    expect(built.graph.nodes.filter((n) => n.opType === 'MaxPool')).toHaveLength(1);
    await expectGradOk(withIndices);
    await expectGradOk(singleOpModel({ opset: 17, op: 'MaxPool', x: [1, 2, 5, 5], attrs: { kernel_shape: [2, 2], storage_order: 1 }, outputs: 2 }));
  });

  for (const opset of [11, 17]) {
    it(`routes a tied window's gradient to its first maximum, as Indices do, at opset ${opset}`, async () => {
      // Values from {0, 1, 2} give many ties; overlapping windows share maxima, whose gradients must add up.
      const dims = [1, 2, 5, 5];
      const x = makeTensor(
        'float32',
        dims,
        Float32Array.from({ length: 50 }, (_, i) => (i * 7) % 3),
      );
      const attrs = { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] };
      const model = singleOpModel({ opset, op: 'MaxPool', x: dims, attrs });
      const grad = buildGradientModel(model, { vjp: ['y0'], inputs: ['x'] }).model;
      const dy = normals([1, 2, 5, 5], 4);
      const out = await runSession(await createSession(grad), { x, 'grad_in/y0': dy });
      const { indices } = R.maxPool(toArr(x), { kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], out: [5, 5] });
      const want = new Float64Array(50);
      indices.forEach((at, o) => (want[at] += (dy.data as Float32Array)[o]));
      // Sums of at most 9 float32 values in a different order.
      (out.grad_x.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    });
  }
});

describe('AveragePool', () => {
  for (const c of AVERAGE) {
    for (const includePad of [0, 1]) {
      const attrs = { ...c.attrs, count_include_pad: includePad };
      it(`${c.label}, count_include_pad ${includePad}: forward and inferred shape`, async () => {
        const model = singleOpModel({ opset: opsetOf(c, 11), op: 'AveragePool', x: c.x, attrs });
        // float32 means of at most 9 unit-scale values.
        await expectForward(model, normals(c.x, 1), (a) => R.avgPool(a, geometry(c), includePad === 1));
      });
      it(`${c.label}, count_include_pad ${includePad}: gradient`, async () => {
        await expectGradOk(singleOpModel({ opset: opsetOf(c, 11), op: 'AveragePool', x: c.x, attrs }));
      });
    }
  }
  it('at opset 9 with a dynamic batch', async () => {
    await expectGradOk(singleOpModel({ opset: 9, op: 'AveragePool', x: ['N', 2, 5, 5], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }), { batch: 3 });
  });
});

describe('GlobalAveragePool', () => {
  it('static spatial extents, and the inferred shape keeps a dynamic batch', async () => {
    const model = singleOpModel({ opset: 13, op: 'GlobalAveragePool', x: ['N', 3, 4, 5] });
    expect(inferTypes(model).get('y0')?.shape).toEqual(['N', 3, 1, 1]);
    await expectGradOk(model, { batch: 2 });
  });
  it('dynamic spatial extents', async () => {
    await expectGradOk(singleOpModel({ opset: 13, op: 'GlobalAveragePool', x: [2, 3, 'h', 'w'] }), { batch: 3 });
  });
});

describe('GlobalMaxPool', () => {
  for (const [opset, x] of [
    [9, ['N', 3, 4, 5]],
    [13, [2, 2, 6]],
    [MAX_OPSET, [2, 2, 3, 2, 2]],
  ] as const) {
    it(`${x.length - 2} spatial axes at opset ${opset}: inferred shape and gradient`, async () => {
      const model = singleOpModel({ opset, op: 'GlobalMaxPool', x: [...x] });
      expect(inferTypes(model).get('y0')?.shape).toEqual([x[0], x[1], ...x.slice(2).map(() => 1)]);
      await expectGradOk(model, { batch: 2 });
    });
  }

  it("routes each channel's gradient to its maximum, shared equally among ties", async () => {
    const model = singleOpModel({ opset: 13, op: 'GlobalMaxPool', x: [1, 2, 2, 2] });
    const grad = buildGradientModel(model, { vjp: ['y0'], inputs: ['x'] }).model;
    const x = makeTensor('float32', [1, 2, 2, 2], Float32Array.of(1, 4, -2, 0, 3, 3, 3, -1));
    const out = await runSession(await createSession(grad), { x, 'grad_in/y0': makeTensor('float32', [1, 2, 1, 1], Float32Array.of(2, 6)) });
    expect(Array.from(out.y0.data as Float32Array)).toEqual([4, 3]);
    expect(Array.from(out.grad_x.data as Float32Array)).toEqual([0, 2, 0, 0, 2, 2, 2, 0]);
  });
});

describe('pool refusals', () => {
  it('refuses gradients through dynamic spatial extents, naming what is needed', () => {
    const model = singleOpModel({ opset: 13, op: 'AveragePool', x: [1, 2, 'h', 6], attrs: { kernel_shape: [2, 2] } });
    expect(() => buildGradientModel(model, { vjp: ['y0'], inputs: ['x'] })).toThrow(
      expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/AveragePool.*static spatial extents/) }),
    );
  });
  it('refuses attributes an opset does not have', () => {
    const model = singleOpModel({ opset: 11, op: 'AveragePool', x: [1, 2, 6, 6], attrs: { kernel_shape: [2, 2], dilations: [2, 2] } });
    expect(() => inferTypes(model)).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(/attribute 'dilations'/) }));
  });
});
