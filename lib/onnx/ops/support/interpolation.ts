/**
 * Resize and Upsample act on each axis separately, y = A x along it, with A [out, in] fixed by the
 * extents, the scale and the modes. This file computes A as onnxruntime does (coordinates in float32;
 * checked against onnxruntime in test/onnx/ops-resize.test.ts), so that gradients are exact transposes:
 *
 *   source coordinate of output i:  half_pixel (i + 0.5) / scale - 0.5;  pytorch_half_pixel the same, or 0
 *   when out = 1;  align_corners i (in - 1) / (out - 1), or 0 when out = 1;  asymmetric i / scale.
 *   nearest: round (ties to floor or ceil), floor or ceil of it, clamped to [0, in - 1]; before opset 11
 *   ("simple") floor, or ceil when the axis shrinks.
 *   linear: the coordinate clamped to [0, in - 1], weights to its two neighbours.
 */

export type CoordinateMode = 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric';
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil' | 'simple';

/** How one axis is resized. */
export interface AxisResize {
  inLen: number;
  outLen: number;
  /** The scale the coordinate transform divides by (given, or out / in in float32 when sizes are given). */
  scale: number;
  mode: 'nearest' | 'linear';
  coordinate: CoordinateMode;
  nearest: NearestMode;
}

const f32 = Math.fround;

function sourceCoordinate(i: number, a: AxisResize): number {
  switch (a.coordinate) {
    case 'half_pixel':
      return f32(f32(f32(i + 0.5) / a.scale) - 0.5);
    case 'pytorch_half_pixel':
      return a.outLen > 1 ? f32(f32(f32(i + 0.5) / a.scale) - 0.5) : 0;
    case 'align_corners':
      return a.outLen === 1 ? 0 : f32(f32(i * (a.inLen - 1)) / (a.outLen - 1));
    case 'asymmetric':
      return f32(i / a.scale);
  }
}

function nearestIndex(x: number, a: AxisResize): number {
  const isHalf = x === Math.floor(x) + 0.5;
  switch (a.nearest) {
    case 'round_prefer_floor':
      return isHalf ? Math.floor(x) : Math.round(x);
    case 'round_prefer_ceil':
      return isHalf ? Math.ceil(x) : Math.round(x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    case 'simple':
      return a.scale < 1 ? Math.ceil(x) : Math.floor(x);
  }
}

/**
 * The rows of A: output i reads `index[2i]` with weight `weight[2i]` and `index[2i + 1]` with `weight[2i + 1]`
 * (nearest: one tap, the second of weight 0; linear: the two neighbours, merged into the first when they
 * coincide). O(out) memory, so the structure of A can be read at any extent before a dense copy is made.
 */
export interface Taps {
  readonly inLen: number;
  readonly outLen: number;
  readonly index: Int32Array;
  readonly weight: Float64Array;
}

/** The taps of each output of the axis (see Taps). */
export function interpolationTaps(a: AxisResize): Taps {
  const index = new Int32Array(2 * a.outLen);
  const weight = new Float64Array(2 * a.outLen);
  for (let i = 0; i < a.outLen; i++) {
    const x = sourceCoordinate(i, a);
    if (a.mode === 'nearest') {
      index[2 * i] = index[2 * i + 1] = Math.min(Math.max(nearestIndex(x, a), 0), a.inLen - 1);
      weight[2 * i] = 1;
      continue;
    }
    const xc = Math.min(Math.max(x, 0), a.inLen - 1);
    const lo = Math.floor(xc);
    const hi = Math.min(lo + 1, a.inLen - 1);
    index[2 * i] = lo;
    index[2 * i + 1] = hi;
    weight[2 * i] = hi === lo ? 1 : hi - xc;
    weight[2 * i + 1] = hi === lo ? 0 : xc - lo;
  }
  return { inLen: a.inLen, outLen: a.outLen, index, weight };
}

/** A [out, in] row-major: row i holds the weights of output i. */
export function interpolationMatrix(t: Taps): Float64Array {
  const m = new Float64Array(t.outLen * t.inLen);
  for (let k = 0; k < 2 * t.outLen; k++) m[Math.floor(k / 2) * t.inLen + t.index[k]] += t.weight[k];
  return m;
}

/** Whether output i reads input `j` alone, with weight 1 (what identity and repeat rows are). */
function readsOnly(t: Taps, i: number, j: number): boolean {
  const w0 = t.index[2 * i] === j ? t.weight[2 * i] : 0;
  const w1 = t.index[2 * i + 1] === j ? t.weight[2 * i + 1] : 0;
  const other = (t.index[2 * i] !== j ? Math.abs(t.weight[2 * i]) : 0) + (t.index[2 * i + 1] !== j ? Math.abs(t.weight[2 * i + 1]) : 0);
  return w0 + w1 === 1 && other === 0;
}

/** True when A is the identity (the axis is left as it is). */
export function isIdentity(t: Taps): boolean {
  if (t.inLen !== t.outLen) return false;
  for (let i = 0; i < t.outLen; i++) if (!readsOnly(t, i, i)) return false;
  return true;
}

/** f when A repeats every input f times in a row (nearest upsampling by an integer factor), else undefined. */
export function repeatFactor(t: Taps): number | undefined {
  if (t.outLen % t.inLen !== 0 || t.outLen === t.inLen) return undefined;
  const f = t.outLen / t.inLen;
  for (let i = 0; i < t.outLen; i++) if (!readsOnly(t, i, Math.floor(i / f))) return undefined;
  return f;
}
