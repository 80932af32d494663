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
 * Open input dims get sizes before anything is built (open-dims.ts): given ones, the batch size for leading
 * axes, otherwise the smallest size the model runs at. Non-batch dims are fixed in the graph, because Conv and
 * pooling gradients need static extents; batch dims stay open, as the energy graphs' chains axis does, so the
 * check covers the gradient graph's dynamic-batch form. The result names the sizes used.
 *
 * The rule this replaced allowed 32 u sum|r y| / h, about 100 times the measured noise, and passed the
 * wrong Resize at 0.99 of its tolerance.
 *
 * The verdict is 'ok', 'wrong', or 'non-finite' when L or its gradient is not finite at the base point (or a
 * stencil point): that says nothing about the rules, so it is never reported as a wrong gradient. Drawn
 * inputs come from the first of a few distributions where the base point is finite (check-grad-inputs.ts).
 * Zero or tiny weights (zero-initialised residual branches, LayerScale) hide the rules behind them; the
 * opt-in perturbParams moves the parameters first and perNode checks each node alone (check-grad-nodes.ts).
 */
import { LpcError } from '../errors.js';
import { buildGradientModel, type GradientRequest } from './autodiff/gradient.js';
import { feedInputs, INPUT_DOMAINS, makeInputs } from './check-grad-inputs.js';
import { checkNodes, type CheckStatus, type NodeCheck } from './check-grad-nodes.js';
import { isFloat } from './dtype.js';
import { inferTypes } from './infer.js';
import { chooseDims, fixDims, openDims } from './open-dims.js';
import { freezeKinks, type FrozenKinks } from './kinks.js';
import { kinkedOps } from './ops/index.js';
import type { Model } from './ir.js';
import { ParameterSet, promoteParameters, type ParameterOptions } from './params.js';
import { toFloat64 } from './precision.js';
import { Mulberry32 } from './mulberry32.js';
import { createSession, runSession } from './runtime.js';
import { makeTensor, type Tensor } from './tensor.js';
import { centralDifference, NOISE_GAIN_6, noiseLevel, STENCIL, WEIGHTS_4, WEIGHTS_6 } from './finite-diff.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** Options of checkGradients. */
export interface GradCheckOptions {
  /** What to check: graph inputs, parameters or both (default 'all'). */
  wrt?: 'inputs' | 'params' | 'all';
  /** The size of open batch dims (the leading axis of an input; default 2). */
  batch?: number;
  /** Sizes of open dims by name (see open-dims.ts); open dims not given get the batch size or the smallest size the model runs at. */
  dims?: Record<string, number>;
  /** Seed of inputs, projections and directions (default 0). */
  seed?: number;
  /** Random directions per tensor (default 3). */
  directions?: number;
  /** 'auto' (default) checks in float64 when onnxruntime runs the whole graph in float64, else float32. */
  precision?: 'auto' | 'float32' | 'float64';
  /** Values for some inputs (required for integer inputs), converted to the declared types; the others are drawn (check-grad-inputs.ts). */
  inputs?: Record<string, Tensor>;
  /**
   * Check at parameters moved by independent normals of standard deviation 0.5 max(rms(w), 0.1) (default
   * false): a zero-initialised residual branch or a LayerScale of 1e-6 hides its rules at the stored weights.
   */
  perturbParams?: boolean;
  /** Also check each differentiable node on its own (check-grad-nodes.ts; default false). */
  perNode?: boolean;
  /** Which initializers are parameters (see params.ts). */
  paramOptions?: ParameterOptions;
  /** Gradient rule overrides, passed to the autodiff (tests inject wrong rules with it). */
  overrides?: GradientRequest['overrides'];
}

/** Every key of GradCheckOptions (a misspelt option is refused, not ignored). */
const GRAD_CHECK_KEYS = {
  wrt: true,
  batch: true,
  dims: true,
  seed: true,
  directions: true,
  precision: true,
  inputs: true,
  perturbParams: true,
  perNode: true,
  paramOptions: true,
  overrides: true,
} satisfies OptionKeys<GradCheckOptions>;

/** The check of one input or parameter. */
export interface TensorCheck {
  name: string;
  kind: 'input' | 'param';
  /** NaN when a finite difference met a non-finite value. */
  maxRelErr: number;
  status: CheckStatus;
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
  /** status === 'ok'. */
  ok: boolean;
  /** 'non-finite' when the model or its gradient is not finite at the base point (or a stencil point): no verdict on the rules. */
  status: CheckStatus;
  /** NaN when the status is 'non-finite'. */
  maxRelErr: number;
  tolerance: number;
  precision: 'float32' | 'float64';
  /** Why 'auto' precision checked in float32 (onnxruntime's refusal of the float64 copy), or null. */
  precisionFallback: string | null;
  /** The distribution of the drawn inputs, null when every input was given. */
  inputDomain: string | null;
  /** Whether the parameters were perturbed before the check. */
  perturbedParams: boolean;
  /** With perNode: each node's own check. */
  nodes?: NodeCheck[];
  /** Which outputs or gradients were not finite, when the status is 'non-finite'. */
  nonFinite?: string;
  /** The float outputs whose random projection was differentiated. */
  outputs: string[];
  /** The size each open input dim was fixed to, by name. */
  dims: Record<string, number>;
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
/** Parameter perturbation: normals of standard deviation PERTURBATION max(rms(w), PERTURBATION_FLOOR). */
const PERTURBATION = 0.5;
const PERTURBATION_FLOOR = 0.1;

/**
 * Checks the gradients of every float output of `model` against finite differences.
 *
 * @example
 * const result = await checkGradients(readModel(bytes), { wrt: 'all', batch: 3 });
 * if (!result.ok) console.log(result.tensors.filter((t) => t.maxRelErr > result.tolerance));
 */
export async function checkGradients(open: Model, options: GradCheckOptions = {}): Promise<GradCheckResult> {
  checkKnownKeys(options, GRAD_CHECK_KEYS, 'checkGradients');
  refuseEmptyInputs(open);
  // Conv and pooling gradients need static extents: the check runs at fixed sizes of the open dims. Batch dims
  // stay open, as the energy graphs' chains axis does, and are drawn at their size (one size for all of them).
  const dims = await chooseDims(open, { batch: options.batch ?? 2, given: options.dims, inputs: options.inputs });
  const batches = openDims(open).filter((d) => d.batch);
  const batch = batches.length === 0 ? (options.batch ?? 2) : dims[batches[0].name];
  const fixed = openDims(open).filter((d) => !d.batch || dims[d.name] !== batch);
  let model = fixDims(open, Object.fromEntries(fixed.map((d) => [d.name, dims[d.name]])));
  options = { ...options, batch };
  const wrtKind = options.wrt ?? 'all';
  if (options.perturbParams === true) model = perturbParameters(model, options);
  const types = inferTypes(model, { strict: () => false });
  const params = ParameterSet.fromModel(model, options.paramOptions);
  const g = model.graph;
  const inputNames =
    wrtKind === 'params'
      ? []
      : feedInputs(model)
          .filter((v) => isFloat(v.dtype))
          .map((v) => v.name);
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
  let result: GradCheckResult;
  let declaredFeeds: Record<string, Tensor>;
  try {
    ({ result, declaredFeeds } = await compare(precision, kinks, params, inputNames, paramNames, outputs, built, model, types, dims, options));
  } finally {
    if (precision.capture !== precision.forward) await precision.capture.release();
    await precision.forward.release();
    await precision.gradient.release();
  }
  if (options.perNode === true && result.status !== 'non-finite') {
    const nodeOptions: GradCheckOptions = { ...options, wrt: 'inputs', perNode: false, perturbParams: false, paramOptions: undefined, dims: undefined };
    result.nodes = await checkNodes(model, types, declaredFeeds, async (one, inputs) => {
      const r = await checkGradients(one, { ...nodeOptions, inputs });
      return { status: r.status, maxRelErr: Number.isFinite(r.maxRelErr) ? r.maxRelErr : null };
    });
    if (result.status === 'ok' && result.nodes.some((n) => n.status === 'wrong')) {
      result.status = 'wrong';
      result.ok = false;
    }
  }
  return result;
}

/** A copy of `model` whose parameters are moved by normals (see GradCheckOptions.perturbParams), from their own stream. */
/**
 * A graph input declared with an extent of 0 has no element to check, and some onnxruntime kernels (ConvTranspose)
 * spin without end on such a tensor instead of returning: refuse it before any run.
 */
function refuseEmptyInputs(model: Model): void {
  for (const v of model.graph.inputs) {
    if (model.graph.initializers.has(v.name) || v.shape === null) continue;
    const axis = v.shape.findIndex((d) => d === 0);
    if (axis >= 0) {
      throw new LpcError('LPC_INVALID_MODEL', `input '${v.name}' is declared with extent 0 on axis ${axis} ([${v.shape.join(', ')}]): it has no element whose gradient could be checked`);
    }
  }
}

function perturbParameters(model: Model, options: GradCheckOptions): Model {
  const copy = model.clone();
  const rng = new Mulberry32(((options.seed ?? 0) ^ 0x5bd1e995) >>> 0);
  for (const p of ParameterSet.fromModel(model, options.paramOptions)) {
    let ss = 0;
    for (const v of p.data) ss += v * v;
    const scale = PERTURBATION * Math.max(Math.sqrt(ss / Math.max(1, p.data.length)), PERTURBATION_FLOOR);
    const noise = rng.normals(p.data.length, scale);
    const moved = p.dtype === 'float64' ? new Float64Array(p.data.length) : new Float32Array(p.data.length);
    for (let i = 0; i < moved.length; i++) moved[i] = p.data[i] + noise[i];
    copy.graph.initializers.set(p.name, makeTensor(p.dtype, p.dims, moved as never));
  }
  return copy;
}

type Precision = Awaited<ReturnType<typeof choosePrecision>>;

/** The first of `names` whose values are not all finite, or undefined. */
function firstNonFinite(values: Record<string, Tensor>, names: Iterable<string>): string | undefined {
  for (const name of names) {
    const data = values[name].data as Float32Array | Float64Array;
    if (!data.every(Number.isFinite)) return name;
  }
  return undefined;
}

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
  dims: Record<string, number>,
  options: GradCheckOptions,
): Promise<{ result: GradCheckResult; declaredFeeds: Record<string, Tensor> }> {
  const rng = new Mulberry32(options.seed ?? 0);
  const settings = SETTINGS[precision.name];
  const given = options.inputs ?? {};
  const drawn = feedInputs(model).some((v) => given[v.name] === undefined);
  const summary = {
    tolerance: settings.rtol,
    precision: precision.name,
    precisionFallback: precision.fallback,
    perturbedParams: options.perturbParams === true,
    outputs,
    dims,
    rule: describeRule(precision.name, options.directions ?? 3),
  };
  // Feeds are held in the precision of the check, so that perturbations are exact to that precision.
  const cast = (t: Tensor): Tensor => (precision.name === 'float64' && t.dtype === 'float32' ? makeTensor('float64', t.dims, Float64Array.from(t.data as Float32Array)) : t);
  const inType = (name: string, dims: readonly number[], data: Float32Array): Tensor => {
    const declared = built.model.graph.input(name)?.dtype;
    return declared === 'float64' ? makeTensor('float64', dims, Float64Array.from(data)) : makeTensor('float32', dims, data);
  };
  // The base point: inputs from the first domain where the outputs and the gradient are finite (check-grad-inputs.ts).
  let point:
    { declaredFeeds: Record<string, Tensor>; feeds: Record<string, Tensor>; base: Record<string, Tensor>; projections: Record<string, Float32Array>; grads: Record<string, Tensor> } | undefined;
  let nonFinite = '';
  let domainUsed = INPUT_DOMAINS[0];
  for (const domain of drawn ? INPUT_DOMAINS : INPUT_DOMAINS.slice(0, 1)) {
    const declaredFeeds = makeInputs(model, types, given, options.batch ?? 2, rng, domain);
    const feeds: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(declaredFeeds)) feeds[k] = cast(v);
    for (const name of paramNames) {
      const p = params.get(name);
      feeds[name] = cast(inType(name, p.dims, p.data.slice()));
    }
    const base = await runSession(precision.capture, feeds, [...outputs, ...kinks.captured]);
    const badOutput = firstNonFinite(base, outputs);
    if (badOutput !== undefined) {
      nonFinite = `output '${badOutput}' is not finite`;
      continue;
    }
    const projections = Object.fromEntries(outputs.map((o) => [o, rng.normals(base[o].data.length)]));
    const gradFeeds: Record<string, Tensor> = { ...feeds };
    for (const o of outputs) {
      const name = built.upstream.get(o)!;
      gradFeeds[name] = cast(inType(name, base[o].dims, projections[o]));
    }
    const grads = await runSession(precision.gradient, gradFeeds);
    const badGradient = firstNonFinite(
      grads,
      [...inputNames, ...paramNames].map((n) => built.gradients.get(n)!),
    );
    if (badGradient !== undefined) {
      nonFinite = `the gradient '${badGradient}' is not finite`;
      continue;
    }
    point = { declaredFeeds, feeds, base, projections, grads };
    domainUsed = domain;
    break;
  }
  if (point === undefined) {
    const where = drawn ? `at inputs drawn from each of: ${INPUT_DOMAINS.map((d) => d.description).join('; ')}` : 'at the given inputs';
    return {
      result: { ok: false, status: 'non-finite', maxRelErr: NaN, inputDomain: drawn ? domainUsed.description : null, tensors: [], nonFinite: `${nonFinite} ${where}`, ...summary },
      declaredFeeds: {},
    };
  }
  const { feeds, base, projections, grads } = point;
  const selections = kinks.feeds(base);
  const evaluate = async (f: Record<string, Tensor>) => runSession(precision.forward, { ...f, ...selections }, outputs);
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

  // The outputs are at least rounded to their precision: the floor of the measured noise.
  let outputRounding = 0;
  for (const o of outputs) (base[o].data as Float32Array | Float64Array).forEach((y, i) => (outputRounding += (projections[o][i] * y) ** 2));
  const probe: Probe = { objective, base: await objective(feeds), floor: (settings.unit * Math.sqrt(outputRounding)) / Math.sqrt(12), ...settings };
  const tensors: TensorCheck[] = [];
  for (const [name, kind] of [...inputNames.map((n) => [n, 'input'] as const), ...paramNames.map((n) => [n, 'param'] as const)]) {
    const x0 = feeds[name];
    const grad = grads[built.gradients.get(name)!].data as Float32Array | Float64Array;
    const vs = Array.from({ length: options.directions ?? 3 }, () => unitRms(rng.normals(x0.data.length)));
    const checked = await checkTensor(probe, feeds, name, grad, vs);
    tensors.push({ name, kind, ...checked, status: verdict(checked.directions, settings.rtol) });
  }
  // A wrong direction anywhere is a wrong gradient; a stencil that met a non-finite value only withholds a verdict.
  const status: CheckStatus = tensors.some((t) => t.status === 'wrong') ? 'wrong' : tensors.some((t) => t.status === 'non-finite') ? 'non-finite' : 'ok';
  const result: GradCheckResult = {
    ok: status === 'ok',
    status,
    maxRelErr: status === 'non-finite' ? NaN : Math.max(...tensors.filter((t) => !Number.isNaN(t.maxRelErr)).map((t) => t.maxRelErr)),
    inputDomain: drawn ? domainUsed.description : null,
    tensors,
    ...summary,
  };
  if (status === 'non-finite')
    result.nonFinite = `L is not finite at a finite-difference step of ${tensors
      .filter((t) => t.status === 'non-finite')
      .map((t) => `'${t.name}'`)
      .join(', ')}`;
  return { result, declaredFeeds: point.declaredFeeds };
}

/** A tensor's verdict: wrong if any direction is, else non-finite if any difference met a non-finite value (relErr NaN). */
function verdict(directions: readonly DirectionCheck[], rtol: number): CheckStatus {
  if (directions.some((d) => d.relErr > rtol)) return 'wrong';
  return directions.some((d) => Number.isNaN(d.relErr)) ? 'non-finite' : 'ok';
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
async function checkTensor(probe: Probe, feeds: Record<string, Tensor>, name: string, grad: Float32Array | Float64Array, vs: Float32Array[]): Promise<Omit<TensorCheck, 'name' | 'kind' | 'status'>> {
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
    // A stencil that met a non-finite value gives no verdict (NaN), never a wrong one.
    // (An exact agreement is exact even where the derivative and every allowance are zero, e.g. behind zero weights.)
    const gap = Math.abs(numeric - analytic);
    const relErr = !Number.isFinite(numeric) || !Number.isFinite(allowance) ? NaN : gap === 0 ? 0 : gap / (Math.abs(analytic) + allowance / probe.rtol);
    return { analytic, numeric, step: h, allowance, relErr };
  });
  const finite = directions.filter((d) => !Number.isNaN(d.relErr)).map((d) => d.relErr);
  return { maxRelErr: finite.length === 0 ? NaN : Math.max(...finite), directions, noise };
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
  let fallback: string | null = null;
  if (wanted !== 'float32') {
    try {
      return { ...(await sessions('float64', toFloat64)), fallback };
    } catch (error) {
      if (wanted === 'float64') throw error;
      fallback = `onnxruntime cannot run the model in float64 (${error instanceof Error ? error.message : String(error)})`;
    }
  }
  return { ...(await sessions('float32', (m) => m)), fallback };
}

function unitRms(v: Float32Array): Float32Array {
  let ss = 0;
  for (const x of v) ss += x * x;
  const k = Math.sqrt(v.length / Math.max(ss, 1e-30));
  for (let i = 0; i < v.length; i++) v[i] *= k;
  return v;
}
