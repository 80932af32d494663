import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import type { AttrInput } from '../../lib/onnx/builder.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import type { Dim } from '../../lib/onnx/ir.js';
import { arr, type Arr } from './fixtures/reference.js';
import { expectForward, normals, singleOpModel } from './fixtures/single-op.js';
import { expectGradOk } from './support.js';

/** DepthToSpace from its definition: y[n, c, h b + i, w b + j] = x[n, channel(c, i, j), h, w]. */
function depthToSpace(x: Arr, b: number, mode: 'DCR' | 'CRD'): Arr {
  const [n, c, h, w] = x.dims;
  const co = c / (b * b);
  const out = [n, co, h * b, w * b];
  const y = new Float64Array(x.data.length);
  for (let s = 0; s < n; s++)
    for (let k = 0; k < co; k++)
      for (let p = 0; p < h * b; p++)
        for (let q = 0; q < w * b; q++) {
          const [i, j] = [p % b, q % b];
          const ch = mode === 'DCR' ? (i * b + j) * co + k : k * b * b + i * b + j;
          y[((s * co + k) * h * b + p) * w * b + q] = x.data[((s * c + ch) * h + Math.floor(p / b)) * w + Math.floor(q / b)];
        }
  return arr(out, y);
}

/** SpaceToDepth from its definition, the inverse of DepthToSpace DCR. */
function spaceToDepth(x: Arr, b: number): Arr {
  const [n, c, h, w] = x.dims;
  const [ho, wo] = [h / b, w / b];
  const y = new Float64Array(x.data.length);
  for (let s = 0; s < n; s++)
    for (let ch = 0; ch < c * b * b; ch++)
      for (let p = 0; p < ho; p++)
        for (let q = 0; q < wo; q++) {
          const [i, j, k] = [Math.floor(ch / (b * c)), Math.floor(ch / c) % b, ch % c];
          y[((s * c * b * b + ch) * ho + p) * wo + q] = x.data[((s * c + k) * h + p * b + i) * w + q * b + j];
        }
  return arr([n, c * b * b, ho, wo], y);
}

describe('DepthToSpace', () => {
  const cases: [string, number, Dim[], number[], Record<string, AttrInput>, 'DCR' | 'CRD'][] = [
    ['opset 9 (DCR, no mode attribute), blocksize 2', 9, [2, 8, 2, 3], [2, 8, 2, 3], { blocksize: 2 }, 'DCR'],
    ['mode DCR at opset 11', 11, [1, 12, 2, 2], [1, 12, 2, 2], { blocksize: 2, mode: 'DCR' }, 'DCR'],
    ['mode CRD at opset 13, blocksize 2', 13, [2, 8, 3, 2], [2, 8, 3, 2], { blocksize: 2, mode: 'CRD' }, 'CRD'],
    ['mode CRD, blocksize 3, dynamic batch and height', 13, ['n', 18, 'h', 2], [2, 18, 2, 2], { blocksize: 3, mode: 'CRD' }, 'CRD'],
    ['mode DCR by default at opset 21, dynamic batch', 21, ['n', 9, 2, 2], [2, 9, 2, 2], { blocksize: 3 }, 'DCR'],
  ];
  for (const [label, opset, shape, concrete, attrs, mode] of cases) {
    it(`${label}: forward, inferred shape and gradient`, async () => {
      const model = singleOpModel({ opset, op: 'DepthToSpace', x: shape, attrs });
      await expectForward(model, normals(concrete, 1), (x) => depthToSpace(x, attrs.blocksize as number, mode), 0);
      await expectGradOk(model, { batch: 2, dims: shape.includes('h') ? { h: 2 } : {} });
    });
  }
  it('keeps symbolic dims: [n, 8, h, 3] -> [n, 2, 2*h, 6]', () => {
    const model = singleOpModel({ opset: 13, op: 'DepthToSpace', x: ['n', 8, 'h', 3], attrs: { blocksize: 2 } });
    expect(inferTypes(model).get('y0')?.shape).toEqual(['n', 2, '2*h', 6]);
  });
  it('refuses a channel count that blocksize^2 does not divide, and an unknown mode', () => {
    expect(() => inferTypes(singleOpModel({ opset: 13, op: 'DepthToSpace', x: [1, 6, 2, 2], attrs: { blocksize: 2 } }))).toThrow(
      expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('channel count 6 is not a multiple of 4') }),
    );
    expect(() => inferTypes(singleOpModel({ opset: 13, op: 'DepthToSpace', x: [1, 8, 2, 2], attrs: { blocksize: 2, mode: 'XYZ' } }))).toThrow(
      expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining('mode="XYZ"') }),
    );
  });
  it('the gradient of CRD mode is SpaceToDepth and a channel Gather; of DCR mode SpaceToDepth alone', () => {
    const ops = (mode: string) =>
      buildGradientModel(singleOpModel({ opset: 13, op: 'DepthToSpace', x: [1, 8, 2, 2], attrs: { blocksize: 2, mode } }), { vjp: ['y0'], inputs: ['x'] }).model.graph.nodes.map((n) => n.opType);
    expect(ops('CRD')).toEqual(expect.arrayContaining(['SpaceToDepth', 'Gather']));
    expect(ops('DCR')).toContain('SpaceToDepth');
    expect(ops('DCR')).not.toContain('Gather');
  });
});

describe('SpaceToDepth', () => {
  const cases: [string, number, Dim[], number[], number][] = [
    ['opset 9, blocksize 2', 9, [2, 3, 4, 6], [2, 3, 4, 6], 2],
    ['opset 13, blocksize 3, dynamic batch', 13, ['n', 2, 3, 6], [2, 2, 3, 6], 3],
  ];
  for (const [label, opset, shape, concrete, blocksize] of cases) {
    it(`${label}: forward, inferred shape and gradient`, async () => {
      const model = singleOpModel({ opset, op: 'SpaceToDepth', x: shape, attrs: { blocksize } });
      await expectForward(model, normals(concrete, 2), (x) => spaceToDepth(x, blocksize), 0);
      await expectGradOk(model, { batch: 2 });
    });
  }
  it('refuses a height that blocksize does not divide', () => {
    expect(() => inferTypes(singleOpModel({ opset: 13, op: 'SpaceToDepth', x: [1, 2, 5, 4], attrs: { blocksize: 2 } }))).toThrow(
      expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('height 5 is not a multiple of 2') }),
    );
  });
});
