/**
 * Geometry of the sliding-window operators (Conv, ConvTranspose, MaxPool, AveragePool): reading
 * kernel_shape, strides, dilations, pads and auto_pad, and resolving auto_pad, ceil_mode and output_shape
 * into explicit pads and output extents per spatial axis, as onnxruntime does (checked against float64
 * references in test/onnx/ops-conv.test.ts and ops-pool.test.ts):
 *
 *   Conv / pools, NOTSET or VALID (pads 0):  out = floor(q / s) + 1, q = in + pb + pe - eff, eff = (k - 1) d + 1;
 *     with ceil_mode, ceil(q / s) + 1, less one when that last window would start inside the end padding.
 *   SAME_UPPER / SAME_LOWER:  out = ceil(in / s), pads total (out - 1) s + eff - in, the odd one at the end / begin.
 *   ConvTranspose: out = s (in - 1) + op + eff - pb - pe; with output_shape (or SAME_*, where out = in s) the
 *     pads total is split with the odd one at the end for SAME_UPPER, at the begin otherwise.
 */
import type { Dim } from '../../ir.js';
import type { AttrReader } from '../types.js';

/** One axis after resolution: output extent, and pads when they are known (static input extent or explicit pads). */
export interface AxisGeometry {
  out: Dim;
  pb: number | null;
  pe: number | null;
}

/** The attributes of a window operator, per spatial axis; pads are [begin..., end...] as written (zeros if absent). */
export interface WindowAttrs {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[];
  autoPad: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
}

/** Fully resolved windows of static extents: what gradient rules work from. */
export interface Windows {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** [begin..., end...], non-negative. */
  pads: number[];
  /** Input and output spatial extents. */
  inDims: number[];
  outDims: number[];
}

/** Auto-pad values every window operator accepts. */
export const AUTO_PAD = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'] as const;

/**
 * Reads the window attributes of a node with `rank` spatial axes. `kernel` is the weight's spatial shape
 * when the operator has a weight (kernel_shape may then be omitted, and must agree when given).
 */
export function readWindowAttrs(attr: AttrReader, rank: number, kernel: number[] | undefined, fail: (message: string) => never): WindowAttrs {
  const ones = new Array<number>(rank).fill(1);
  let k = kernel;
  if (attr.has('kernel_shape')) {
    const given = attr.ints('kernel_shape');
    if (k !== undefined && (given.length !== k.length || given.some((v, i) => v !== k![i]))) fail(`kernel_shape [${given.join(', ')}] disagrees with the weight's spatial shape [${k.join(', ')}]`);
    k = given;
  }
  if (k === undefined) return fail('kernel_shape is required');
  const w: WindowAttrs = {
    kernel: k,
    strides: attr.ints('strides', ones),
    dilations: attr.ints('dilations', ones),
    pads: attr.ints('pads', new Array<number>(2 * rank).fill(0)),
    autoPad: attr.string('auto_pad', 'NOTSET') as WindowAttrs['autoPad'],
  };
  for (const [name, v, len, min] of [
    ['kernel_shape', w.kernel, rank, 1],
    ['strides', w.strides, rank, 1],
    ['dilations', w.dilations, rank, 1],
    ['pads', w.pads, 2 * rank, 0],
  ] as const) {
    if (v.length !== len) fail(`${name} has ${v.length} values for ${rank} spatial axes (expected ${len})`);
    if (v.some((x) => !Number.isInteger(x) || x < min)) fail(`${name} [${v.join(', ')}] must hold integers >= ${min}`);
  }
  if (w.autoPad === 'VALID') w.pads = new Array<number>(2 * rank).fill(0);
  return w;
}

const effective = (k: number, d: number) => (k - 1) * d + 1;

/** Output extent and pads of axis i of a Conv or pool; `ceil` is the pool's ceil_mode. */
export function slideAxis(w: WindowAttrs, i: number, inLen: Dim, ceil: boolean, fail: (message: string) => never): AxisGeometry {
  const rank = w.kernel.length;
  const [k, s, d] = [w.kernel[i], w.strides[i], w.dilations[i]];
  const eff = effective(k, d);
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
    if (typeof inLen !== 'number') return { out: null, pb: null, pe: null };
    const out = Math.ceil(inLen / s);
    const total = Math.max(0, (out - 1) * s + eff - inLen);
    const small = Math.floor(total / 2);
    return w.autoPad === 'SAME_UPPER' ? { out, pb: small, pe: total - small } : { out, pb: total - small, pe: small };
  }
  const [pb, pe] = [w.pads[i], w.pads[i + rank]];
  if (typeof inLen !== 'number') return { out: null, pb, pe };
  const q = inLen + pb + pe - eff;
  if (q < 0) fail(`the window of extent ${eff} (kernel ${k}, dilation ${d}) is larger than spatial axis ${i} of extent ${inLen} padded by ${pb} + ${pe}`);
  let out = Math.floor(q / s) + 1;
  if (ceil) {
    out = Math.ceil(q / s) + 1;
    if ((out - 1) * s >= inLen + pb) out--;
  }
  return { out, pb, pe };
}

/** Output extent, pads and output padding of axis i of a ConvTranspose. */
export function transposeAxis(w: WindowAttrs, i: number, inLen: Dim, outputPadding: number[], outputShape: number[] | undefined): AxisGeometry & { op: number } {
  const rank = w.kernel.length;
  const [k, s, d, op] = [w.kernel[i], w.strides[i], w.dilations[i], outputPadding[i]];
  const full = typeof inLen === 'number' ? s * (inLen - 1) + op + effective(k, d) : null;
  let target: number | null | undefined = outputShape?.[i];
  if (target === undefined && (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER')) target = typeof inLen === 'number' ? inLen * s : null;
  if (target === undefined) {
    const [pb, pe] = [w.pads[i], w.pads[i + rank]];
    return { out: full === null ? null : full - pb - pe, pb, pe, op };
  }
  if (full === null || target === null) return { out: target, pb: null, pe: null, op };
  const total = full - target;
  const half = Math.trunc(total / 2);
  return w.autoPad === 'SAME_UPPER' ? { out: target, pb: half, pe: total - half, op } : { out: target, pb: total - half, pe: half, op };
}

/** Windows of static extents from resolved axes, or a message saying what is not static. */
export function staticWindows(w: WindowAttrs, inDims: Dim[], axes: AxisGeometry[]): Windows | string {
  if (!inDims.every((d): d is number => typeof d === 'number')) return `static spatial extents (the input has [${inDims.map((d) => d ?? '?').join(', ')}])`;
  const pads = [...axes.map((a) => a.pb), ...axes.map((a) => a.pe)];
  const outDims = axes.map((a) => a.out);
  if (!pads.every((p): p is number => typeof p === 'number') || !outDims.every((d): d is number => typeof d === 'number')) return 'static output extents and pads';
  if (pads.some((p) => p < 0)) return `non-negative pads (they resolve to [${pads.join(', ')}])`;
  return { kernel: w.kernel, strides: w.strides, dilations: w.dilations, pads, inDims, outDims };
}
