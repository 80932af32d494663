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

/** A [out, in] row-major: row i holds the weights of output i. */
export function interpolationMatrix(a: AxisResize): Float64Array {
  const m = new Float64Array(a.outLen * a.inLen);
  for (let i = 0; i < a.outLen; i++) {
    const x = sourceCoordinate(i, a);
    if (a.mode === 'nearest') {
      const j = Math.min(Math.max(nearestIndex(x, a), 0), a.inLen - 1);
      m[i * a.inLen + j] = 1;
      continue;
    }
    const xc = Math.min(Math.max(x, 0), a.inLen - 1);
    const lo = Math.floor(xc);
    const hi = Math.min(lo + 1, a.inLen - 1);
    m[i * a.inLen + lo] += hi === lo ? 1 : hi - xc;
    if (hi !== lo) m[i * a.inLen + hi] += xc - lo;
  }
  return m;
}

/** True when A is the identity (the axis is left as it is). */
export function isIdentity(m: Float64Array, inLen: number, outLen: number): boolean {
  if (inLen !== outLen) return false;
  return m.every((v, k) => v === (Math.floor(k / inLen) === k % inLen ? 1 : 0));
}

/** f when A repeats every input f times in a row (nearest upsampling by an integer factor), else undefined. */
export function repeatFactor(m: Float64Array, inLen: number, outLen: number): number | undefined {
  if (outLen % inLen !== 0 || outLen === inLen) return undefined;
  const f = outLen / inLen;
  return m.every((v, k) => v === (Math.floor(Math.floor(k / inLen) / f) === k % inLen ? 1 : 0)) ? f : undefined;
}
