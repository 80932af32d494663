import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { floatAttr, type AttrInput } from '../../lib/onnx/builder.js';
import { checkGradients } from '../../lib/onnx/check-grad.js';
import type { DType } from '../../lib/onnx/dtype.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import type { Dim, Model } from '../../lib/onnx/ir.js';
import { Rng } from '../../lib/onnx/random.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor, sizeOf, type Tensor } from '../../lib/onnx/tensor.js';
import { expectGradOk, opModel } from './support.js';

interface BnOptions {
  /** Shape of X (its dim 1 is C). */
  shape: Dim[];
  /** Batch statistics (five outputs before opset 14, training_mode=1 from 14) or running statistics. */
  batch: boolean;
  attrs?: Record<string, AttrInput>;
  /** Node outputs (by index) that are also graph outputs, besides Y. */
  exposed?: number[];
  dtype?: 'float32' | 'float64';
  /** Element type of mean and var (opset 14+ lets it differ from X's). */
  statsType?: 'float32' | 'float64';
}

/** Per-channel initializers: scale, B and mean normal, var uniform in [0.5, 2) (positive, away from 0). */
function channelTensors(c: number, dtype: DType, statsType: DType, seed: number): Tensor[] {
  const rng = new Rng(seed);
  const as = (t: DType, v: Float32Array) => (t === 'float64' ? makeTensor('float64', [c], Float64Array.from(v)) : makeTensor('float32', [c], v));
  return [as(dtype, rng.normals(c)), as(dtype, rng.normals(c)), as(statsType, rng.normals(c)), as(statsType, rng.uniforms(c, 0.5, 2))];
}

function bnModel(opset: number, o: BnOptions, seed = 3): Model {
  const dtype = o.dtype ?? 'float32';
  return opModel(opset, (b) => {
    const x = b.input('x', dtype, o.shape);
    const names = ['scale', 'bias', 'mean', 'var'];
    const inits = channelTensors(o.shape[1] as number, dtype, o.statsType ?? dtype, seed).map((t, i) => b.initializer(names[i], t));
    const attrs = { ...(o.attrs ?? {}), ...(o.batch && opset >= 14 ? { training_mode: 1 } : {}) };
    const count = o.batch ? (opset < 14 ? 5 : 3) : 1;
    const outs = b.node('BatchNormalization', [x, ...inits], attrs, { outputs: count });
    b.output(outs[0], 'y');
    for (const i of o.exposed ?? []) b.output(outs[i], `out${i}`);
  });
}

/** BatchNormalization in float64, per the operator's definition (population variance, float32 attributes). */
function reference(x: Float64Array, dims: number[], [scale, bias, mean, variance]: Float64Array[], batch: boolean, epsilon = 1e-5, momentum = 0.9) {
  const [n, c] = dims;
  const inner = sizeOf(dims.slice(2));
  const eps = Math.fround(epsilon);
  const m = Math.fround(momentum);
  const at = (i: number, ch: number, k: number) => (i * c + ch) * inner + k;
  const y = new Float64Array(x.length);
  const stats = { mean: [] as number[], variance: [] as number[], runningMean: [] as number[], runningVar: [] as number[], invstd: [] as number[] };
  for (let ch = 0; ch < c; ch++) {
    let mu = mean[ch];
    let v = variance[ch];
    if (batch) {
      let s = 0;
      for (let i = 0; i < n; i++) for (let k = 0; k < inner; k++) s += x[at(i, ch, k)];
      mu = s / (n * inner);
      let ss = 0;
      for (let i = 0; i < n; i++) for (let k = 0; k < inner; k++) ss += (x[at(i, ch, k)] - mu) ** 2;
      v = ss / (n * inner);
    }
    const invstd = 1 / Math.sqrt(v + eps);
    for (let i = 0; i < n; i++) for (let k = 0; k < inner; k++) y[at(i, ch, k)] = scale[ch] * (x[at(i, ch, k)] - mu) * invstd + bias[ch];
    stats.mean.push(mu);
    stats.variance.push(v);
    stats.invstd.push(invstd);
    stats.runningMean.push(m * mean[ch] + (1 - m) * mu);
    stats.runningVar.push(m * variance[ch] + (1 - m) * v);
  }
  return { y, ...stats };
}

/** Max |a - b| / (1 + |b|). */
function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < b.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return e;
}

describe('BatchNormalization forward matches a float64 reference', () => {
  const dims = [3, 2, 2, 2];
  const x = Float64Array.from(new Rng(11).normals(sizeOf(dims), 2), (v) => v + 1);
  for (const [opset, batch] of [[9, false], [9, true], [15, false], [15, true]] as const) {
    it(`opset ${opset}, ${batch ? 'batch' : 'running'} statistics`, async () => {
      const attrs = { epsilon: floatAttr(1e-3), momentum: floatAttr(0.7) };
      const exposed = batch ? (opset < 14 ? [1, 2, 3, 4] : [1, 2]) : [];
      const m = bnModel(opset, { shape: dims, batch, attrs, exposed, dtype: 'float64' });
      const channel = ['scale', 'bias', 'mean', 'var'].map((k) => m.graph.initializers.get(k)!.data as Float64Array);
      const out = await runSession(await createSession(m), { x: makeTensor('float64', dims, x) });
      const ref = reference(x, dims, channel, batch, 1e-3, 0.7);
      // Double kernels against a double reference: 1e-12 leaves room for summation order over 12 elements.
      expect(maxErr(out.y.data as Float64Array, ref.y)).toBeLessThan(1e-12);
      if (batch) {
        expect(maxErr(out.out1.data as Float64Array, ref.runningMean)).toBeLessThan(1e-12);
        expect(maxErr(out.out2.data as Float64Array, ref.runningVar)).toBeLessThan(1e-12);
      }
      if (batch && opset < 14) {
        // onnxruntime's saved_var is the inverse standard deviation, not the variance: why its gradient is refused.
        expect(maxErr(out.out3.data as Float64Array, ref.mean)).toBeLessThan(1e-12);
        expect(maxErr(out.out4.data as Float64Array, ref.invstd)).toBeLessThan(1e-12);
      }
    });
  }
});

describe('BatchNormalization gradients', () => {
  const variants: [string, number, BnOptions][] = [
    ['running statistics, [N, C]', 9, { shape: [4, 3], batch: false }],
    ['running statistics, [N, C, H, W], epsilon 1e-2', 13, { shape: [2, 3, 2, 2], batch: false, attrs: { epsilon: floatAttr(1e-2) } }],
    ['running statistics, training_mode=0 explicit, [N, C, L]', 15, { shape: [2, 3, 4], batch: false, attrs: { training_mode: 0 } }],
    ['running statistics, dynamic batch', 21, { shape: ['n', 3, 2], batch: false }],
    ['batch statistics (five outputs), [N, C]', 9, { shape: [5, 3], batch: true }],
    ['batch statistics (five outputs), running mean and var as outputs, momentum 0.6', 12, { shape: [3, 2, 3], batch: true, exposed: [1, 2], attrs: { momentum: floatAttr(0.6) } }],
    ['batch statistics (training_mode=1), [N, C, H, W]', 14, { shape: [2, 3, 2, 2], batch: true }],
    ['batch statistics, running outputs, epsilon 0.1, momentum 0.5, dynamic batch', 15, { shape: ['n', 2, 3], batch: true, exposed: [1, 2], attrs: { epsilon: floatAttr(0.1), momentum: floatAttr(0.5) } }],
    ['batch statistics, only the running variance used', 21, { shape: [4, 2], batch: true, exposed: [2] }],
  ];
  for (const [label, opset, options] of variants) {
    it(`${label} at opset ${opset}: X, scale, B, mean, var`, async () => {
      // Running statistics are frozen by default; taking every initializer checks their rules too.
      const result = await expectGradOk(bnModel(opset, options), { batch: 3, paramOptions: { include: () => true } });
      expect(result.tensors.map((t) => t.name)).toEqual(['x', 'scale', 'bias', 'mean', 'var']);
      // onnxruntime has double BatchNormalization kernels: float64 tolerances.
      expect(result.precision).toBe('float64');
    });
  }

  it('with batch statistics Y does not depend on the mean and var inputs: their gradient is exactly 0 unless running outputs are used', async () => {
    const m = bnModel(15, { shape: [3, 2], batch: true });
    const g = buildGradientModel(m, { vjp: ['y'], params: ['mean', 'var'] });
    const feeds = { x: makeTensor('float32', [3, 2], new Rng(1).normals(6)), 'grad_in/y': makeTensor('float32', [3, 2], new Rng(2).normals(6)) };
    const stats = { mean: m.graph.initializers.get('mean')!, var: m.graph.initializers.get('var')! };
    const out = await runSession(await createSession(g.model), { ...feeds, ...stats });
    expect(Array.from(out['grad/mean'].data as Float32Array)).toEqual([0, 0]);
    expect(Array.from(out['grad/var'].data as Float32Array)).toEqual([0, 0]);
  });

  it('opset 15 mean/var of another float type: gradients come back in each input\'s type', () => {
    const m = bnModel(15, { shape: [4, 3], batch: false, statsType: 'float64' });
    const g = buildGradientModel(m, { vjp: ['y'], inputs: ['x'], params: ['scale', 'bias', 'mean', 'var'] });
    const types = inferTypes(g.model);
    const dtypes = ['grad_x', 'grad/scale', 'grad/bias', 'grad/mean', 'grad/var'].map((n) => types.get(n)?.dtype);
    expect(dtypes).toEqual(['float32', 'float32', 'float32', 'float64', 'float64']);
    const train = buildGradientModel(bnModel(15, { shape: [4, 3], batch: true, exposed: [1, 2], statsType: 'float64' }), { vjp: ['y', 'out1', 'out2'], inputs: ['x'], params: ['mean', 'var'] });
    const trainTypes = inferTypes(train.model);
    expect(['grad_x', 'grad/mean', 'grad/var'].map((n) => trainTypes.get(n)?.dtype)).toEqual(['float32', 'float64', 'float64']);
    expect(trainTypes.get('out1')?.dtype).toBe('float64');
  });

  it('refuses what the operator or onnxruntime does not define, naming it', async () => {
    const invalid = { code: 'LPC_INVALID_MODEL' };
    // Opset 9 has no spatial attribute (onnxruntime rejects it too).
    expect(() => inferTypes(bnModel(9, { shape: [2, 3], batch: false, attrs: { spatial: 1 } }))).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining("'spatial'") }));
    expect(() => inferTypes(bnModel(15, { shape: [2, 3], batch: false, attrs: { training_mode: 2 } }))).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining('training_mode=2') }));
    const withOutputs = (opset: number, count: number, attrs: Record<string, AttrInput>) =>
      opModel(opset, (b) => {
        const x = b.input('x', 'float32', [2, 3]);
        const p = ['s', 'b', 'm', 'v'].map((n) => b.input(n, 'float32', [3]));
        b.output(b.node('BatchNormalization', [x, ...p], attrs, { outputs: count })[0], 'y');
      });
    expect(() => inferTypes(withOutputs(9, 3, {}))).toThrow(expect.objectContaining({ ...invalid, message: expect.stringContaining('must have 1 or 5') }));
    expect(() => inferTypes(withOutputs(15, 1, { training_mode: 1 }))).toThrow(expect.objectContaining(invalid));
    expect(() => inferTypes(withOutputs(15, 3, {}))).toThrow(expect.objectContaining(invalid));
    // C mismatch between X and scale.
    const mismatch = opModel(15, (b) => {
      const x = b.input('x', 'float32', [2, 3]);
      b.output(b.op('BatchNormalization', [x, ...['s', 'b', 'm', 'v'].map((n) => b.input(n, 'float32', [n === 's' ? 4 : 3]))]), 'y');
    });
    expect(() => inferTypes(mismatch)).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining('scale') }));
    // Gradients through saved_mean / saved_var.
    await expect(checkGradients(bnModel(9, { shape: [3, 2], batch: true, exposed: [4] }))).rejects.toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining('saved_var') }));
  });
});
