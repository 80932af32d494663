/**
 * Langevin chains in native memory: N = B*K chains of d latent dims, laid out [N, d] row-major with chain
 * index b*K + k (datapoint b, chain k). The state is exposed as a zero-copy Float32Array that can be handed
 * straight to onnxruntime-node (`new ort.Tensor('float32', chains.z, [n, d])`).
 *
 * Unadjusted step (docs/ARCHITECTURE.md §2.3), fused in native code with the noise drawn inside the loop:
 *   z <- z - eta G * g~ + sqrt(2 eta G) * xi,  G = 1 | min(1 / (sqrt(v^) + eps), gMax)
 * MALA (optional): propose() / accept() with Metropolis-Hastings on the Langevin proposal densities.
 */
import { checkChainsState } from './chains-state.js';
import { binding, type NativeChains, type NativeChainsState, type NativeChainsStats, type NativePreconditioner } from './binding.js';
import { CHAIN_SETTING_KEYS, resolveChainSettings, type ChainSettingsOptions, type MalaOptions } from './chain-settings.js';
import { NativeHandle } from './handle.js';
import { checkBoolean, checkFloat32, checkInteger, checkKnownKeys, checkPositive, type OptionKeys } from '../checks.js';
import { LpcError, shapeMismatch } from '../errors.js';

// The public names of the addon's types (documented where binding.ts declares them).
export type { NativePreconditioner as Preconditioner, NativeChainsStats as ChainsStats, NativeChainsState as ChainsState } from './binding.js';
export type { ChainSettingsOptions, MalaOptions };

/** Settings of a Chains: sizes and step size, plus the chain settings (preconditioner, seed, device, MALA). */
export interface ChainsOptions extends ChainSettingsOptions {
  /** Number of chains N = B*K (datapoints times chains per datapoint). */
  n: number;
  /** Latent dimensions d. */
  d: number;
  /** Initial step size eta of every chain (also settable per chain through `stepSizes`). */
  stepSize: number;
}

/** Per-call options of Chains.step(). */
export interface StepOptions {
  /** Energies [n] at the current z; a non-finite one restarts its chain like a non-finite gradient. */
  energy?: Float32Array;
  /** One step size for every chain in this call, instead of the per-chain `stepSizes`. */
  stepSize?: number;
}

/** Every key of StepOptions (a misspelt option is refused, not ignored). */
const STEP_KEYS = { energy: true, stepSize: true } satisfies OptionKeys<StepOptions>;

/** The option keys Chains knows (a misspelt one is refused, not ignored). */
const CHAINS_KEYS = { n: true, d: true, stepSize: true, ...CHAIN_SETTING_KEYS } satisfies OptionKeys<ChainsOptions>;

/**
 * N Langevin chains of d dims.
 *
 * `z` is double-buffered: every step() writes the new state into the second buffer and swaps, so the
 * previous state stays available for restarts without a copy. Read `chains.z` again after each step(),
 * accept() and init (it may be the other buffer), e.g. build the ORT tensor inside the loop.
 *
 * @example
 * using chains = new Chains({ n: B * K, d: 16, stepSize: 0.05, preconditioner: 'rmsprop', seed: 1 });
 * chains.initPrior();
 * for (let t = 0; t < 50; t++) {
 *   const out = await session.run({ x, z: new ort.Tensor('float32', chains.z, [B * K, 16]) });
 *   chains.step(out.grad_z.data as Float32Array, { energy: out.energy.data as Float32Array });
 * }
 * chains.reset(); // before the next minibatch
 */
export class Chains extends NativeHandle<NativeChains> {
  /** Number of chains. */
  readonly n: number;
  /** Latent dimensions. */
  readonly d: number;
  /** The preconditioner chosen at construction. */
  readonly preconditioner: NativePreconditioner;
  /** step() throws LPC_DIVERGED once a chain restarts this many times in a row. */
  readonly maxConsecutiveRestarts: number;
  readonly #momentum: boolean;
  #haveCurrent = false;
  #proposed = false;

  /** Allocates the chains (z starts at 0: call initPrior() or initFromEncoder(), or write z). */
  constructor(options: ChainsOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new LpcError('LPC_INVALID_ARGUMENT', 'Chains options must be an object with n, d and stepSize');
    }
    const n = checkInteger('n', options.n, 1, 2 ** 31 - 1);
    const d = checkInteger('d', options.d, 1, 2 ** 31 - 1);
    if (n * d > 2 ** 31 - 1) shapeMismatch('n * d', 'at most 2^31 - 1 elements', n * d);
    checkKnownKeys(options, CHAINS_KEYS, 'Chains');
    const { maxConsecutiveRestarts, ...settings } = resolveChainSettings(options);
    super(new binding.Chains({ n, d, stepSize: checkPositive('stepSize', options.stepSize), ...settings }), 'Chains');
    this.n = n;
    this.d = d;
    this.preconditioner = settings.preconditioner;
    this.maxConsecutiveRestarts = maxConsecutiveRestarts;
    this.#momentum = settings.momentum;
  }

  /**
   * The current state [n, d], zero-copy. Re-read after every step(), accept() and init: the chains
   * alternate between two buffers. Writing into it sets the state (then call reset() if the
   * preconditioner state should not carry over).
   */
  get z(): Float32Array {
    return this.native.z;
  }

  /** The MALA proposal [n, d] filled by propose(), zero-copy (allocated on first use). */
  get proposal(): Float32Array {
    return this.native.proposal;
  }

  /**
   * Per-chain base step sizes [n], zero-copy and writable; used when step()/propose() get no `stepSize`.
   * Each must stay finite and > 0.
   */
  get stepSizes(): Float32Array {
    return this.native.stepSizes;
  }

  /** Sets z = xi ~ N(0, I) (encoder-free LPC) and resets the per-minibatch state. */
  initPrior(): this {
    this.native.initPrior();
    this.#haveCurrent = this.#proposed = false;
    return this;
  }

  /**
   * Sets z[b*K + k] = mu[b] + sigma[b] * xi from an encoder's Gaussian ([B, d] each; K = n / B chains per
   * datapoint) and resets the per-minibatch state. `logSigma` holds log sigma, or log sigma^2 with
   * `logVariance: true`.
   */
  initFromEncoder(mu: Float32Array, logSigma: Float32Array, options: { logVariance?: boolean } = {}): this {
    if (!(mu instanceof Float32Array) || mu.length === 0 || mu.length % this.d !== 0 || this.n % (mu.length / this.d) !== 0) {
      shapeMismatch('mu', `a Float32Array of length B*${this.d} with B dividing n = ${this.n}`, mu);
    }
    checkFloat32('logSigma', logSigma, mu.length, `mu.length = ${mu.length}`);
    this.native.initGaussian(mu, logSigma, checkBoolean('logVariance', options.logVariance ?? false));
    this.#haveCurrent = this.#proposed = false;
    return this;
  }

  /**
   * One unadjusted Langevin step from the current z given the gradient of the energy at z ([n, d], e.g. the
   * array onnxruntime returned). A chain whose energy (when given) or gradient is not finite goes back to its
   * last finite state with its step size halved and its preconditioner state reset. Returns the number of
   * chains restarted by this call; throws LPC_DIVERGED when a chain has restarted maxConsecutiveRestarts
   * times in a row (its last finite state is kept in z).
   */
  step(grad: Float32Array, options: StepOptions = {}): number {
    checkKnownKeys(options, STEP_KEYS, 'Chains.step');
    checkFloat32('grad', grad, this.n * this.d, `n*d = ${this.n * this.d}`);
    if (options.energy !== undefined) checkFloat32('energy', options.energy, this.n, `n = ${this.n}`);
    const stepSize = options.stepSize === undefined ? undefined : checkPositive('stepSize', options.stepSize);
    const restarted = this.native.step(grad, options.energy, stepSize);
    this.#haveCurrent = this.#proposed = false;
    if (restarted > 0) this.#throwIfDiverged();
    return restarted;
  }

  /**
   * Starts a new minibatch: clears preconditioner state (v, m, t), step-size scales, restart counters and
   * MALA statistics. z and the RNG position are kept.
   */
  reset(): void {
    this.native.reset();
    this.#haveCurrent = this.#proposed = false;
  }

  /**
   * MALA: stores the energy [n] and gradient [n, d] at the current z (after an init, or after writing z).
   * Throws LPC_DIVERGED if any chain's value is not finite there.
   */
  setCurrent(energy: Float32Array, grad: Float32Array): void {
    checkFloat32('energy', energy, this.n, `n = ${this.n}`);
    checkFloat32('grad', grad, this.n * this.d, `n*d = ${this.n * this.d}`);
    const bad = this.native.setCurrent(energy, grad);
    if (bad > 0) {
      const first = firstNonFiniteRow(energy, grad, this.d);
      throw new LpcError('LPC_DIVERGED', `setCurrent: the energy or gradient of ${bad} chain(s) is not finite at the current state (first: chain ${first}); MALA needs finite values to start from`);
    }
    this.#haveCurrent = true;
    this.#proposed = false;
  }

  /**
   * MALA: fills `proposal` with y = z - eta G g + sqrt(2 eta G) xi (G from the preconditioner state before
   * this gradient, no momentum drift) and returns it. Evaluate the energy and gradient at it, then accept().
   */
  propose(stepSize?: number): Float32Array {
    if (!this.#haveCurrent) {
      throw new LpcError('LPC_INVALID_STATE', 'propose() needs setCurrent(energy, grad) at the current state first');
    }
    this.native.propose(stepSize === undefined ? undefined : checkPositive('stepSize', stepSize));
    this.#proposed = true;
    return this.native.proposal;
  }

  /**
   * MALA: accepts or rejects each chain's proposal by Metropolis-Hastings (a non-finite energy or gradient
   * is a rejection), moves accepted chains (state, energy, gradient) and returns how many moved.
   */
  accept(energy: Float32Array, grad: Float32Array): number {
    if (!this.#proposed) throw new LpcError('LPC_INVALID_STATE', 'accept() needs propose() first');
    checkFloat32('energy', energy, this.n, `n = ${this.n}`);
    checkFloat32('grad', grad, this.n * this.d, `n*d = ${this.n * this.d}`);
    const moved = this.native.accept(energy, grad);
    this.#proposed = false;
    return moved;
  }

  /** Counters since the last reset() or init. */
  stats(): NativeChainsStats {
    return this.native.stats();
  }

  /** Fraction of MALA proposals accepted over all chains since the last reset (NaN before any). */
  acceptanceRate(): number {
    const s = this.native.stats();
    let accepted = 0;
    let proposed = 0;
    for (let c = 0; c < this.n; c++) {
      accepted += s.accepted[c];
      proposed += s.proposed[c];
    }
    return proposed === 0 ? NaN : accepted / proposed;
  }

  /** Per-chain fraction of MALA proposals accepted since the last reset (NaN before any). */
  acceptanceRates(): Float64Array {
    const s = this.native.stats();
    return s.accepted.map((a, c) => (s.proposed[c] === 0 ? NaN : a / s.proposed[c]));
  }

  /** Restarts per chain since the last reset (the training layer drops those chains' theta-gradients). */
  restarts(): Int32Array {
    return this.native.stats().restarts;
  }

  /** Per-chain step sizes in effect: stepSizes times the restart/adaptation scale. */
  effectiveStepSizes(): Float32Array {
    const scales = this.native.stats().stepScales;
    const base = this.native.stepSizes;
    return scales.map((s, c) => s * base[c]);
  }

  /**
   * A copy of everything the next calls depend on (RNG position, both state buffers, preconditioner state,
   * step scales, restart and MALA bookkeeping, MALA's stored energy and gradient), so that setState() on
   * chains of the same shape continues bit for bit. Not between propose() and accept().
   */
  getState(): NativeChainsState {
    if (this.#proposed) throw new LpcError('LPC_INVALID_STATE', 'getState() was called between propose() and accept(); call accept() first');
    return this.native.getState();
  }

  /** Restores a state from getState() of chains with the same n, d and preconditioner. */
  setState(state: NativeChainsState): void {
    const native = this.native;
    const checked = checkChainsState(state, { n: this.n, d: this.d, hasV: this.preconditioner !== 'none', hasM: this.#momentum });
    native.setState(checked);
    this.#haveCurrent = checked.energy !== null;
    this.#proposed = false;
  }

  #throwIfDiverged(): void {
    const consecutive = this.native.stats().consecutiveRestarts;
    let worst = 0;
    for (let c = 1; c < this.n; c++) if (consecutive[c] > consecutive[worst]) worst = c;
    if (consecutive[worst] >= this.maxConsecutiveRestarts) {
      throw new LpcError(
        'LPC_DIVERGED',
        `chain ${worst} got a non-finite energy or gradient ${consecutive[worst]} times in a row although its step size was halved each time; its last finite state is kept in z`,
      );
    }
  }
}

function firstNonFiniteRow(energy: Float32Array, grad: Float32Array, d: number): number {
  for (let c = 0; c < energy.length; c++) {
    if (!Number.isFinite(energy[c])) return c;
    for (let j = 0; j < d; j++) if (!Number.isFinite(grad[c * d + j])) return c;
  }
  return -1;
}
