/**
 * The VAE baseline on the same networks, likelihood and optimiser as LPC: per minibatch one joint step of the
 * decoder and the encoder on the reparameterised negative ELBO with the analytic KL, or on the IWAE-k bound.
 */
import { invalidArgument } from '../errors.js';
import type { Encoder } from '../models/networks.js';
import { checkInteger, checkKnownKeys, type OptionKeys } from '../checks.js';
import type { EncoderSpec } from './network-spec.js';
import { createTrainerCore, Trainer, TRAINER_OPTION_KEYS, type TrainerCore, type TrainerOptions, type UpdateOutcome } from './trainer.js';
import { vaeGradients } from './vae-objective.js';
import { VaeStep } from './vae-step.js';

/** Options of VaeTrainer.create. */
export interface VaeTrainerOptions extends TrainerOptions {
  /** The encoder q(z|x) (required). */
  encoder: Encoder | EncoderSpec;
  /** Train on the IWAE bound with this many importance samples per datapoint instead of the ELBO. */
  iwae?: number;
}

const VAE_KEYS = { ...TRAINER_OPTION_KEYS, encoder: true, iwae: true } satisfies OptionKeys<VaeTrainerOptions>;

/**
 * Trains a decoder and an encoder as a VAE.
 *
 * @example
 * await using vae = await VaeTrainer.create({
 *   decoder: { kind: 'mlp', options: { latentDim: 16, imageShape: [1, 28, 28] } },
 *   encoder: { kind: 'mlp', options: { latentDim: 16, imageShape: [1, 28, 28] } },
 *   binarize: true, seed: 1,
 * });
 * for await (const e of vae.run({ data: train, batchSize: 64, updates: 1000 })) if (e.type === 'update') console.log(e.losses.negElbo);
 */
export class VaeTrainer extends Trainer {
  /** Which trainer this is. */
  readonly kind = 'vae' as const;
  /** Importance samples of the IWAE objective; null for the ELBO. */
  readonly iwae: number | null;
  /** The update as one graph; null for networks that cannot be composed (then separate runs). */
  readonly #fused: VaeStep | null;

  private constructor(core: TrainerCore, iwae: number | null, fused: VaeStep | null) {
    super(core);
    this.iwae = iwae;
    this.#fused = fused;
  }

  /** Checks the options, builds or adopts the networks and creates their runtimes. */
  static async create(options: VaeTrainerOptions): Promise<VaeTrainer> {
    checkKnownKeys(options, VAE_KEYS, 'VaeTrainer');
    const iwae = options.iwae === undefined ? null : checkInteger('iwae', options.iwae, 1, 100_000);
    if (options.encoder === undefined) invalidArgument('encoder', 'an encoder (built, loaded or a spec): the VAE needs one', undefined);
    const core = await createTrainerCore(options, options.encoder);
    let fused: VaeStep | null = null;
    try {
      fused = await VaeStep.create(core.energy, core.encoder!, { iwae, threads: options.threads });
    } catch (error) {
      await new VaeTrainer(core, iwae, null).dispose();
      throw error;
    }
    return new VaeTrainer(core, iwae, fused);
  }

  protected async update(x: Float32Array, batch: number): Promise<UpdateOutcome> {
    const encoderModel = this.encoderModel!;
    const eps = this.streams.get('reparam').normal(batch * (this.iwae ?? 1) * this.energy.latentDim);
    const g = this.#fused !== null ? await this.#fused.gradients(x, batch, eps) : await vaeGradients(this.energy, encoderModel, x, batch, eps, this.iwae);
    this.thetaOptimizer.step(g.theta);
    this.phiOptimizer!.step(g.phi);
    return { losses: g.losses, meanEnergy: g.meanEnergy, acceptRate: null, stepSize: null, restarts: 0, droppedChains: 0 };
  }

  protected override async disposeExtra(): Promise<void> {
    await this.#fused?.dispose();
  }
}
