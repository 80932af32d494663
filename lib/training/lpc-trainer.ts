/**
 * Langevin predictive coding (docs/ARCHITECTURE.md §2 and §5): per minibatch, K Langevin chains per datapoint sample p(z|x) for
 * T steps, started from the prior or from the encoder; the decoder takes one optimiser step on the mean of
 * dE/dtheta over the kept states (after a burn-in, or the last state only), the chains and the batch; then the
 * encoder, if any, takes one step on its objective with the decoder frozen at its new values.
 */
import { invalidArgument } from '../errors.js';
import { LangevinSampler } from '../inference/langevin-sampler.js';
import type { LangevinOptions } from '../inference/options.js';
import type { Encoder } from '../models/networks.js';
import { checkKnownKeys, checkOneOf, type OptionKeys } from '../checks.js';
import type { EncoderObjective } from './encoder-objectives.js';
import { encoderStepGradients } from './encoder-step.js';
import { FusedEncoderStep } from './fused-encoder-step.js';
import type { EncoderSpec } from './network-spec.js';
import { keptStateWeights, meanThetaGradients } from './theta-gradient.js';
import { createTrainerCore, Trainer, TRAINER_OPTION_KEYS, type TrainerCore, type TrainerOptions, type UpdateOutcome } from './trainer.js';

/** The Langevin settings of an LPC trainer (the sampler's options; the trainer supplies its noise and keeps states itself). */
export type LpcLangevinOptions = Omit<LangevinOptions, 'keep' | 'seed' | 'rng'>;

/** Options of LpcTrainer.create. */
export interface LpcTrainerOptions extends TrainerOptions {
  /** T, eta, K (chains), sampler, preconditioner, momentum, ... (see LangevinOptions). */
  langevin: LpcLangevinOptions;
  /** An encoder q(z|x) for amortised warm-starts, trained with `encoderObjective`. */
  encoder?: Encoder | EncoderSpec;
  /** Where chains start: 'encoder' (default when there is one) or 'prior'. */
  init?: 'prior' | 'encoder';
  /** The encoder's objective. Default 'jeffreys' (the paper's final method). */
  encoderObjective?: EncoderObjective;
  /** 'mean' (default): average dE/dtheta over the states after `burnIn`; 'last': the final states only. */
  thetaGrad?: 'mean' | 'last';
  /** 'mean' only: states z_1 .. z_burnIn are not used. Default 0. */
  burnIn?: number;
  /** 'mean' only: use every thin-th state after the burn-in. Default 1. */
  thin?: number;
}

const LPC_KEYS = { ...TRAINER_OPTION_KEYS, langevin: true, encoder: true, init: true, encoderObjective: true, thetaGrad: true, burnIn: true, thin: true } satisfies OptionKeys<LpcTrainerOptions>;

/**
 * Trains a decoder (and optionally an encoder) with Langevin PC.
 *
 * @example
 * await using trainer = await LpcTrainer.create({
 *   decoder: { kind: 'mlp', options: { latentDim: 16, imageShape: [1, 28, 28], hidden: [256] } },
 *   encoder: { kind: 'mlp', options: { latentDim: 16, imageShape: [1, 28, 28], hidden: [256] } },
 *   langevin: { steps: 20, stepSize: 0.05, preconditioner: 'rmsprop' },
 *   encoderObjective: 'jeffreys', binarize: true, seed: 1,
 * });
 * for await (const event of trainer.run({ data: loadMnist().train, batchSize: 64, epochs: 1 })) {
 *   if (event.type === 'update') console.log(event.update, event.losses.energy);
 * }
 */
export class LpcTrainer extends Trainer {
  /** Which trainer this is. */
  readonly kind = 'lpc' as const;
  /** The sampler of the posterior over the latents. */
  readonly sampler: LangevinSampler;
  /** Where chains start: the prior, or the encoder's q(z|x). */
  readonly init: 'prior' | 'encoder';
  /** What the encoder is trained on, or null without an encoder. */
  readonly encoderObjective: EncoderObjective | null;
  /** Which chain states the decoder's gradient averages over: all kept ones, or the last. */
  readonly thetaGrad: 'mean' | 'last';
  /** The encoder's step as one graph; null without an encoder (or for networks that cannot be joined: separate runs). */
  readonly #fusedEncoderStep: FusedEncoderStep | null;

  private constructor(
    core: TrainerCore,
    sampler: LangevinSampler,
    fusedEncoderStep: FusedEncoderStep | null,
    settings: { init: 'prior' | 'encoder'; encoderObjective: EncoderObjective | null; thetaGrad: 'mean' | 'last' },
  ) {
    super(core);
    this.sampler = sampler;
    this.#fusedEncoderStep = fusedEncoderStep;
    this.init = settings.init;
    this.encoderObjective = settings.encoderObjective;
    this.thetaGrad = settings.thetaGrad;
  }

  /** Checks the options, builds or adopts the networks and creates their runtimes. */
  static async create(options: LpcTrainerOptions): Promise<LpcTrainer> {
    checkKnownKeys(options, LPC_KEYS, 'LpcTrainer');
    const hasEncoder = options.encoder !== undefined;
    const init = checkOneOf('init', options.init ?? (hasEncoder ? 'encoder' : 'prior'), ['prior', 'encoder'] as const);
    if (init === 'encoder' && !hasEncoder) invalidArgument('init', "'prior' without an encoder", init);
    if (!hasEncoder && options.encoderObjective !== undefined) invalidArgument('encoderObjective', 'absent without an encoder', options.encoderObjective);
    const encoderObjective = hasEncoder ? checkOneOf('encoderObjective', options.encoderObjective ?? 'jeffreys', ['forward', 'reverse', 'jeffreys'] as const) : null;
    const thetaGrad = checkOneOf('thetaGrad', options.thetaGrad ?? 'mean', ['mean', 'last'] as const);
    for (const key of ['burnIn', 'thin'] as const) {
      if (thetaGrad === 'last' && options[key] !== undefined) invalidArgument(key, "absent with thetaGrad 'last' (which uses the final states only)", options[key]);
    }
    if (typeof options.langevin !== 'object' || options.langevin === null) invalidArgument('langevin', 'Langevin options { steps, stepSize, ... }', options.langevin);
    for (const key of ['keep', 'seed', 'rng']) {
      if (key in options.langevin) invalidArgument(`langevin.${key}`, 'absent: the trainer keeps states by thetaGrad/burnIn/thin and draws noise from its seed', key);
    }
    const core = await createTrainerCore(options, options.encoder);
    try {
      const sampler = new LangevinSampler(core.energy, {
        ...options.langevin,
        keep: thetaGrad === 'mean' ? { burnIn: options.burnIn ?? 0, thin: options.thin ?? 1 } : undefined,
        rng: core.streams.get('langevin'),
      });
      const fused = encoderObjective === null ? null : await FusedEncoderStep.create(core.energy, core.encoder!, encoderObjective, options.threads);
      return new LpcTrainer(core, sampler, fused, { init, encoderObjective, thetaGrad });
    } catch (error) {
      await core.energy.dispose();
      await core.encoderModel?.dispose();
      core.thetaOptimizer.dispose();
      core.phiOptimizer?.dispose();
      core.streams.dispose();
      throw error;
    }
  }

  protected async update(x: Float32Array, batch: number): Promise<UpdateOutcome> {
    const encoded = this.encoderModel === null ? null : await this.encoderModel.forward(x, batch);
    const result = await this.sampler.run(x, this.init === 'encoder' && encoded !== null ? { mu: encoded.mu, logSigma: encoded.logSigma } : undefined);
    const perChain = this.thetaGrad === 'mean' ? result.keptPerChain : 1;
    const states = this.thetaGrad === 'mean' ? (result.kept as Float32Array) : result.samples;
    const kept = keptStateWeights(result.restarts, batch, result.chains, perChain);
    if (kept.survivors > 0) this.thetaOptimizer.step(await meanThetaGradients(this.energy, x, batch, states, kept.weights));
    const losses: Record<string, number> = { energy: keptEnergy(result.energyTrace, this.sampler.options.keep) };
    if (encoded !== null && this.encoderModel !== null && this.phiOptimizer !== null && this.encoderObjective !== null) {
      const input = {
        objective: this.encoderObjective,
        encoder: this.encoderModel,
        energy: this.energy,
        x,
        batch,
        encoded,
        states,
        rowsPer: perChain * result.chains,
        weights: kept.weights,
        drawEps: () => this.streams.get('reparam').normal(encoded.mu.length),
      };
      const step = this.#fusedEncoderStep !== null ? await this.#fusedEncoderStep.gradients(input) : await encoderStepGradients(input);
      Object.assign(losses, step.losses);
      if (step.phi !== null) this.phiOptimizer.step(step.phi);
    }
    let stepSize = 0;
    for (const s of result.stepSizes) stepSize += s;
    return {
      losses,
      meanEnergy: result.energyTrace[result.steps],
      acceptRate: result.acceptRate,
      stepSize: stepSize / result.stepSizes.length,
      restarts: result.totalRestarts,
      droppedChains: kept.dropped,
    };
  }

  protected override async disposeExtra(): Promise<void> {
    await this.#fusedEncoderStep?.dispose();
  }
}

/** The mean energy over the states the decoder's gradient used (the trace's kept times, or z_T). */
function keptEnergy(trace: Float64Array, keep: { burnIn: number; thin: number } | null): number {
  const steps = trace.length - 1;
  if (keep === null) return trace[steps];
  let sum = 0;
  let n = 0;
  for (let t = keep.burnIn + keep.thin; t <= steps; t += keep.thin) {
    sum += trace[t];
    n++;
  }
  return sum / n;
}
