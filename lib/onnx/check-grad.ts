/**
 * Gradient check of the autodiff on a whole model: the gradient graph of a fixed random projection
 * L = sum_o <r_o, y_o> of every float output is compared, per input and parameter w, with finite
 * differences of L along random directions v (unit rms), at steps scaled by s = max(rms(w), 1):
 *
 *   an = <dL/dw, v>,   fd = 6th-order central difference of L(w + j h s v), j = -3..3 (finite-diff.ts)
 *
 * L is differenced on the model with every branch selection (ReLU masks, Elu/Selu sides, max-pooling taps,
 * Min/Max, Clip and Where branches: the operators of kinkedOps()) frozen at the base point (kinks.ts): a step
 * crossing a kink would otherwise err by the jump, which in conv nets with thousands of ReLUs happens at every
 * float32 step.
 *
 * The tolerance rests on what the evaluations themselves show, not on a worst-case rounding model:
 *
 *   pass iff |fd - an| <= rtol |an| + K g sigma / (h s) + |fd4 - fd| + G u |grad . v|_2
 *
 * - sigma, the rounding noise of one evaluation of L, is measured from the 5th and 6th differences of the
 *   same evaluations (ECnoise, finite-diff.ts), pooled over the tensor's directions, and taken at least as
 *   large as the rounding of the outputs to their precision, u |r y|_2 / sqrt(12) (each output is rounded
 *   to a grid of spacing >= u |y|); g = 1.08 is the noise gain of the stencil, so g sigma / (h s) is the
 *   standard deviation of fd's rounding error, and K = 8 such deviations (sigma pooled from 9 differences,
 *   so a t-distribution with ~9 degrees of freedom) leave false alarms below 1e-4 per direction.
 * - |fd4 - fd|, the gap to the 4th-order difference of the same values, bounds fd's truncation error (fd4
 *   errs by O(h^4), fd by O(h^6)); a wrong rule shifts both alike, so it cannot widen its own bound.
 * - G u |grad . v|_2 (G = 32, u the unit roundoff; the 2-norm of the elementwise products) allows for the
 *   rounding of the analytic gradient itself: elements carrying independent relative errors of up to
 *   G u (sums of ~1000 terms accumulate ~sqrt(1000) u) err in the directional derivative by this much.
 * - rtol (float32 1e-4, float64 1e-6) is the relative allowance on top.
 *
 * Measured over the test suite (446 checks, float32 steps h = 1e-2, float64 h = 1e-3): correct rules give
 * relErr <= 0.33 rtol, |fd - an| mostly within one or two noise deviations. On the PyTorch-style conv
 * decoder a wrong Resize, a flipped Conv kernel or a Relu passing every gradient give >= 680 rtol on z and
 * the parameters upstream, and a Gemm rule 1% off 8.6 rtol on z (whose derivatives are small against the
 * noise: its allowance is ~0.1% of |an|) and >= 20 rtol on its parameters (check-grad.test.ts).
 * The rule this replaced allowed 32 u sum|r y| / h, about 100 times the measured noise, and passed the
 * wrong Resize at 0.99 of its tolerance.
 */
import { LpcError } from '../errors.js';
import { buildGradientModel, type GradientRequest } from './autodiff/gradient.js';
import { isFloat } from './dtype.js';
import { inferTypes } from './infer.js';
import { freezeKinks, type FrozenKinks } from './kinks.js';
import { kinkedOps } from './ops/index.js';
import type { Model } from './ir.js';
import { ParameterSet, promoteParameters, type ParameterOptions } from './params.js';
import { toFloat64 } from './precision.js';
import { Mulberry32 } from './mulberry32.js';
import { createSession, runSession } from './runtime.js';
import { makeTensor, sizeOf, type Tensor } from './tensor.js';
import { centralDifference, NOISE_GAIN_6, noiseLevel, STENCIL, WEIGHTS_4, WEIGHTS_6 } from './finite-diff.js';

/** Options of checkGradients. */
export interface GradCheckOptions {
  /** What to check: graph inputs, parameters or both (default 'all'). */
  wrt?: 'inputs' | 'params' | 'all';
  /** The size given to symbolic dims such as a dynamic batch (default 2). */
  batch?: number;
  /** Seed of inputs, projections and directions (default 0). */
  seed?: number;
  /** Random directions per tensor (default 3). */
  directions?: number;
  /** 'auto' (default) checks in float64 when onnxruntime runs the whole graph in float64, else float32. */
  precision?: 'auto' | 'float32' | 'float64';
  /** Values for some inputs (float32 data; required for integer inputs), instead of standard normals. */
  inputs?: Record<string, Tensor>;
  /** Which initializers are parameters (see params.ts). */
  paramOptions?: ParameterOptions;
  /** Gradient rule overrides, passed to the autodiff (tests inject wrong rules with it). */
  overrides?: GradientRequest['overrides'];
}

/** The check of one input or parameter. */
export interface TensorCheck {
  name: string;
  kind: 'input' | 'param';
  maxRelErr: number;
  /** Per direction: analytic and finite-difference directional derivatives, the step h s, the allowance for rounding and truncation, and relErr. */
  directions: DirectionCheck[];
  /** The measured rounding noise (standard deviation) of one evaluation of L when this tensor varies. */
  noise: number;
}

/** One direction of a tensor check: it passes when |numeric - analytic| <= tolerance |analytic| + allowance. */
export interface DirectionCheck {
  analytic: number;
  numeric: number;
  step: number;
  /** The absolute allowance for finite-difference rounding and truncation and gradient rounding. */
  allowance: number;
  /** |numeric - analytic| / (|analytic| + allowance / tolerance): at most the tolerance exactly when the direction passes. */
  relErr: number;
}

/** The outcome of checkGradients; `ok` when every tensor's maxRelErr is within `tolerance`. */
export interface GradCheckResult {
  ok: boolean;
  maxRelErr: number;
  tolerance: number;
  precision: 'float32' | 'float64';
  /** The float outputs whose random projection was differentiated. */
  outputs: string[];
  tensors: TensorCheck[];
  /** How the tolerance is applied, for printing. */
  rule: string;
}

/** Per precision: unit roundoff, relative tolerance and the step h (times s) of the stencil (see the file comment). */
const SETTINGS = {
  float64: { unit: 2 ** -53, rtol: 1e-6, step: 1e-3 },
  float32: { unit: 2 ** -24, rtol: 1e-4, step: 1e-2 },
} as const;
/** Standard deviations of measured noise allowed (see the file comment). */
const NOISE_SIGMAS = 8;
/** Relative rounding of the analytic gradient's elements, in units of u (see the file comment). */
const GRADIENT_ROUNDING = 32;
/** Largest input the check invents (elements). */
const MAX_INPUT_ELEMENTS = 1 << 24;

/**
 * Checks the gradients of every float output of `model` against finite differences.
 *
 * @example
 * const result = await checkGradients(readModel(bytes), { wrt: 'all', batch: 3 });
 * if (!result.ok) console.log(result.tensors.filter((t) => t.maxRelErr > result.tolerance));
 */
export async function checkGradients(model: Model, options: GradCheckOptions = {}): Promise<GradCheckResult> {
  const wrtKind = options.wrt ?? 'all';
  const types = inferTypes(model, { strict: () => false });
  const params = ParameterSet.fromModel(model, options.paramOptions);
  const g = model.graph;
  const inputNames = wrtKind === 'params' ? [] : g.inputs.filter((v) => !g.initializers.has(v.name) && isFloat(v.dtype)).map((v) => v.name);
  const paramNames = wrtKind === 'inputs' ? [] : params.names;
  if (inputNames.length + paramNames.length === 0) throw new LpcError('LPC_INVALID_ARGUMENT', `the model has no float ${wrtKind === 'all' ? 'inputs or parameters' : wrtKind} to check`);
  const outputs = g.outputs.filter((o) => isFloat(types.get(o.name)?.dtype)).map((o) => o.name);
  if (outputs.length === 0) throw new LpcError('LPC_INVALID_ARGUMENT', 'the model has no float outputs to differentiate');

  const request: GradientRequest = { vjp: outputs, inputs: inputNames, params: paramNames, overrides: options.overrides };
  const forward = model.clone();
  promoteParameters(forward, paramNames);
  const kinks = freezeKinks(forward);
  const built = buildGradientModel(model, request);
  const precision = await choosePrecision(options.precision ?? 'auto', kinks, built.model);
  try {
    return await compare(precision, kinks, params, inputNames, paramNames, outputs, built, model, types, options);
  } finally {
    if (precision.capture !== precision.forward) await precision.capture.release();
    await precision.forward.release();
    await precision.gradient.release();
  }
}

type Precision = Awaited<ReturnType<typeof choosePrecision>>;

async function compare(
  precision: Precision,
  kinks: FrozenKinks,
  params: ParameterSet,
  inputNames: string[],
  paramNames: string[],
  outputs: string[],
  built: ReturnType<typeof buildGradientModel>,
  model: Model,
  types: ReturnType<typeof inferTypes>,
  options: GradCheckOptions,
): Promise<GradCheckResult> {
  const rng = new Mulberry32(options.seed ?? 0);
  // Feeds are held in the precision of the check, so that perturbations are exact to that precision.
  const cast = (t: Tensor): Tensor => (precision.name === 'float64' && t.dtype === 'float32' ? makeTensor('float64', t.dims, Float64Array.from(t.data as Float32Array)) : t);
  const inType = (name: string, dims: readonly number[], data: Float32Array): Tensor => {
    const declared = built.model.graph.input(name)?.dtype;
    return declared === 'float64' ? makeTensor('float64', dims, Float64Array.from(data)) : makeTensor('float32', dims, data);
  };
  const feeds: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(makeInputs(model, types, options, rng))) feeds[k] = cast(v);
  for (const name of paramNames) {
    const p = params.get(name);
    feeds[name] = cast(inType(name, p.dims, p.data.slice()));
  }
  const base = await runSession(precision.capture, feeds, [...outputs, ...kinks.captured]);
  const selections = kinks.feeds(base);
  const evaluate = async (f: Record<string, Tensor>) => runSession(precision.forward, { ...f, ...selections }, outputs);
  const projections = Object.fromEntries(outputs.map((o) => [o, rng.normals(base[o].data.length)]));
  const objective = async (f: Record<string, Tensor>) => {
    const y = await evaluate(f);
    let value = 0;
    for (const o of outputs) {
      const r = projections[o];
      const data = y[o].data as Float32Array | Float64Array;
      for (let i = 0; i < data.length; i++) value += r[i] * data[i];
    }
    return value;
  };

  const gradFeeds: Record<string, Tensor> = { ...feeds };
  for (const o of outputs) {
    const name = built.upstream.get(o)!;
    gradFeeds[name] = cast(inType(name, base[o].dims, projections[o]));
  }
  const grads = await runSession(precision.gradient, gradFeeds);

  const settings = SETTINGS[precision.name];
  // The outputs are at least rounded to their precision: the floor of the measured noise.
  let outputRounding = 0;
  for (const o of outputs) (base[o].data as Float32Array | Float64Array).forEach((y, i) => (outputRounding += (projections[o][i] * y) ** 2));
  const probe: Probe = { objective, base: await objective(feeds), floor: (settings.unit * Math.sqrt(outputRounding)) / Math.sqrt(12), ...settings };
  const tensors: TensorCheck[] = [];
  for (const [name, kind] of [...inputNames.map((n) => [n, 'input'] as const), ...paramNames.map((n) => [n, 'param'] as const)]) {
    const x0 = feeds[name];
    const grad = grads[built.gradients.get(name)!].data as Float32Array | Float64Array;
    const vs = Array.from({ length: options.directions ?? 3 }, () => unitRms(rng.normals(x0.data.length)));
    tensors.push({ name, kind, ...(await checkTensor(probe, feeds, name, grad, vs)) });
  }
  const maxRelErr = Math.max(...tensors.map((t) => t.maxRelErr));
  return {
    ok: Number.isFinite(maxRelErr) && maxRelErr <= settings.rtol,
    maxRelErr,
    tolerance: settings.rtol,
    precision: precision.name,
    outputs,
    tensors,
    rule: describeRule(precision.name, options.directions ?? 3),
  };
}

/** What checkTensor needs: the objective, its value at the base point, the noise floor and the settings. */
interface Probe {
  objective(feeds: Record<string, Tensor>): Promise<number>;
  base: number;
  floor: number;
  unit: number;
  rtol: number;
  step: number;
}

/** Checks one tensor along the directions `vs` (see the file comment). */
async function checkTensor(probe: Probe, feeds: Record<string, Tensor>, name: string, grad: Float32Array | Float64Array, vs: Float32Array[]): Promise<Omit<TensorCheck, 'name' | 'kind'>> {
  const x0 = feeds[name];
  const w0 = x0.data as Float32Array | Float64Array;
  let ss = 0;
  for (const v of w0) ss += v * v;
  const h = probe.step * Math.max(Math.sqrt(ss / Math.max(1, w0.length)), 1);
  const runs: number[][] = [];
  const sides: { plus: number[]; minus: number[]; anPlus: number[]; anMinus: number[]; spread: number }[] = [];
  for (const v of vs) {
    const side = { plus: [] as number[], minus: [] as number[], anPlus: [] as number[], anMinus: [] as number[], spread: 0 };
    // The analytic side uses the steps actually taken (inputs are rounded to their precision).
    const taken = new Float64Array(w0.length);
    for (const j of STENCIL) {
      for (const sign of [1, -1]) {
        const x = w0 instanceof Float64Array ? new Float64Array(w0.length) : new Float32Array(w0.length);
        for (let i = 0; i < x.length; i++) x[i] = w0[i] + sign * j * h * v[i];
        let an = 0;
        for (let i = 0; i < x.length; i++) an += grad[i] * (x[i] - w0[i]);
        (sign > 0 ? side.plus : side.minus).push(await probe.objective({ ...feeds, [name]: makeTensor(x0.dtype, x0.dims, x) }));
        (sign > 0 ? side.anPlus : side.anMinus).push(an);
        const weight = (sign * WEIGHTS_6[j - 1]) / h;
        for (let i = 0; i < x.length; i++) taken[i] += weight * (x[i] - w0[i]);
      }
    }
    for (let i = 0; i < taken.length; i++) side.spread += (grad[i] * taken[i]) ** 2;
    side.spread = Math.sqrt(side.spread);
    runs.push([...[...side.minus].reverse(), probe.base, ...side.plus]);
    sides.push(side);
  }
  const noise = Math.max(noiseLevel(runs), probe.floor);
  const directions = sides.map((side): DirectionCheck => {
    const numeric = centralDifference(WEIGHTS_6, side.plus, side.minus, h);
    const analytic = centralDifference(WEIGHTS_6, side.anPlus, side.anMinus, h);
    const fourth = centralDifference(WEIGHTS_4, side.plus, side.minus, h) - centralDifference(WEIGHTS_4, side.anPlus, side.anMinus, h);
    const allowance = (NOISE_SIGMAS * NOISE_GAIN_6 * noise) / h + Math.abs(fourth - (numeric - analytic)) + GRADIENT_ROUNDING * probe.unit * side.spread;
    const relErr = Math.abs(numeric - analytic) / (Math.abs(analytic) + allowance / probe.rtol);
    return { analytic, numeric, step: h, allowance, relErr };
  });
  return { maxRelErr: Math.max(...directions.map((d) => d.relErr)), directions, noise };
}

/** The printed description of the tolerance rule. */
function describeRule(precision: 'float32' | 'float64', directions: number): string {
  const s = SETTINGS[precision];
  return (
    `${precision}, ${directions} random directions v per tensor w: an = <dL/dw, v> against the 6th-order central difference fd of L = sum r.y at w + j h v, ` +
    `j = -3..3, h = ${s.step.toExponential()} max(rms(w), 1), on the model with ${kinkedOps().join('/')} selections frozen at the base point; ` +
    `pass iff |fd - an| <= ${s.rtol.toExponential()} |an| + ${NOISE_SIGMAS} x fd rounding noise (measured from the 5th and 6th differences of the same evaluations) ` +
    `+ |fd4 - fd| (truncation) + ${GRADIENT_ROUNDING} u |grad . v|_2 (u = ${precision === 'float64' ? '2^-53' : '2^-24'})`
  );
}

async function choosePrecision(wanted: 'auto' | 'float32' | 'float64', kinks: FrozenKinks, gradient: Model) {
  const sessions = async (name: 'float32' | 'float64', convert: (m: Model) => Model) => {
    const forward = await createSession(convert(kinks.frozen));
    const capture = kinks.capture === kinks.frozen ? forward : await createSession(convert(kinks.capture));
    return { name, capture, forward, gradient: await createSession(convert(gradient)) };
  };
  if (wanted !== 'float32') {
    try {
      return await sessions('float64', toFloat64);
    } catch (error) {
      if (wanted === 'float64') throw error;
    }
  }
  return sessions('float32', (m) => m);
}

function makeInputs(model: Model, types: ReturnType<typeof inferTypes>, options: GradCheckOptions, rng: Mulberry32): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  const batch = options.batch ?? 2;
  for (const v of model.graph.inputs) {
    if (model.graph.initializers.has(v.name)) continue;
    const given = options.inputs?.[v.name];
    if (given !== undefined) {
      feeds[v.name] = given;
      continue;
    }
    const shape = v.shape ?? types.get(v.name)?.shape ?? null;
    if (shape === null || shape.some((d) => d === null)) throw new LpcError('LPC_INVALID_ARGUMENT', `input '${v.name}' has an unknown shape; give its value in options.inputs`);
    const dims = shape.map((d) => (typeof d === 'number' ? d : batch));
    if (sizeOf(dims) > MAX_INPUT_ELEMENTS) throw new LpcError('LPC_INVALID_ARGUMENT', `input '${v.name}' would have ${sizeOf(dims)} elements (dims [${dims.join(', ')}]); use a smaller --batch`);
    if (v.dtype !== 'float32' && v.dtype !== 'float64') throw new LpcError('LPC_INVALID_ARGUMENT', `input '${v.name}' has element type ${v.dtype ?? 'unknown'}; give its value in options.inputs`);
    const data = rng.normals(sizeOf(dims));
    feeds[v.name] = v.dtype === 'float64' ? makeTensor('float64', dims, Float64Array.from(data)) : makeTensor('float32', dims, data);
  }
  return feeds;
}

function unitRms(v: Float32Array): Float32Array {
  let ss = 0;
  for (const x of v) ss += x * x;
  const k = Math.sqrt(v.length / Math.max(ss, 1e-30));
  for (let i = 0; i < v.length; i++) v[i] *= k;
  return v;
}
