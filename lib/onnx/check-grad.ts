/**
 * Gradient check of the autodiff on a whole model: the gradient graph of a fixed random projection
 * L = sum_o <r_o, y_o> of every float output is compared, per input and parameter, with central
 * differences of L along random directions v:
 *
 *   an = <dL/dw, v>,   fd(h) = (L(w + h s v) - L(w - h s v)) / (2 h s),   s = max(rms(w), 1)
 *
 * Central differences err by truncation T(h) ~ h^2 L'''/6 and by rounding R(h) ~ eps_L / h, where eps_L,
 * the rounding error of one evaluation of L, is modelled as C u sum_i |r_i y_i| (u the unit roundoff of
 * the precision, C = 32 the growth of rounding along the dot products and reductions of a network, about
 * sqrt of their lengths of ~1000). A direction passes when, for the best of the step sizes tried,
 *
 *   |fd(h) - an| <= rtol |an| + eps_L / (h s),
 *
 * reported as relErr = |fd - an| / (|an| + eps_L / (h s rtol)), which passes iff it is <= rtol.
 * rtol bounds the truncation part: in float64 (steps 1e-3..1e-5) it is below 1e-8 for smooth functions,
 * and rtol = 1e-6 leaves room for curvature; in float32 (u = 6e-8) the best step is near (eps_L/L''')^(1/3)
 * ~ 1e-2, where truncation is ~1e-5 relative, and rtol = 1e-3 leaves a factor of 100 for curvature while a
 * wrong rule errs by 10% or more. Directions that cross a kink (Relu at 0) fail only for the steps that
 * cross it; the best step is kept.
 */
import { LpcError } from '../errors.js';
import { buildGradientModel, type GradientRequest } from './autodiff/gradient.js';
import { isFloat } from './dtype.js';
import { inferTypes } from './infer.js';
import type { Model } from './ir.js';
import { ParameterSet, promoteParameters, type ParameterOptions } from './params.js';
import { toFloat64 } from './precision.js';
import { Rng } from './random.js';
import { createSession, runSession } from './runtime.js';
import { makeTensor, sizeOf, type Tensor } from './tensor.js';

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
  /** Per direction: analytic and best finite-difference directional derivative, and the step that gave it. */
  directions: { analytic: number; numeric: number; step: number; relErr: number }[];
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

const SETTINGS = {
  float64: { unit: 2 ** -53, rtol: 1e-6, steps: [1e-3, 1e-4, 1e-5] },
  float32: { unit: 2 ** -24, rtol: 1e-3, steps: [3e-2, 1e-2, 3e-3, 1e-3] },
} as const;
/** Growth of rounding error along a network's dot products (see the file comment). */
const ROUNDING_GROWTH = 32;
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
  const built = buildGradientModel(model, request);
  const precision = await choosePrecision(options.precision ?? 'auto', forward, built.model);
  try {
    return await compare(precision, params, inputNames, paramNames, outputs, built, model, types, options);
  } finally {
    await precision.forward.release();
    await precision.gradient.release();
  }
}

type Precision = Awaited<ReturnType<typeof choosePrecision>>;

async function compare(
  precision: Precision,
  params: ParameterSet,
  inputNames: string[],
  paramNames: string[],
  outputs: string[],
  built: ReturnType<typeof buildGradientModel>,
  model: Model,
  types: ReturnType<typeof inferTypes>,
  options: GradCheckOptions,
): Promise<GradCheckResult> {
  const rng = new Rng(options.seed ?? 0);
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
  const evaluate = async (f: Record<string, Tensor>) => runSession(precision.forward, f, outputs);
  const base = await evaluate(feeds);
  const projections = Object.fromEntries(outputs.map((o) => [o, rng.normals(base[o].data.length)]));
  const objective = async (f: Record<string, Tensor>) => {
    const y = await evaluate(f);
    let value = 0;
    let magnitude = 0;
    for (const o of outputs) {
      const r = projections[o];
      const data = y[o].data as Float32Array | Float64Array;
      for (let i = 0; i < data.length; i++) {
        value += r[i] * data[i];
        magnitude += Math.abs(r[i] * data[i]);
      }
    }
    return { value, magnitude };
  };

  const gradFeeds: Record<string, Tensor> = { ...feeds };
  for (const o of outputs) {
    const name = built.upstream.get(o)!;
    gradFeeds[name] = cast(inType(name, base[o].dims, projections[o]));
  }
  const grads = await runSession(precision.gradient, gradFeeds);

  const settings = SETTINGS[precision.name];
  const tensors: TensorCheck[] = [];
  for (const [name, kind] of [...inputNames.map((n) => [n, 'input'] as const), ...paramNames.map((n) => [n, 'param'] as const)]) {
    const x0 = feeds[name].data as Float32Array | Float64Array;
    const grad = grads[built.gradients.get(name)!].data as Float32Array | Float64Array;
    let rms = 0;
    for (const v of x0) rms += v * v;
    const s = Math.max(Math.sqrt(rms / Math.max(1, x0.length)), 1);
    const directions: TensorCheck['directions'] = [];
    for (let k = 0; k < (options.directions ?? 3); k++) {
      const v = unitRms(rng.normals(x0.length));
      let best = { analytic: NaN, numeric: NaN, step: 0, relErr: Infinity };
      for (const h of settings.steps) {
        const shifted = (sign: number) => {
          const x = x0 instanceof Float64Array ? new Float64Array(x0.length) : new Float32Array(x0.length);
          for (let i = 0; i < x.length; i++) x[i] = x0[i] + sign * h * s * v[i];
          return x;
        };
        const xp = shifted(1);
        const xm = shifted(-1);
        // The directional derivative along the step actually taken (inputs are rounded to their precision).
        let analytic = 0;
        for (let i = 0; i < xp.length; i++) analytic += (grad[i] * (xp[i] - xm[i])) / (2 * h * s);
        const plus = await objective({ ...feeds, [name]: makeTensor(feeds[name].dtype, feeds[name].dims, xp) });
        const minus = await objective({ ...feeds, [name]: makeTensor(feeds[name].dtype, feeds[name].dims, xm) });
        const numeric = (plus.value - minus.value) / (2 * h * s);
        const noise = (ROUNDING_GROWTH * settings.unit * (plus.magnitude + minus.magnitude)) / 2 / (h * s);
        const relErr = Math.abs(numeric - analytic) / (Math.abs(analytic) + noise / settings.rtol);
        if (relErr < best.relErr) best = { analytic, numeric, step: h * s, relErr };
      }
      directions.push(best);
    }
    tensors.push({ name, kind, maxRelErr: Math.max(...directions.map((d) => d.relErr)), directions });
  }
  const maxRelErr = Math.max(...tensors.map((t) => t.maxRelErr));
  return {
    ok: Number.isFinite(maxRelErr) && maxRelErr <= settings.rtol,
    maxRelErr,
    tolerance: settings.rtol,
    precision: precision.name,
    outputs,
    tensors,
    rule: `${precision.name}: pass iff |fd - an| <= ${settings.rtol.toExponential()} |an| + ${ROUNDING_GROWTH} u sum|r y| / step (u = ${precision.name === 'float64' ? '2^-53' : '2^-24'}), best of steps ${settings.steps.map((h) => h.toExponential()).join(', ')} x max(rms(w), 1)`,
  };
}

async function choosePrecision(wanted: 'auto' | 'float32' | 'float64', forward: Model, gradient: Model) {
  if (wanted !== 'float32') {
    try {
      return { name: 'float64' as const, forward: await createSession(toFloat64(forward)), gradient: await createSession(toFloat64(gradient)) };
    } catch (error) {
      if (wanted === 'float64') throw error;
    }
  }
  return { name: 'float32' as const, forward: await createSession(forward), gradient: await createSession(gradient) };
}

function makeInputs(model: Model, types: ReturnType<typeof inferTypes>, options: GradCheckOptions, rng: Rng): Record<string, Tensor> {
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

