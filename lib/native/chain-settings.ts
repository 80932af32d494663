/**
 * The settings of a set of Langevin chains written once: the defaults, the checks and the resolution of
 * user options into the fields the addon takes. Chains resolves its options here; LangevinSampler resolves the
 * same options here when it is built, so that a bad setting fails before any run, and hands the result to
 * Chains. The preconditioner and device lists live beside the binding's types (binding.ts).
 */
import { checkBoolean, checkInRange, checkInteger, checkKnownKeys, checkOneOf, checkPositive, checkU64, type OptionKeys } from '../checks.js';
import { invalidArgument } from '../errors.js';
import { DEVICES, PRECONDITIONERS, type NativeChainsOptions, type NativeDevice, type NativePreconditioner } from './binding.js';

/**
 * Default clamp on the preconditioner G, chosen from measurements (bench/gmax.mjs; bench/RESULTS.md,
 * "Choosing gMax"). 20000 chains started at the mode of E = z^2/2 (first gradients about 1e-3), rmsprop,
 * eta 0.05: the largest |z| in the first 20 steps and the variance after 400 steps (target 1.03) were
 * 739 and 482 without a clamp, 121 and 61 with gMax = 1e4, 12 and 1.10 with 100, and 4.6 and 1.10 with 10.
 * A genuine G is about 1/sqrt(lambda), and posteriors under the N(0, I) prior have lambda >= 1 in
 * practice, so G <= 1; 10 leaves a factor of 10 (posterior precisions down to 0.01), and the stiff and
 * four-precision targets gave the same variances with 10 as with 100 or no clamp.
 */
export const DEFAULT_G_MAX = 10;

/** The defaults of every chain setting (docs/ARCHITECTURE.md §2.3-2.5). */
export const CHAIN_DEFAULTS = Object.freeze({
  preconditioner: 'none' as NativePreconditioner,
  beta1: 0.9,
  /** Per preconditioner: pSGLD's 0.99 for rmsprop, Adam's 0.999 for adam (unused without one). */
  beta2: Object.freeze({ none: 0.99, rmsprop: 0.99, adam: 0.999 } satisfies Record<NativePreconditioner, number>),
  eps: 1e-8,
  gMax: DEFAULT_G_MAX,
  momentum: false,
  seed: 0,
  stream: 0,
  device: 'cpu' as (typeof DEVICES)[number],
  maxConsecutiveRestarts: 10,
});

/** The defaults of MALA's settings: no warm-up, no adaptation, 0.57 (optimal in high dimension), 0.05. */
export const MALA_DEFAULTS = Object.freeze({ warmup: 0, adapt: false, targetAccept: 0.57, adaptRate: 0.05 });

/** The one preconditioner whose first moment a chain can drift along. */
export const MOMENTUM_PRECONDITIONER: NativePreconditioner = 'adam';

/** The upper bound of maxConsecutiveRestarts: a step halved 1000 times is below every float. */
const MAX_RESTARTS = 1000;

/** Options of MALA (propose/accept); the unadjusted step() ignores them. */
export interface MalaOptions {
  /**
   * Steps (accept() calls) during which the preconditioner keeps learning from gradients and step sizes
   * adapt; after them both are frozen and every step is an exact MALA kernel. Default MALA_DEFAULTS.warmup: frozen
   * from the start (with a preconditioner, G stays 1 until it has seen a gradient, so use a warm-up).
   */
  warmup?: number;
  /** Adapt each chain's step size toward `targetAccept` during warm-up. Default MALA_DEFAULTS.adapt. */
  adapt?: boolean;
  /** Acceptance probability the adaptation aims at. Default MALA_DEFAULTS.targetAccept. */
  targetAccept?: number;
  /** Change of log(step size) per unit of (acceptance probability - target). Default MALA_DEFAULTS.adaptRate. */
  adaptRate?: number;
}

/** The chain settings a user may give (every one optional); Chains and LangevinSampler take them. */
export interface ChainSettingsOptions {
  /** One of PRECONDITIONERS: 'none' (G = 1), 'rmsprop' (pSGLD), 'adam'. Default CHAIN_DEFAULTS.preconditioner. */
  preconditioner?: NativePreconditioner;
  /** First-moment decay (adam with momentum). Default CHAIN_DEFAULTS.beta1. */
  beta1?: number;
  /** Second-moment decay. Default CHAIN_DEFAULTS.beta2[preconditioner]. */
  beta2?: number;
  /** Added to sqrt(v^) before inverting. Default CHAIN_DEFAULTS.eps. */
  eps?: number;
  /** Upper clamp on G (Infinity allowed). Default DEFAULT_G_MAX. */
  gMax?: number;
  /** adam only: drift along the bias-corrected first moment m^ instead of g. Default false. */
  momentum?: boolean;
  /** Seed of the chains' noise (Philox key). Default CHAIN_DEFAULTS.seed. */
  seed?: bigint | number;
  /** Stream id under the seed, to keep several chain sets independent. Default CHAIN_DEFAULTS.stream. */
  stream?: bigint | number;
  /** 'cuda' runs step() on the GPU when one is usable (see cudaStatus()). Default CHAIN_DEFAULTS.device. */
  device?: NativeDevice;
  /** step() throws LPC_DIVERGED when a chain restarts this many times in a row. Default CHAIN_DEFAULTS.maxConsecutiveRestarts. */
  maxConsecutiveRestarts?: number;
  mala?: MalaOptions;
}

/** Every key of ChainSettingsOptions, so that a misspelt setting is refused instead of ignored. */
export const CHAIN_SETTING_KEYS = {
  preconditioner: true,
  beta1: true,
  beta2: true,
  eps: true,
  gMax: true,
  momentum: true,
  seed: true,
  stream: true,
  device: true,
  maxConsecutiveRestarts: true,
  mala: true,
} satisfies OptionKeys<ChainSettingsOptions>;

/** The settings with every default filled in, as the addon takes them, plus the restart limit. */
export type ChainSettings = Omit<NativeChainsOptions, 'n' | 'd' | 'stepSize'> & { maxConsecutiveRestarts: number };

/** The keys of MALA's settings. */
export const MALA_KEYS = Object.keys(MALA_DEFAULTS);

/**
 * Throws LPC_INVALID_ARGUMENT for momentum without the adam preconditioner. `names` are what the message
 * calls the two settings (the CLI passes its flags).
 */
export function checkMomentum(momentum: boolean, preconditioner: NativePreconditioner, names = { momentum: 'momentum', preconditioner: 'preconditioner' }): void {
  if (momentum && preconditioner !== MOMENTUM_PRECONDITIONER) {
    invalidArgument(
      names.momentum,
      `given only with ${names.preconditioner} ${MOMENTUM_PRECONDITIONER} (it drifts along the ${MOMENTUM_PRECONDITIONER} preconditioner's first moment)`,
      `${names.preconditioner} '${preconditioner}'`,
    );
  }
}

/** Checks every chain setting in `options` and fills in the defaults; throws LPC_INVALID_ARGUMENT naming the first bad one. */
export function resolveChainSettings(options: ChainSettingsOptions): ChainSettings {
  const preconditioner = checkOneOf('preconditioner', options.preconditioner ?? CHAIN_DEFAULTS.preconditioner, PRECONDITIONERS);
  const momentum = checkBoolean('momentum', options.momentum ?? CHAIN_DEFAULTS.momentum);
  checkMomentum(momentum, preconditioner);
  const gMax = options.gMax ?? CHAIN_DEFAULTS.gMax;
  if (!(gMax === Infinity || (typeof gMax === 'number' && Number.isFinite(gMax) && gMax > 0))) {
    invalidArgument('gMax', 'a number > 0 (Infinity for no clamp)', gMax);
  }
  const mala = options.mala ?? {};
  checkKnownKeys(mala, MALA_KEYS, 'mala');
  return {
    preconditioner,
    beta1: checkInRange('beta1', options.beta1 ?? CHAIN_DEFAULTS.beta1, 0, 1),
    beta2: checkInRange('beta2', options.beta2 ?? CHAIN_DEFAULTS.beta2[preconditioner], 0, 1),
    eps: checkPositive('eps', options.eps ?? CHAIN_DEFAULTS.eps),
    gMax,
    momentum,
    seed: checkU64('seed', options.seed ?? CHAIN_DEFAULTS.seed),
    stream: checkU64('stream', options.stream ?? CHAIN_DEFAULTS.stream),
    device: checkOneOf('device', options.device ?? CHAIN_DEFAULTS.device, DEVICES),
    maxConsecutiveRestarts: checkInteger('maxConsecutiveRestarts', options.maxConsecutiveRestarts ?? CHAIN_DEFAULTS.maxConsecutiveRestarts, 1, MAX_RESTARTS),
    warmup: checkInteger('mala.warmup', mala.warmup ?? MALA_DEFAULTS.warmup, 0),
    adapt: checkBoolean('mala.adapt', mala.adapt ?? MALA_DEFAULTS.adapt),
    targetAccept: checkInRange('mala.targetAccept', mala.targetAccept ?? MALA_DEFAULTS.targetAccept, 1e-6, 1),
    adaptRate: checkPositive('mala.adaptRate', mala.adaptRate ?? MALA_DEFAULTS.adaptRate),
  };
}
