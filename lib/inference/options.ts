/**
 * Options of LangevinSampler and their validation: every option is checked once, here, and turned into a
 * fully resolved settings object, so the sampling loops never re-check or re-default anything.
 */
import { LpcError, invalidArgument } from '../errors.js';
import type { MalaOptions, Preconditioner } from '../native/chains.js';
import { CHAIN_SETTING_KEYS, resolveChainSettings, type ChainSettings, type ChainSettingsOptions } from '../native/chain-settings.js';
import type { Device } from '../native/index.js';
import { Rng } from '../native/rng.js';
import { checkInteger, checkKnownKeys, checkOneOf, checkPositive, type OptionKeys } from '../checks.js';

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

/**
 * MALA settings (sampler 'mala' only), as Chains takes them (defaults MALA_DEFAULTS); the warm-up must be
 * shorter than the run: the preconditioner and step sizes are frozen after it, so every later step is exact.
 */
export type MalaSettings = MalaOptions;

/**
 * Settings of a LangevinSampler; `steps` and `stepSize` are required. The chain settings (preconditioner,
 * beta1, beta2, eps, gMax, momentum, maxConsecutiveRestarts, device, mala) mean what they mean for Chains and
 * have its defaults (CHAIN_DEFAULTS); momentum needs sampler 'ula', and mala settings sampler 'mala'.
 */
export interface LangevinOptions extends Omit<ChainSettingsOptions, 'stream' | 'seed'> {
  /** T, Langevin steps per run: T + 1 evaluations of all chains (one per step, one at z_T or, for MALA, z_0). */
  steps: number;
  /** eta, the step size of every chain at the start of a run. */
  stepSize: number;
  /** K, chains per datapoint. Default 1. */
  chains?: number;
  /** 'ula' (unadjusted, Euler-Maruyama) or 'mala' (Metropolis-adjusted). Default 'ula'. */
  sampler?: SamplerKind;
  /** Keep states after a burn-in, thinned; without it a run returns the final states only. */
  keep?: KeepOptions;
  /**
   * Seed of the chains' noise. Run r of a sampler uses Philox key `seed` and stream SAMPLER_STREAM_BASE + r,
   * so successive runs (minibatches) differ and a new sampler with the same seed repeats them. Default 0.
   */
  seed?: bigint | number;
  /** Draw each run's 64-bit chain seed from this generator instead (it is advanced; not disposed). */
  rng?: Rng;
}

/**
 * The stream ids under a sampler's seed start here: far above the small stream numbers callers give their
 * own generators, so that a data shuffler and a sampler seeded alike still draw unrelated numbers.
 */
export const SAMPLER_STREAM_BASE = 0x4c50_4300_0000_0000n;

/**
 * Options with every default filled in and every value checked: the sampler's own settings, and the chains'
 * settings as Chains resolves them (`chain`, handed to every run's Chains with the run's seed and stream).
 */
export interface ResolvedLangevinOptions {
  steps: number;
  stepSize: number;
  chains: number;
  sampler: SamplerKind;
  preconditioner: Preconditioner;
  warmup: number;
  keep: { burnIn: number; thin: number; perChain: number } | null;
  maxConsecutiveRestarts: number;
  seed: bigint;
  rng: Rng | null;
  device: Device;
  chain: Omit<ChainSettings, 'seed' | 'stream'>;
}

/** Every key of LangevinOptions (a misspelt one is refused, not ignored). */
const { stream: _notAnOption, seed: _ownSeed, ...SHARED_CHAIN_KEYS } = CHAIN_SETTING_KEYS;
export const LANGEVIN_OPTION_KEYS = { ...SHARED_CHAIN_KEYS, seed: true, steps: true, stepSize: true, chains: true, sampler: true, keep: true, rng: true } satisfies OptionKeys<LangevinOptions>;

/** Checks `options` and fills in defaults; throws LPC_INVALID_ARGUMENT naming the first bad option. */
export function resolveOptions(options: LangevinOptions): ResolvedLangevinOptions {
  if (typeof options !== 'object' || options === null) {
    invalidArgument('options', 'an object with at least steps and stepSize', options);
  }
  checkKnownKeys(options, LANGEVIN_OPTION_KEYS, 'LangevinSampler');
  const steps = checkInteger('steps', options.steps, 1, 2 ** 31 - 1);
  const stepSize = checkPositive('stepSize', options.stepSize);
  const chains = checkInteger('chains', options.chains ?? 1, 1, 2 ** 31 - 1);
  const sampler = checkOneOf('sampler', options.sampler ?? 'ula', ['ula', 'mala'] as const);
  if (options.mala !== undefined && sampler !== 'mala') {
    throw new LpcError('LPC_INVALID_ARGUMENT', `mala settings need sampler 'mala'; got sampler '${sampler}'`);
  }
  if (options.mala !== undefined && (typeof options.mala !== 'object' || options.mala === null)) invalidArgument('mala', 'an object', options.mala);
  if (options.rng !== undefined && options.seed !== undefined) {
    throw new LpcError('LPC_INVALID_ARGUMENT', 'give either seed or rng, not both: with rng, every run draws its seed from it');
  }
  if (options.rng !== undefined && !(options.rng instanceof Rng)) invalidArgument('rng', 'an Rng', options.rng);
  const { seed, stream: _stream, ...chain } = resolveChainSettings({ ...options, seed: options.seed });
  if (chain.momentum && sampler === 'mala') {
    throw new LpcError('LPC_INVALID_ARGUMENT', "momentum needs sampler 'ula': a MALA proposal must drift along the gradient at its own state");
  }
  if (chain.warmup > steps - 1) invalidArgument('mala.warmup', `an integer in [0, ${steps - 1}] (below steps)`, chain.warmup);
  if (sampler === 'mala' && chain.preconditioner !== 'none' && chain.warmup === 0) {
    // MALA's preconditioner learns only during the warm-up; without one it would stay G = 1 unnoticed.
    throw new LpcError('LPC_INVALID_ARGUMENT', `preconditioner '${chain.preconditioner}' with sampler 'mala' needs mala.warmup >= 1; got 0`);
  }
  return {
    steps,
    stepSize,
    chains,
    sampler,
    preconditioner: chain.preconditioner,
    warmup: chain.warmup,
    keep: resolveKeep(options.keep, steps),
    maxConsecutiveRestarts: chain.maxConsecutiveRestarts,
    seed,
    rng: options.rng ?? null,
    device: chain.device,
    chain,
  };
}

function resolveKeep(keep: KeepOptions | undefined, steps: number): ResolvedLangevinOptions['keep'] {
  if (keep === undefined) return null;
  if (typeof keep !== 'object' || keep === null) invalidArgument('keep', 'an object { burnIn?, thin? }', keep);
  const burnIn = checkInteger('keep.burnIn', keep.burnIn ?? 0, 0, steps - 1);
  const thin = checkInteger('keep.thin', keep.thin ?? 1, 1, steps - burnIn);
  return { burnIn, thin, perChain: Math.floor((steps - burnIn) / thin) };
}
