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

/**
 * The rows of A: output i reads `index[width i + k]` with weight `weight[width i + k]` for k < width (nearest:
 * one tap, the others of weight 0; linear: the two neighbours, merged into the first when they coincide; cubic:
 * four taps, clamped to the edges). O(out) memory, so the structure of A can be read at any extent before a
 * dense copy is made.
 */
export interface Taps {
  readonly inLen: number;
  readonly outLen: number;
  /** Taps per output: 4 for cubic, 2 otherwise. */
  readonly width: number;
  readonly index: Int32Array;
  readonly weight: Float64Array;
}

/** Writes output i's four cubic taps at source coordinate x. */
function setCubicTaps(t: Taps, i: number, x: number, a: AxisResize): void {
  const lo = Math.floor(x);
  const s = f32(x - lo);
  const taps = [-1, 0, 1, 2].map((k) => ({ j: lo + k, w: cubicWeight(s - k, a.cubicA) }));
  const kept = a.excludeOutside ? taps.filter((tap) => tap.j >= 0 && tap.j < a.inLen) : taps;
  const sum = a.excludeOutside ? kept.reduce((acc, tap) => acc + tap.w, 0) : 1;
  kept.forEach((tap, k) => {
    t.index[4 * i + k] = Math.min(Math.max(tap.j, 0), a.inLen - 1);
    t.weight[4 * i + k] = tap.w / sum;
  });
}

/** The taps of each output of the axis (see Taps). */
export function interpolationTaps(a: AxisResize): Taps {
  const width = a.mode === 'cubic' ? 4 : 2;
  const t: Taps = { inLen: a.inLen, outLen: a.outLen, width, index: new Int32Array(width * a.outLen), weight: new Float64Array(width * a.outLen) };
  for (let i = 0; i < a.outLen; i++) {
    const x = sourceCoordinate(i, a);
    if (a.mode === 'cubic') {
      setCubicTaps(t, i, x, a);
      continue;
    }
    if (a.mode === 'nearest') {
      t.index[2 * i] = t.index[2 * i + 1] = Math.min(Math.max(nearestIndex(x, a), 0), a.inLen - 1);
      t.weight[2 * i] = 1;
      continue;
    }
    const xc = Math.min(Math.max(x, 0), a.inLen - 1);
    const lo = Math.floor(xc);
    const hi = Math.min(lo + 1, a.inLen - 1);
    t.index[2 * i] = lo;
    t.index[2 * i + 1] = hi;
    t.weight[2 * i] = hi === lo ? 1 : hi - xc;
    t.weight[2 * i + 1] = hi === lo ? 0 : xc - lo;
  }
  return t;
}

/** A [out, in] row-major: row i holds the weights of output i. */
export function interpolationMatrix(t: Taps): Float64Array {
  const m = new Float64Array(t.outLen * t.inLen);
  for (let k = 0; k < t.width * t.outLen; k++) m[Math.floor(k / t.width) * t.inLen + t.index[k]] += t.weight[k];
  return m;
}

/** Whether output i reads input `j` alone, with weight 1 (what identity and repeat rows are). */
function readsOnly(t: Taps, i: number, j: number): boolean {
  let own = 0;
  let other = 0;
  for (let k = t.width * i; k < t.width * (i + 1); k++) {
    if (t.index[k] === j) own += t.weight[k];
    else other += Math.abs(t.weight[k]);
  }
  return own === 1 && other === 0;
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
