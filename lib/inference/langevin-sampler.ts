/**
 * LangevinSampler: samples p(z | x) for a batch of datapoints with K Langevin chains each, driving native
 * Chains with one EnergyFunction evaluation of all B*K chains per step (docs/ARCHITECTURE.md §2.3-2.5).
 */
import { LpcError, invalidArgument, shapeMismatch } from '../errors.js';
import type { EnergyFunction } from '../likelihoods/energy-function.js';
import { Chains, type ChainsOptions } from '../native/chains.js';
import type { Rng } from '../native/rng.js';
import { KeptStates, allFinite, nonFiniteState } from './kept-states.js';
import { runMala } from './mala.js';
import { resolveOptions, SAMPLER_STREAM_BASE, type LangevinOptions, type ResolvedLangevinOptions } from './options.js';
import type { LoopOutcome, RunContext } from './run-context.js';
import { runUnadjusted } from './unadjusted.js';

/** An encoder's Gaussian q(z | x) to start the chains from: z0[b*K + k] = mu[b] + sigma[b] * eps. */
export interface EncoderInit {
  /** [B, d]. */
  mu: Float32Array;
  /** Shape [B, d]: log sigma, or log sigma^2 with `logVariance`. */
  logSigma: Float32Array;
  /** `logSigma` holds log sigma^2. Default false. */
  logVariance?: boolean;
}

/** What one run returns. Chain c = b*K + k is chain k of datapoint b everywhere. */
export interface LangevinResult {
  /** B, K, d and T of the run. */
  readonly batch: number;
  readonly chains: number;
  readonly latentDim: number;
  readonly steps: number;
  /** z_T, the states after the last step, [B*K, d]. */
  readonly samples: Float32Array;
  /** E(z_T) per chain, [B*K]: every final state has a finite energy (see `restarts`). */
  readonly energies: Float32Array;
  /**
   * The kept states z_t (t = burnIn + thin, burnIn + 2 thin, ... <= T), [B, S, K, d]: chain k of datapoint b
   * at its s-th kept time is row (b*S + s)*K + k, so each datapoint owns S*K consecutive rows (hand them to
   * an energy graph as S*K chains per datapoint). Each was evaluated with a finite energy: a chain restarted
   * at time t holds its last finite state there. Null when the sampler keeps none.
   */
  readonly kept: Float32Array | null;
  /** S, the states kept per chain (0 when none). */
  readonly keptPerChain: number;
  /**
   * Shape [T + 1]: entry t is the mean energy over chains of z_t, t = 0..T (ULA: over the chains whose energy at
   * z_t was finite, NaN if none was; MALA: of the current states, always finite).
   */
  readonly energyTrace: Float64Array;
  /** MALA: fraction of proposals accepted after the warm-up (over all steps without one); null for ULA. */
  readonly acceptRate: number | null;
  /** MALA: the same per chain, [B*K]; null for ULA. */
  readonly acceptRates: Float64Array | null;
  /** MALA: fraction accepted during the warm-up; null for ULA or without a warm-up. */
  readonly warmupAcceptRate: number | null;
  /**
   * Per chain [B*K]: returns to the last finite state after a non-finite energy or gradient (ULA: at an
   * evaluated state, including z_T; MALA: non-finite proposals, which are rejected).
   */
  readonly restarts: Int32Array;
  readonly totalRestarts: number;
  /** Per chain [B*K]: the step size in effect at the end (halved by restarts, adapted by MALA's warm-up). */
  readonly stepSizes: Float32Array;
}

/**
 * Langevin posterior sampling for an energy function: unadjusted (ULA) or Metropolis-adjusted (MALA),
 * optionally preconditioned (RMSprop/Adam style), from the prior or from an encoder's Gaussian.
 *
 * Each run creates its native chains, takes `steps` steps and frees them. T steps cost T + 1 evaluations of
 * all B*K chains: one per step, plus one at z_T (ULA) or at z_0 (MALA). The energy function receives the
 * chains' own memory as z (zero-copy): it must not write into it nor keep it after its promise resolves.
 *
 * @example
 * const sampler = new LangevinSampler(energyModel, {
 *   steps: 200, stepSize: 0.05, chains: 4, preconditioner: 'rmsprop', keep: { burnIn: 100, thin: 5 }, seed: 7,
 * });
 * const result = await sampler.run(x);                      // x: [B, dataSize], chains from N(0, I)
 * const zMean = posteriorMean(result.kept!, result.batch, result.latentDim);
 * const fromEncoder = await sampler.run(x, { mu, logSigma }); // chains from mu + sigma * eps
 */
export class LangevinSampler {
  /** The model whose posterior the chains sample. */
  readonly energy: EnergyFunction;
  /** The options with every default filled in. */
  readonly options: Readonly<ResolvedLangevinOptions>;
  #runs = 0;
  #running = false;

  /** A sampler of `energy`'s posterior; throws LPC_INVALID_ARGUMENT naming a bad option. */
  constructor(energy: EnergyFunction, options: LangevinOptions) {
    checkEnergyFunction(energy);
    this.energy = energy;
    this.options = Object.freeze(resolveOptions(options));
    if (this.options.sampler === 'mala' && energy.batchDependent === true) {
      // The current state's energy and a proposal's would be measured against different batches' sigmas.
      throw new LpcError(
        'LPC_INVALID_ARGUMENT',
        "sampler 'mala' needs an energy of each chain alone: give the likelihood a fixed or learned sigma, not the optimal sigma (recomputed from the whole batch)",
      );
    }
  }

  /** Samples the posterior of each datapoint of x ([B, dataSize]) and returns the chains' states. */
  async run(x: Float32Array, init?: EncoderInit): Promise<LangevinResult> {
    if (this.#running) {
      throw new LpcError('LPC_INVALID_STATE', 'run() was called while an earlier run() of this sampler was still going; await it first');
    }
    const opts = this.options;
    const d = this.energy.latentDim;
    const batch = batchOf(x, this.energy.dataSize);
    const n = batch * opts.chains;
    if (n * d > 2 ** 31 - 1) shapeMismatch('B*K*d', 'at most 2^31 - 1 values', n * d);
    if (init !== undefined) checkEncoderInit(init, batch, d);
    const chains = new Chains({
      n,
      d,
      stepSize: opts.stepSize,
      ...chainsOptions(opts.chain),
      ...this.#nextSeed(opts.rng),
    });
    this.#running = true;
    try {
      if (init === undefined) {
        chains.initPrior();
      } else {
        chains.initFromEncoder(init.mu, init.logSigma, { logVariance: init.logVariance ?? false });
        if (!allFinite(chains.z)) {
          invalidArgument('init.logSigma', `values whose exp() is finite (sigma overflowed for some datapoint)`, init.logSigma);
        }
      }
      const ctx: RunContext = {
        fn: this.energy,
        x,
        batch,
        chains,
        options: opts,
        kept: opts.keep === null ? null : new KeptStates(batch, opts.chains, d, opts.keep),
        trace: new Float64Array(opts.steps + 1),
      };
      const outcome = opts.sampler === 'mala' ? await runMala(ctx) : await runUnadjusted(ctx);
      return this.#result(ctx, outcome);
    } finally {
      chains.dispose();
      this.#running = false;
    }
  }

  /** Key and stream of the next run's chains (see LangevinOptions.seed and .rng). */
  #nextSeed(rng: Rng | null): { seed: bigint; stream: bigint } {
    const run = this.#runs++;
    if (rng === null) return { seed: this.options.seed, stream: SAMPLER_STREAM_BASE + BigInt(run) };
    // 16 uniformly distributed bits from each of 4 uniforms (each carries 24 bits).
    const u = rng.uniform(4);
    let seed = 0n;
    for (let i = 0; i < 4; i++) seed = (seed << 16n) | BigInt(Math.floor(u[i] * 65536));
    return { seed, stream: SAMPLER_STREAM_BASE };
  }

  #result(ctx: RunContext, outcome: LoopOutcome): LangevinResult {
    const { chains, options } = ctx;
    const samples = Float32Array.from(chains.z);
    if (!allFinite(samples)) throw nonFiniteState(samples, chains.d, options.steps);
    let totalRestarts = 0;
    for (const r of outcome.restarts) totalRestarts += r;
    return {
      batch: ctx.batch,
      chains: options.chains,
      latentDim: chains.d,
      steps: options.steps,
      samples,
      energies: outcome.energies,
      kept: ctx.kept?.values ?? null,
      keptPerChain: options.keep?.perChain ?? 0,
      energyTrace: ctx.trace,
      acceptRate: outcome.acceptRate,
      acceptRates: outcome.acceptRates,
      warmupAcceptRate: outcome.warmupAcceptRate,
      restarts: outcome.restarts,
      totalRestarts,
      stepSizes: chains.effectiveStepSizes(),
    };
  }
}

/** The resolved chain settings as Chains options (MALA's four settings nested again). */
function chainsOptions(chain: ResolvedLangevinOptions['chain']): Omit<ChainsOptions, 'n' | 'd' | 'stepSize'> {
  const { warmup, adapt, targetAccept, adaptRate, ...rest } = chain;
  return { ...rest, mala: { warmup, adapt, targetAccept, adaptRate } };
}

function checkEnergyFunction(energy: EnergyFunction): void {
  if (typeof energy !== 'object' || energy === null || typeof energy.evaluate !== 'function') {
    invalidArgument('energy', 'an EnergyFunction with latentDim, dataSize and evaluate(x, batch, z)', energy);
  }
  if (!Number.isInteger(energy.latentDim) || energy.latentDim < 1) invalidArgument('energy.latentDim', 'an integer >= 1', energy.latentDim);
  if (!Number.isInteger(energy.dataSize) || energy.dataSize < 1) invalidArgument('energy.dataSize', 'an integer >= 1', energy.dataSize);
}

function batchOf(x: Float32Array, dataSize: number): number {
  if (!(x instanceof Float32Array) || x.length === 0 || x.length % dataSize !== 0) {
    shapeMismatch('x', `a Float32Array of length B*dataSize = B*${dataSize} with B >= 1`, x);
  }
  return x.length / dataSize;
}

function checkEncoderInit(init: EncoderInit, batch: number, d: number): void {
  if (typeof init !== 'object' || init === null) invalidArgument('init', 'an object { mu, logSigma, logVariance? }', init);
  for (const name of ['mu', 'logSigma'] as const) {
    const v = init[name];
    if (!(v instanceof Float32Array) || v.length !== batch * d) {
      shapeMismatch(`init.${name}`, `a Float32Array of length B*d = ${batch}*${d} = ${batch * d}`, v);
    }
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) {
        invalidArgument(`init.${name}`, `finite values (datapoint ${Math.floor(i / d)}, latent ${i % d})`, v[i]);
      }
    }
  }
  if (init.logVariance !== undefined && typeof init.logVariance !== 'boolean') {
    invalidArgument('init.logVariance', 'a boolean', init.logVariance);
  }
}
