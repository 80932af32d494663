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
 *   cubic: the coordinate x (not clamped), s = x - floor(x), Keys' cubic convolution weights with
 *   parameter a (cubic_coeff_a, default -0.75) for the four taps floor(x) - 1 .. floor(x) + 2, at distances
 *   1 + s, s, 1 - s, 2 - s; taps outside [0, in - 1] read the nearest edge element, or, with
 *   exclude_outside, get weight 0 and the other weights are divided by their sum.
 */

export type CoordinateMode = 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric';
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil' | 'simple';

/** How one axis is resized. */
export interface AxisResize {
  inLen: number;
  outLen: number;
  /** The scale the coordinate transform divides by (given, or out / in in float32 when sizes are given). */
  scale: number;
  mode: 'nearest' | 'linear' | 'cubic';
  coordinate: CoordinateMode;
  nearest: NearestMode;
  /** Keys' parameter a of cubic mode. */
  cubicA: number;
  /** Cubic mode: taps outside the input get weight 0 and the rest are renormalised. */
  excludeOutside: boolean;
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

/** Keys' cubic convolution kernel at distance d with parameter a (as onnxruntime rounds it, to float32). */
export function cubicWeight(d: number, a: number): number {
  const t = Math.abs(d);
  if (t <= 1) return f32(((a + 2) * t - (a + 3)) * t * t + 1);
  if (t < 2) return f32(((a * t - 5 * a) * t + 8 * a) * t - 4 * a);
  return 0;
}

/** Adds output i's four cubic taps at source coordinate x to row i of m. */
function addCubicTaps(m: Float64Array, i: number, x: number, a: AxisResize): void {
  const lo = Math.floor(x);
  const s = f32(x - lo);
  const taps = [-1, 0, 1, 2].map((k) => ({ j: lo + k, w: cubicWeight(s - k, a.cubicA) }));
  const kept = a.excludeOutside ? taps.filter((t) => t.j >= 0 && t.j < a.inLen) : taps;
  const sum = a.excludeOutside ? kept.reduce((acc, t) => acc + t.w, 0) : 1;
  for (const t of kept) m[i * a.inLen + Math.min(Math.max(t.j, 0), a.inLen - 1)] += t.w / sum;
}

/** A [out, in] row-major: row i holds the weights of output i. */
export function interpolationMatrix(a: AxisResize): Float64Array {
  const m = new Float64Array(a.outLen * a.inLen);
  for (let i = 0; i < a.outLen; i++) {
    const x = sourceCoordinate(i, a);
    if (a.mode === 'cubic') {
      addCubicTaps(m, i, x, a);
      continue;
    }
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
