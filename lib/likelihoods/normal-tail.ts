/**
 * log Q(t) = log P(N(0, 1) > t) for every real t, in float32 graphs, accurate to about 3e-7 absolute:
 * - t < 2: log((1 - erf(t / sqrt 2)) / 2), where float32 Erf (absolute error ~5e-8) leaves Q >= 0.023 with a
 *   relative error below 3e-6 and usually far less;
 * - t >= 2: log phi(t) - log t + g(4 / t^2), the Mills-ratio form, which never underflows; g(s) = log(t R(t))
 *   with R = Q / phi the Mills ratio, is a degree-9 polynomial in s on (0, 1] fitted by least squares when this
 *   module loads, against R from its continued fraction R(t) = 1/(t + 1/(t + 2/(t + 3/(t + ...)))) in float64
 *   (400 terms: exact to double precision for t >= 2). The fit's largest error is about 7e-8.
 * Both branches are evaluated on inputs clamped to their own side of 2, so neither produces Inf or NaN for any
 * t and the gradient of the branch Where drops is exactly zero.
 */
import type { GraphBuilder } from '../onnx/builder.js';

/** Where the Erf form hands over to the Mills-ratio form. */
export const TAIL_SWITCH = 2;
const FIT_DEGREE = 9;
const FIT_POINTS = 400;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** The Mills ratio Q(t) / phi(t) for t > 0, by its continued fraction evaluated bottom-up (float64). */
function millsRatio(t: number, terms = 400): number {
  let v = t;
  for (let k = terms; k >= 1; k--) v = t + k / v;
  return 1 / v;
}

/** Coefficients c_0..c_9 of g(s) = sum c_k s^k, fitted at load (see the file comment). */
const TAIL_COEFFICIENTS: readonly number[] = fitTail();

/** The approximation the graph evaluates for t >= TAIL_SWITCH, in float64 (for tests and error bounds). */
export function logUpperTailFit(t: number): number {
  const s = (TAIL_SWITCH * TAIL_SWITCH) / (t * t);
  let g = 0;
  for (let k = FIT_DEGREE; k >= 0; k--) g = g * s + TAIL_COEFFICIENTS[k];
  return -0.5 * t * t - LOG_SQRT_2PI - Math.log(t) + g;
}

/** Emits log Q(t) elementwise (t float32, any shape). */
export function emitLogUpperTail(b: GraphBuilder, t: string): string {
  const f = (v: number) => b.scalar(v, 'float32');
  const low = b.op('Min', [t, f(TAIL_SWITCH)]);
  const erfc = b.op('Sub', [f(1), b.op('Erf', [b.op('Mul', [low, f(Math.SQRT1_2)])])]);
  const erfForm = b.op('Log', [b.op('Mul', [erfc, f(0.5)])]);
  const high = b.op('Max', [t, f(TAIL_SWITCH)]);
  const square = b.op('Mul', [high, high]);
  const s = b.op('Div', [f(TAIL_SWITCH * TAIL_SWITCH), square]);
  let g = f(TAIL_COEFFICIENTS[FIT_DEGREE]);
  for (let k = FIT_DEGREE - 1; k >= 0; k--) g = b.op('Add', [b.op('Mul', [g, s]), f(TAIL_COEFFICIENTS[k])]);
  const millsForm = b.op('Sub', [b.op('Sub', [g, b.op('Mul', [square, f(0.5)])]), b.op('Add', [b.op('Log', [high]), f(LOG_SQRT_2PI)])]);
  return b.op('Where', [b.op('Less', [t, f(TAIL_SWITCH)]), erfForm, millsForm]);
}

/** Least squares for g on Chebyshev points of (0, 1], by modified Gram-Schmidt QR (well conditioned enough in float64 at degree 9). */
function fitTail(): number[] {
  const n = FIT_DEGREE + 1;
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < FIT_POINTS; i++) {
    const s = (1 - Math.cos((Math.PI * (i + 0.5)) / FIT_POINTS)) / 2;
    const t = TAIL_SWITCH / Math.sqrt(s);
    rows.push(Array.from({ length: n }, (_, k) => s ** k));
    y.push(Math.log(t * millsRatio(t)));
  }
  const q = rows.map((r) => r.slice());
  const r = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < FIT_POINTS; i++) dot += q[i][k] * q[i][j];
      r[k][j] = dot;
      for (let i = 0; i < FIT_POINTS; i++) q[i][j] -= dot * q[i][k];
    }
    let norm = 0;
    for (let i = 0; i < FIT_POINTS; i++) norm += q[i][j] ** 2;
    r[j][j] = Math.sqrt(norm);
    for (let i = 0; i < FIT_POINTS; i++) q[i][j] /= r[j][j];
  }
  const coef = new Array<number>(n).fill(0);
  for (let j = n - 1; j >= 0; j--) {
    let v = 0;
    for (let i = 0; i < FIT_POINTS; i++) v += q[i][j] * y[i];
    for (let k = j + 1; k < n; k++) v -= r[j][k] * coef[k];
    coef[j] = v / r[j][j];
  }
  return coef;
}
