/**
 * Optimisers that update parameter Float32Arrays in place (the same arrays fed to onnxruntime as inputs),
 * with state held natively and exportable for checkpoints.
 */
import { binding, DEVICES, type NativeDevice, type NativeOptimizer, type NativeOptimizerKind } from './binding.js';
import { NativeHandle } from './handle.js';
import { checkBoolean, checkFloat32, checkInRange, checkInteger, checkKnownKeys, checkOneOf, checkPositive } from '../checks.js';
import { LpcError, invalidArgument, shapeMismatch } from '../errors.js';

// The public name of the addon's type (documented where binding.ts declares it).
export type { NativeOptimizerKind as OptimizerKind } from './binding.js';

/** Settings of an Optimizer; every field has a default. */
export interface OptimizerOptions {
  /** 'sgd' (optionally with momentum / Nesterov), 'adam' (L2 weight decay) or 'adamw' (decoupled). Default 'adam'. */
  kind?: NativeOptimizerKind;
  /** Learning rate. Default 1e-3. */
  lr?: number;
  /** sgd: momentum coefficient in [0, 1). Default 0. */
  momentum?: number;
  /** sgd: Nesterov momentum. Default false. */
  nesterov?: boolean;
  /** adam/adamw: moment decays. Defaults 0.9 and 0.999. */
  beta1?: number;
  beta2?: number;
  /** adam/adamw: added to sqrt(v^). Default 1e-8. */
  eps?: number;
  /** Weight decay: L2 for sgd and adam, decoupled for adamw. Default 0 (0.01 for adamw, as PyTorch). */
  weightDecay?: number;
  /** Clip gradients to this global L2 norm before the update (as torch.nn.utils.clip_grad_norm_). */
  maxGradNorm?: number;
  /** 'cuda' updates on the GPU when one is usable (see cudaStatus()); default 'cpu'. */
  device?: NativeDevice;
}

/** Optimiser state for a checkpoint: steps taken, learning rate and the per-parameter buffers. */
export interface OptimizerState {
  t: number;
  lr: number;
  /** sgd: momentum buffers (empty arrays without momentum); adam/adamw: first moments. */
  s0: Float32Array[];
  /** adam/adamw: second moments; sgd: empty arrays. */
  s1: Float32Array[];
}

/**
 * Updates a fixed list of parameter arrays in place.
 *
 * @example
 * const weights = [w1, b1, w2, b2];                 // Float32Arrays also fed to the ORT session
 * using opt = new Optimizer(weights, { kind: 'adam', lr: 1e-3, maxGradNorm: 10 });
 * const norm = opt.step([gw1, gb1, gw2, gb2]);      // returns the pre-clip gradient norm
 * opt.lr = 5e-4;                                    // between steps
 */
/** The option keys OptimizerOptions has (a misspelt one is refused, not ignored). */
const OPTIMIZER_KEYS: readonly (keyof OptimizerOptions)[] = ['kind', 'lr', 'momentum', 'nesterov', 'beta1', 'beta2', 'eps', 'weightDecay', 'maxGradNorm', 'device'];

export class Optimizer extends NativeHandle<NativeOptimizer> {
  /** The update rule chosen at construction. */
  readonly kind: NativeOptimizerKind;
  /** Lengths of the parameter arrays, in order. */
  readonly sizes: readonly number[];
  /** Global gradient-norm bound applied before each update (undefined: no clipping). */
  readonly maxGradNorm: number | undefined;

  /** Keeps references to `params` (updated in place by step()) and allocates zeroed state for each. */
  constructor(params: readonly Float32Array[], options: OptimizerOptions = {}) {
    if (!Array.isArray(params) || params.length === 0) invalidArgument('params', 'a non-empty array of Float32Array', params);
    params.forEach((p, i) => {
      if (!(p instanceof Float32Array) || p.length === 0) invalidArgument(`params[${i}]`, 'a non-empty Float32Array', p);
    });
    checkKnownKeys(options, OPTIMIZER_KEYS, 'Optimizer');
    const kind = checkOneOf('kind', options.kind ?? 'adam', ['sgd', 'adam', 'adamw'] as const);
    const maxGradNorm = options.maxGradNorm === undefined ? undefined : checkPositive('maxGradNorm', options.maxGradNorm);
    super(
      new binding.Optimizer(params, {
        kind,
        lr: checkPositive('lr', options.lr ?? 1e-3),
        momentum: checkInRange('momentum', options.momentum ?? 0, 0, 1),
        nesterov: checkBoolean('nesterov', options.nesterov ?? false),
        beta1: checkInRange('beta1', options.beta1 ?? 0.9, 0, 1),
        beta2: checkInRange('beta2', options.beta2 ?? 0.999, 0, 1),
        eps: checkPositive('eps', options.eps ?? 1e-8),
        weightDecay: checkInRange('weightDecay', options.weightDecay ?? (kind === 'adamw' ? 0.01 : 0), 0, Infinity),
        device: checkOneOf('device', options.device ?? 'cpu', DEVICES),
      }),
      'Optimizer',
    );
    if (options.nesterov && kind === 'sgd' && !(options.momentum && options.momentum > 0)) {
      this.dispose();
      throw new LpcError('LPC_INVALID_ARGUMENT', 'nesterov needs momentum > 0');
    }
    this.kind = kind;
    this.sizes = params.map((p) => p.length);
    this.maxGradNorm = maxGradNorm;
  }

  /**
   * One update of every parameter from its gradient (same order and lengths as the parameters).
   * Returns the global gradient norm before clipping when maxGradNorm is set, else undefined.
   */
  step(grads: readonly Float32Array[]): number | undefined {
    if (!Array.isArray(grads) || grads.length !== this.sizes.length) {
      shapeMismatch('grads', `an array of ${this.sizes.length} Float32Array`, grads);
    }
    grads.forEach((g, i) => checkFloat32(`grads[${i}]`, g, this.sizes[i], String(this.sizes[i])));
    return this.native.step(grads, this.maxGradNorm);
  }

  /** Learning rate used by the next step(). */
  get lr(): number {
    return this.native.getLearningRate();
  }

  /** Sets the learning rate of later steps (a finite number > 0), e.g. for a schedule. */
  set lr(value: number) {
    this.native.setLearningRate(checkPositive('lr', value));
  }

  /** Steps taken (the t of Adam's bias correction). */
  get stepCount(): number {
    return this.native.stepCount;
  }

  /** A copy of the state for a checkpoint. */
  getState(): OptimizerState {
    return this.native.getState();
  }

  /** Restores a state from getState() of an optimiser of the same kind over parameters of the same sizes. */
  setState(state: OptimizerState): void {
    if (typeof state !== 'object' || state === null) {
      throw new LpcError('LPC_INVALID_ARGUMENT', 'state must be an object returned by getState()');
    }
    checkInteger('state.t', state.t, 0);
    checkPositive('state.lr', state.lr);
    for (const key of ['s0', 's1'] as const) {
      const list = state[key];
      if (!Array.isArray(list) || list.length !== this.sizes.length) {
        shapeMismatch(`state.${key}`, `an array of ${this.sizes.length} Float32Array`, list);
      }
    }
    // Adam's second moments: a negative one would make every later update NaN.
    state.s1.forEach((v, i) => {
      const bad = v instanceof Float32Array ? v.findIndex((x) => !(x >= 0 && x < Infinity)) : -1;
      if (bad >= 0) throw new LpcError('LPC_INVALID_ARGUMENT', `state.s1[${i}][${bad}] must be a finite number >= 0 (a second moment); received ${v[bad]}`);
    });
    this.native.setState(state);
  }
}
