/**
 * What trainers report while they run, and how a run is bounded. Events are plain data (structured-cloneable),
 * so a worker thread can post them unchanged.
 */
import type { ImageSet } from '../data/image-set.js';
import type { OptionKeys } from '../checks.js';

/** One optimiser update. */
export interface UpdateEvent {
  readonly type: 'update';
  /** The epoch the minibatch belongs to, from 0 (for step() outside run(): the epochs completed so far). */
  readonly epoch: number;
  /** Updates done so far, this one included (counts continue across runs and restored states). */
  readonly update: number;
  /** Datapoints in the minibatch. */
  readonly batchSize: number;
  /**
   * Each loss term, a mean over the batch in nats per datapoint. LpcTrainer: `energy` (the mean energy of the
   * states the decoder's gradient used), and with an encoder `forwardKl` (-mean log q over the kept states)
   * and/or `reverseKl` (the negative ELBO at a fresh sample), as the objective computes them. VaeTrainer:
   * `negElbo`, `recon`, `kl`, or `negIwae` for the IWAE objective.
   */
  readonly losses: Readonly<Record<string, number>>;
  /** Mean energy E(z; x) of the final states (LPC) or of the reparameterised samples (VAE). */
  readonly meanEnergy: number;
  /** MALA's acceptance rate after its warm-up; null for ULA and the VAE. */
  readonly acceptRate: number | null;
  /** Mean step size of the chains at the end of the minibatch (halved by restarts, adapted by MALA); null for the VAE. */
  readonly stepSize: number | null;
  /** Chain restarts during the minibatch (non-finite energies or gradients). */
  readonly restarts: number;
  /** Chains whose states were left out of the gradients because they restarted. */
  readonly droppedChains: number;
  /** batchSize / seconds. */
  readonly examplesPerSecond: number;
  /** Wall-clock seconds of this update. */
  readonly seconds: number;
}

/** The end of an epoch (emitted after its last update). */
export interface EpochEvent {
  readonly type: 'epoch';
  /** Epochs completed. */
  readonly epoch: number;
  /** Updates done so far. */
  readonly update: number;
}

/** What run() yields. */
export type TrainEvent = UpdateEvent | EpochEvent;

/** How long a run goes and on what. */
export interface RunOptions {
  /** The training images, in any range (mapped to the decoder's). Resume with the same set. */
  data: ImageSet;
  /** Minibatch size B. */
  batchSize: number;
  /**
   * Stop once this many epochs are complete in total (counting earlier runs and restored state), so a resumed
   * run with the same options ends where an uninterrupted one would.
   */
  epochs?: number;
  /** Stop once this many updates are done in total. At least one of epochs and updates is required. */
  updates?: number;
  /** Drop an epoch's last batch when it is smaller than batchSize. Default false. */
  dropLast?: boolean;
  /** Stops the run at the next update boundary (the update in progress completes). */
  signal?: AbortSignal;
}

/** Every key of RunOptions (a misspelt option is refused, not ignored). */
export const RUN_OPTION_KEYS = { data: true, batchSize: true, epochs: true, updates: true, dropLast: true, signal: true } satisfies OptionKeys<RunOptions>;
