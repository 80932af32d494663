/**
 * Float64 JavaScript references for the likelihood tests: the small MLP decoders the tests build, each
 * likelihood's -log p(x|z) written directly from its definition, and directional finite differences.
 * The normal tail here is computed independently of lib/likelihoods/normal-tail.ts: erf by its everywhere
 * positive series for t < 3, the Mills-ratio continued fraction (500 terms) beyond.
 */
import { convPlan } from '../../lib/models/conv.js';
import type { Decoder } from '../../lib/models/networks.js';
import type { ParameterSet } from '../../lib/onnx/params.js';
import { arr, convTranspose } from '../onnx/fixtures/reference.js';

/** Parameter values by name (float32 values read as doubles, or float64 perturbations of them). */
export type Values = Map<string, ArrayLike<number>>;

/** The current values of a network's (decoder's, encoder's, EnergyModel's) parameters. */
export function valuesOf(net: { readonly params: ParameterSet }): Values {
  return new Map(net.params.names.map((n) => [n, Float64Array.from(net.params.get(n).data)]));
}

/** y = x W^T + b for one row x: the layer `name` of a built network (PyTorch's Linear, W [out, in]). */
export function dense(values: Values, name: string, x: ArrayLike<number>): Float64Array {
  const w = values.get(`${name}.weight`)!;
  const b = values.get(`${name}.bias`)!;
  return Float64Array.from(b, (bo, o) => {
    let s = bo;
    for (let i = 0; i < x.length; i++) s += w[o * x.length + i] * x[i];
    return s;
  });
}

/** The output of an mlpDecoder before its final activation, for one z (layers fc1..fcL, ReLU between). */
export function mlpPreactivation(values: Values, layers: number, z: ArrayLike<number>): Float64Array {
  let h: Float64Array = Float64Array.from(z);
  for (let l = 1; l <= layers; l++) {
    h = dense(values, `fc${l}`, h);
    if (l < layers) h = h.map((v) => Math.max(v, 0));
  }
  return h;
}

/**
 * The output of a convDecoder before its final activation, for one z: fc1..fcN with ReLU, reshape to
 * [top, 4, 4], deconv1..deconvL (4x4, stride 2, padding 1; the last padded by the plan's outer padding) with
 * ReLU between, using the float64 ConvTranspose of test/onnx/fixtures/reference.ts.
 */
export function convPreactivation(values: Values, decoder: Decoder, z: ArrayLike<number>): Float64Array {
  const plan = convPlan(decoder.imageShape[1]);
  const fcs = decoder.params.names.filter((n) => /^fc\d+\.weight$/.test(n)).length;
  let h: Float64Array = Float64Array.from(z);
  for (let l = 1; l <= fcs; l++) {
    const w = values.get(`fc${l}.weight`)!;
    const b = values.get(`fc${l}.bias`)!;
    h = Float64Array.from(b, (bo, o) =>
      Math.max(
        h.reduce((s, v, i) => s + w[o * h.length + i] * v, bo),
        0,
      ),
    );
  }
  let x = arr([1, h.length / 16, 4, 4], h);
  for (let l = 1; l <= plan.layers; l++) {
    const dims = decoder.params.get(`deconv${l}.weight`).dims;
    const pad = l === plan.layers ? plan.outerPad : 1;
    x = convTranspose(x, arr([...dims], values.get(`deconv${l}.weight`)!), arr([dims[1]], values.get(`deconv${l}.bias`)!), { strides: [2, 2], pads: [pad, pad, pad, pad], dilations: [1, 1] });
    if (l < plan.layers) x = { dims: x.dims, data: x.data.map((v) => Math.max(v, 0)) };
  }
  return x.data;
}

/** The pre-activation forward of a built decoder (mlpDecoder or convDecoder). */
export function preactivation(values: Values, decoder: Decoder, z: ArrayLike<number>): Float64Array {
  if (decoder.params.has('deconv1.weight')) return convPreactivation(values, decoder, z);
  return mlpPreactivation(values, decoder.params.names.filter((n) => n.endsWith('.weight')).length, z);
}

/** sum_j softplus(l_j) - t_j l_j. */
export function bernoulliNll(logits: ArrayLike<number>, target: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < logits.length; j++) {
    const l = logits[j];
    s += Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l))) - target[j] * l;
  }
  return s;
}

/** sum_j (x_j - m_j)^2 / (2 sigma^2) + D log sigma + (D / 2) log 2 pi. */
export function gaussianNll(mean: ArrayLike<number>, x: ArrayLike<number>, sigma: number): number {
  let s = 0;
  for (let j = 0; j < mean.length; j++) s += (x[j] - mean[j]) ** 2;
  return s / (2 * sigma * sigma) + mean.length * Math.log(sigma) + 0.5 * mean.length * Math.log(2 * Math.PI);
}

/** Squared error sum. */
export function sse(mean: ArrayLike<number>, x: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < mean.length; j++) s += (x[j] - mean[j]) ** 2;
  return s;
}

/** erf(z) = (2 / sqrt pi) exp(-z^2) sum_n 2^n z^(2n+1) / (1 3 5 ... (2n+1)): all terms positive for z >= 0. */
function erf(z: number): number {
  if (z < 0) return -erf(-z);
  if (z > 6) return 1; // erfc(6) = 2e-17: 1 to double precision (and the series would overflow)
  let term = z;
  let sum = z;
  for (let n = 1; n < 500 && term > 1e-18 * sum; n++) {
    term *= (2 * z * z) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) * sum;
}

/** log P(N(0, 1) > t) for any t. */
export function logQ(t: number): number {
  if (t < 3) return Math.log(0.5 * (1 - erf(t / Math.SQRT2)));
  let v = t;
  for (let k = 500; k >= 1; k--) v = t + k / v;
  return -0.5 * t * t - 0.5 * Math.log(2 * Math.PI) - Math.log(v);
}

/**
 * log P(bin of x) under N(mean, sigma^2) with `bins` levels on [lo, hi], edge bins open:
 * log(Q(a) - Q(b)) on the side of the mean where both tails are small, via expm1.
 */
export function discretizedLogMass(x: number, mean: number, sigma: number, lo: number, hi: number, bins: number): number {
  const delta = (hi - lo) / (2 * (bins - 1));
  let a = x - delta <= lo ? -Infinity : (x - delta - mean) / sigma;
  let b = x + delta >= hi ? Infinity : (x + delta - mean) / sigma;
  // Mass of [a, b] = Q(a) - Q(b); mirror so that the bin lies mostly above 0.
  if (a + b < 0 || (a === -Infinity && b !== Infinity)) [a, b] = [-b, -a];
  const la = a === -Infinity ? 0 : logQ(a);
  const lb = b === Infinity ? -Infinity : logQ(b);
  return la + Math.log(-Math.expm1(lb - la));
}

/** (f(h) - f(-h)) / 2h. */
export function centralDifference(f: (h: number) => number, h: number): number {
  return (f(h) - f(-h)) / (2 * h);
}

/** <g, v> and sum |g_i v_i| (the scale that float32 rounding of g is measured against). */
export function directional(g: ArrayLike<number>, v: ArrayLike<number>): { value: number; scale: number } {
  let value = 0;
  let scale = 0;
  for (let i = 0; i < g.length; i++) {
    value += g[i] * v[i];
    scale += Math.abs(g[i] * v[i]);
  }
  return { value, scale };
}
