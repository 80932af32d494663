/**
 * The one place that loads the native addon and declares its surface.
 * Nothing else imports the raw binding; the typed classes in this folder wrap it.
 *
 * The addon guards memory: it checks typed-array kinds, lengths, detached buffers and numeric sanity and
 * throws TypeError or RangeError with a `code`. The classes in this folder check meaning first and throw coded
 * LpcErrors; whatever the addon still throws is turned into an LpcError here (LPC_OUT_OF_MEMORY for a failed
 * allocation, LPC_NATIVE otherwise, the addon's error as `cause`), so users see coded errors only.
 *
 * Every method is synchronous. What each takes, returns and throws is written in the C++ header of its class
 * (native/chains_binding.h, rng_binding.h, optimizer_binding.h) and atop native/reductions_binding.cc and
 * native/runtime_binding.cc for the module functions.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { LpcError } from '../errors.js';

const require = createRequire(import.meta.url);
// Both lib/native (sources under vitest) and dist/native (compiled) sit two levels below the package root.
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const load = require('node-gyp-build') as (dir: string) => unknown;

/**
 * The Langevin preconditioners the addon implements (docs/ARCHITECTURE.md §2.3), in the order of its enum
 * (native/core/langevin_math.h): every check, type and help text that lists them is derived from this.
 */
export const PRECONDITIONERS = ['none', 'rmsprop', 'adam'] as const;
/** How Langevin steps are scaled per coordinate: one of PRECONDITIONERS ('none', 'rmsprop' (pSGLD), 'adam'); exported as Preconditioner. */
export type NativePreconditioner = (typeof PRECONDITIONERS)[number];
/** Where a native object computes. */
export const DEVICES = ['cpu', 'cuda'] as const;
export type NativeDevice = (typeof DEVICES)[number];
/** Which update rule an Optimizer applies (the optimisers the addon implements); exported as OptimizerKind. */
export type NativeOptimizerKind = 'sgd' | 'adam' | 'adamw';

/** Which device an object runs on, and why not CUDA when CUDA was asked for ('' otherwise). */
export interface NativeDeviceInfo {
  device: NativeDevice;
  reason: string;
}

/**
 * CUDA availability: `compiled` (nvcc was found when the addon was built), `available` (a driver answered
 * and a device is present), `deviceCount`, and `reason` saying why not when it is not available. Exported as
 * CudaStatus.
 */
export interface NativeCudaStatus {
  compiled: boolean;
  available: boolean;
  deviceCount: number;
  reason: string;
}

/** Every field is required by the addon; the Chains class fills in defaults. */
export interface NativeChainsOptions {
  n: number;
  d: number;
  preconditioner: NativePreconditioner;
  beta1: number;
  beta2: number;
  eps: number;
  gMax: number;
  momentum: boolean;
  stepSize: number;
  seed: bigint;
  stream: bigint;
  device: NativeDevice;
  warmup: number;
  adapt: boolean;
  targetAccept: number;
  adaptRate: number;
}

/** Counters since the last reset() or init (fresh copies); exported as ChainsStats. */
export interface NativeChainsStats {
  /** Restarts per chain (non-finite energy or gradient). */
  restarts: Int32Array;
  /** Restarts per chain since its last successful step. */
  consecutiveRestarts: Int32Array;
  totalRestarts: number;
  /** Gradients folded into each chain's preconditioner state (its t). */
  gradientsSeen: Int32Array;
  /** Per-chain step-size multipliers: halved by each restart, adapted by MALA during warm-up. */
  stepScales: Float32Array;
  /** MALA proposals accepted and made, per chain. */
  accepted: Float64Array;
  proposed: Float64Array;
  /** accept() calls. */
  malaSteps: number;
  /** Proposals rejected because their energy or gradient was not finite. */
  nonFiniteProposals: number;
}

/** Everything needed to continue bit for bit: RNG position, z, preconditioner state, step scales; exported as ChainsState. */
export interface NativeChainsState {
  counter: bigint;
  z: Float32Array;
  /** The second state buffer: where a chain restarted by the next step returns to (when previousValid). */
  previous: Float32Array;
  v: Float32Array | null;
  m: Float32Array | null;
  t: Int32Array;
  scale: Float32Array;
  restarts: Int32Array;
  consecutiveRestarts: Int32Array;
  /** Per chain, 1 when `previous` holds its last state with a finite gradient. */
  previousValid: Uint8Array;
  /** Per chain, 1 when its last step was a restart. */
  lastRestored: Uint8Array;
  accepted: Float64Array;
  proposed: Float64Array;
  malaSteps: number;
  nonFiniteProposals: number;
  /** MALA's stored energy [n] and gradient [n, d] at z; null when none is stored. */
  energy: Float32Array | null;
  grad: Float32Array | null;
}

export interface NativeChains {
  readonly z: Float32Array;
  readonly proposal: Float32Array;
  readonly stepSizes: Float32Array;
  readonly device: NativeDeviceInfo;
  /** Returns the number of chains restarted by this call. */
  step(grad: Float32Array, energy: Float32Array | undefined, stepSize: number | undefined): number;
  initPrior(): void;
  initGaussian(mu: Float32Array, logScale: Float32Array, logVariance: boolean): void;
  reset(): void;
  /** Returns the number of chains whose energy or gradient is not finite (0: stored). */
  setCurrent(energy: Float32Array, grad: Float32Array): number;
  propose(stepSize: number | undefined): void;
  /** Returns the number of chains that accepted their proposal. */
  accept(energy: Float32Array, grad: Float32Array): number;
  stats(): NativeChainsStats;
  getState(): NativeChainsState;
  setState(state: NativeChainsState): void;
  dispose(): void;
}

export interface NativeRngState {
  seed: bigint;
  stream: bigint;
  counter: bigint;
}

export interface NativeRng {
  readonly device: NativeDeviceInfo;
  uniform(out: Float32Array): Float32Array;
  normal(out: Float32Array): Float32Array;
  getState(): NativeRngState;
  setState(state: NativeRngState): void;
  dispose(): void;
}

export interface NativeOptimizerOptions {
  kind: NativeOptimizerKind;
  lr: number;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  device: NativeDevice;
}

export interface NativeOptimizerState {
  t: number;
  lr: number;
  /** sgd: momentum buffers (empty without momentum); adam/adamw: first moments. */
  s0: Float32Array[];
  /** adam/adamw: second moments; sgd: empty arrays. */
  s1: Float32Array[];
}

export interface NativeOptimizer {
  readonly stepCount: number;
  readonly device: NativeDeviceInfo;
  /** Returns the global gradient norm when maxNorm is given. */
  step(grads: readonly Float32Array[], maxNorm: number | undefined): number | undefined;
  getLearningRate(): number;
  setLearningRate(lr: number): void;
  getState(): NativeOptimizerState;
  setState(state: NativeOptimizerState): void;
  dispose(): void;
}

/** The native surface, as the addon exports it. */
export interface NativeBinding {
  readonly version: string;
  setThreads(threads: number): void;
  getThreads(): number;
  hardwareThreads(): number;
  cudaStatus(): NativeCudaStatus;
  /** memcpy split over the thread pool like the step: the memory-bandwidth reference of the benchmark. */
  copy(dst: Float32Array, src: Float32Array): void;
  /** Sets whether the calling thread flushes subnormal floats to zero; returns the previous mode. */
  setFlushDenormals(on: boolean): boolean;
  flushDenormals(): boolean;
  /** Whether the addon's own methods and functions flush subnormals (process-wide; default true). */
  setDenormalPolicy(flush: boolean): void;
  denormalPolicy(): boolean;
  readonly Rng: new (options: { seed: bigint; stream: bigint; device: NativeDevice }) => NativeRng;
  readonly Chains: new (options: NativeChainsOptions) => NativeChains;
  readonly Optimizer: new (params: readonly Float32Array[], options: NativeOptimizerOptions) => NativeOptimizer;
  logSumExpRows(x: Float32Array | Float64Array, rows: number, cols: number, out?: Float64Array): Float64Array;
  weightedMeanRows(logw: Float32Array | Float64Array, values: Float32Array | Float64Array, rows: number, cols: number, dim: number, out?: Float64Array, lse?: Float64Array): Float64Array;
  sumOfSquares(arrays: readonly Float32Array[]): number;
}

/** The addon's own error as an LpcError: its `code` when it set one (LPC_OUT_OF_MEMORY), LPC_NATIVE otherwise. */
function asLpcError(error: unknown): LpcError {
  if (error instanceof LpcError) return error;
  const code = (error as { code?: unknown } | null)?.code === 'LPC_OUT_OF_MEMORY' ? 'LPC_OUT_OF_MEMORY' : 'LPC_NATIVE';
  const message = error instanceof Error ? error.message : String(error);
  return new LpcError(code, `native addon: ${message}`, { cause: error });
}

/** `fn` with whatever it throws turned into an LpcError; `this` passes through. */
function translated<F extends (...args: never[]) => unknown>(fn: F): F {
  return function (this: unknown, ...args: Parameters<F>) {
    try {
      return fn.apply(this, args);
    } catch (error) {
      throw asLpcError(error);
    }
  } as F;
}

/** A native class whose constructor and methods throw LpcErrors (its prototype's methods are wrapped in place, once). */
function translatedClass<C extends new (...args: never[]) => object>(native: C): C {
  for (const name of Object.getOwnPropertyNames(native.prototype)) {
    const descriptor = Object.getOwnPropertyDescriptor(native.prototype, name)!;
    if (name !== 'constructor' && typeof descriptor.value === 'function') {
      Object.defineProperty(native.prototype, name, { ...descriptor, value: translated(descriptor.value as (...args: never[]) => unknown) });
    }
  }
  return function (...args: ConstructorParameters<C>) {
    try {
      return new native(...args);
    } catch (error) {
      throw asLpcError(error);
    }
  } as unknown as C;
}

/** The addon with every function and class translated: classes are the exports whose names start upper-case. */
function translatedBinding(raw: Record<string, unknown>): NativeBinding {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'function') out[name] = value;
    else out[name] = /^[A-Z]/.test(name) ? translatedClass(value as new (...args: never[]) => object) : translated(value as (...args: never[]) => unknown);
  }
  return out as unknown as NativeBinding;
}

export const binding = translatedBinding(load(packageRoot) as Record<string, unknown>);
