/**
 * Options of LangevinSampler and their validation: every option is checked once, here, and turned into a
 * fully resolved settings object, so the sampling loops never re-check or re-default anything.
 */
import { LpcError, invalidArgument } from '../errors.js';
import { DEFAULT_G_MAX, type Preconditioner } from '../native/chains.js';
import type { Device } from '../native/index.js';
import { Rng } from '../native/rng.js';
import { checkBoolean, checkInRange, checkInteger, checkOneOf, checkPositive, checkU64 } from '../checks.js';

/** Which kernel the chains use. */
export type SamplerKind = 'ula' | 'mala';

/** Which chain states a run keeps besides the final ones. */
export interface KeepOptions {
  /**
   * States z_1 .. z_burnIn (z_t is the state after t steps) are not kept. Default 0. Must be < steps.
   */
  burnIn?: number;
  /** Keep every thin-th state after the burn-in: z_{burnIn + thin}, z_{burnIn + 2 thin}, ... Default 1. */
  thin?: number;
}

/** MALA settings (sampler 'mala' only). */
export interface MalaSettings {
  /**
   * Steps during which the preconditioner learns from gradients and (with `adapt`) step sizes adapt; both are
   * frozen afterwards, so every later step is an exact Metropolis-adjusted kernel. Default 0. Must be < steps.
   */
  warmup?: number;
  /** Adapt each chain's step size toward `targetAccept` during the warm-up. Default false. */
  adapt?: boolean;
  /** Acceptance probability the adaptation aims at. Default 0.57 (optimal for MALA in high dimension). */
  targetAccept?: number;
  /** Change of log(step size) per unit of (acceptance probability - target). Default 0.05. */
  adaptRate?: number;
}

/** Settings of a LangevinSampler; `steps` and `stepSize` are required. */
export interface LangevinOptions {
  /** T, Langevin steps per run: T + 1 evaluations of all chains (one per step, one at z_T or, for MALA, z_0). */
  steps: number;
  /** eta, the step size of every chain at the start of a run. */
  stepSize: number;
  /** K, chains per datapoint. Default 1. */
  chains?: number;
  /** 'ula' (unadjusted, Euler-Maruyama) or 'mala' (Metropolis-adjusted). Default 'ula'. */
  sampler?: SamplerKind;
  /** 'none', 'rmsprop' (pSGLD) or 'adam'. Default 'none'. */
  preconditioner?: Preconditioner;
  /** adam only, ula only: drift along the bias-corrected first moment. Default false. */
  momentum?: boolean;
  /** First-moment decay (adam with momentum). Default 0.9. */
  beta1?: number;
  /** Second-moment decay. Default 0.99 for rmsprop, 0.999 for adam. */
  beta2?: number;
  /** Added to sqrt(v^) before inverting. Default 1e-8. */
  eps?: number;
  /** Upper clamp on the preconditioner G (Infinity allowed). Default DEFAULT_G_MAX (10). */
  gMax?: number;
  /** MALA settings; only with sampler 'mala'. */
  mala?: MalaSettings;
  /** Keep states after a burn-in, thinned; without it a run returns the final states only. */
  keep?: KeepOptions;
  /**
   * A chain that fails this many times in a row (ULA: non-finite energy or gradient although its step was
   * halved each time; MALA: non-finite proposals during the warm-up) raises LPC_DIVERGED. Default 10, so a
   * chain gives up after its step size was divided by 2^10.
   */
  maxConsecutiveRestarts?: number;
  /**
   * Seed of the chains' noise. Run r of a sampler uses Philox key `seed` and stream SAMPLER_STREAM_BASE + r,
   * so successive runs (minibatches) differ and a new sampler with the same seed repeats them. Default 0.
   */
  seed?: bigint | number;
  /** Draw each run's 64-bit chain seed from this generator instead (it is advanced; not disposed). */
  rng?: Rng;
  /** 'cuda' runs the unadjusted step on the GPU when one is usable. Default 'cpu'. */
  device?: Device;
}

/**
 * The stream ids under a sampler's seed start here: far above the small stream numbers callers give their
 * own generators, so that a data shuffler and a sampler seeded alike still draw unrelated numbers.
 */
export const SAMPLER_STREAM_BASE = 0x4c50_4300_0000_0000n;

/** Options with every default filled in and every value checked. */
export interface ResolvedLangevinOptions {
  steps: number;
  stepSize: number;
  chains: number;
  sampler: SamplerKind;
  preconditioner: Preconditioner;
  momentum: boolean;
  beta1: number | undefined;
  beta2: number | undefined;
  eps: number;
  gMax: number;
  warmup: number;
  adapt: boolean;
  targetAccept: number;
  adaptRate: number;
  keep: { burnIn: number; thin: number; perChain: number } | null;
  maxConsecutiveRestarts: number;
  seed: bigint;
  rng: Rng | null;
  device: Device;
}

const KNOWN_KEYS = new Set([
  'steps',
  'stepSize',
  'chains',
  'sampler',
  'preconditioner',
  'momentum',
  'beta1',
  'beta2',
  'eps',
  'gMax',
  'mala',
  'keep',
  'maxConsecutiveRestarts',
  'seed',
  'rng',
  'device',
]);

/** Checks `options` and fills in defaults; throws LPC_INVALID_ARGUMENT naming the first bad option. */
export function resolveOptions(options: LangevinOptions): ResolvedLangevinOptions {
  if (typeof options !== 'object' || options === null) {
    invalidArgument('options', 'an object with at least steps and stepSize', options);
  }
  for (const key of Object.keys(options)) {
    // A misspelt option would otherwise be ignored silently and the run would use a default.
    if (!KNOWN_KEYS.has(key)) invalidArgument(`options.${key}`, `one of ${[...KNOWN_KEYS].join(', ')}`, key);
  }
  const steps = checkInteger('steps', options.steps, 1, 2 ** 31 - 1);
  const stepSize = checkPositive('stepSize', options.stepSize);
  const chains = checkInteger('chains', options.chains ?? 1, 1, 2 ** 31 - 1);
  const sampler = checkOneOf('sampler', options.sampler ?? 'ula', ['ula', 'mala'] as const);
  const preconditioner = checkOneOf('preconditioner', options.preconditioner ?? 'none', ['none', 'rmsprop', 'adam'] as const);
  const momentum = checkBoolean('momentum', options.momentum ?? false);
  if (momentum && preconditioner !== 'adam') {
    throw new LpcError('LPC_INVALID_ARGUMENT', `momentum needs preconditioner 'adam'; got preconditioner '${preconditioner}'`);
  }
  if (momentum && sampler === 'mala') {
    throw new LpcError('LPC_INVALID_ARGUMENT', "momentum needs sampler 'ula': a MALA proposal must drift along the gradient at its own state");
  }
  const gMax = options.gMax ?? DEFAULT_G_MAX;
  if (gMax !== Infinity) checkPositive('gMax', gMax);
  if (options.mala !== undefined && sampler !== 'mala') {
    throw new LpcError('LPC_INVALID_ARGUMENT', `mala settings need sampler 'mala'; got sampler '${sampler}'`);
  }
  const mala = options.mala ?? {};
  if (typeof mala !== 'object' || mala === null) invalidArgument('mala', 'an object', mala);
  const warmup = checkInteger('mala.warmup', mala.warmup ?? 0, 0, steps - 1);
  if (sampler === 'mala' && preconditioner !== 'none' && warmup === 0) {
    // MALA's preconditioner learns only during the warm-up; without one it would stay G = 1 unnoticed.
    throw new LpcError('LPC_INVALID_ARGUMENT', `preconditioner '${preconditioner}' with sampler 'mala' needs mala.warmup >= 1; got 0`);
  }
  const maxConsecutiveRestarts = checkInteger('maxConsecutiveRestarts', options.maxConsecutiveRestarts ?? 10, 1, 1000);
  if (options.rng !== undefined && options.seed !== undefined) {
    throw new LpcError('LPC_INVALID_ARGUMENT', 'give either seed or rng, not both: with rng, every run draws its seed from it');
  }
  if (options.rng !== undefined && !(options.rng instanceof Rng)) invalidArgument('rng', 'an Rng', options.rng);
  return {
    steps,
    stepSize,
    chains,
    sampler,
    preconditioner,
    momentum,
    beta1: options.beta1 === undefined ? undefined : checkInRange('beta1', options.beta1, 0, 1),
    beta2: options.beta2 === undefined ? undefined : checkInRange('beta2', options.beta2, 0, 1),
    eps: checkPositive('eps', options.eps ?? 1e-8),
    gMax,
    warmup,
    adapt: checkBoolean('mala.adapt', mala.adapt ?? false),
    targetAccept: checkInRange('mala.targetAccept', mala.targetAccept ?? 0.57, 1e-6, 1),
    adaptRate: checkPositive('mala.adaptRate', mala.adaptRate ?? 0.05),
    keep: resolveKeep(options.keep, steps),
    maxConsecutiveRestarts,
    seed: checkU64('seed', options.seed ?? 0),
    rng: options.rng ?? null,
    device: checkOneOf('device', options.device ?? 'cpu', ['cpu', 'cuda'] as const),
  };
}

function resolveKeep(keep: KeepOptions | undefined, steps: number): ResolvedLangevinOptions['keep'] {
  if (keep === undefined) return null;
  if (typeof keep !== 'object' || keep === null) invalidArgument('keep', 'an object { burnIn?, thin? }', keep);
  const burnIn = checkInteger('keep.burnIn', keep.burnIn ?? 0, 0, steps - 1);
  const thin = checkInteger('keep.thin', keep.thin ?? 1, 1, steps - burnIn);
  return { burnIn, thin, perChain: Math.floor((steps - burnIn) / thin) };
}
