/**
 * One face for a trainer in this thread and a trainer in a worker thread (`train --worker`), as the training
 * loop needs it: run to a total number of updates with an abort signal, then snapshot (state and networks)
 * between runs. Both build the trainer from the same plain configuration, so they train the same bits.
 */
import type { ImageSet } from '../data/image-set.js';
import type { TrainEvent } from '../training/events.js';
import { LpcTrainer } from '../training/lpc-trainer.js';
import type { TrainingSnapshot } from '../training/run-directory.js';
import type { StateRecord } from '../training/state-blob.js';
import type { Trainer } from '../training/trainer.js';
import { TrainingWorker } from '../training/training-worker.js';
import { VaeTrainer } from '../training/vae-trainer.js';
import type { WorkerTrainerConfig } from '../training/worker-protocol.js';

/** What one run segment takes. */
export interface SegmentOptions {
  data: ImageSet;
  batchSize: number;
  /** Total updates to stop at (counting all earlier ones). */
  updates: number;
  /** Stops at the next update boundary. */
  signal: AbortSignal;
}

/** A trainer somewhere. */
export interface TrainingBackend {
  /** Trains until `updates` in total or the signal; yields every event. */
  run(options: SegmentOptions): AsyncIterable<TrainEvent>;
  /** The state and networks now (call between runs). */
  snapshot(): Promise<TrainingSnapshot>;
  /** Continues from a state (call before the first run). */
  setState(state: StateRecord): Promise<void>;
  close(): Promise<void>;
}

/** Builds the trainer in this thread, or in a worker thread when `worker`. */
export async function startBackend(config: WorkerTrainerConfig, worker: boolean): Promise<TrainingBackend> {
  if (worker) return new WorkerBackend(await TrainingWorker.start(config));
  const trainer = config.algo === 'lpc' ? await LpcTrainer.create(config.options) : await VaeTrainer.create(config.options);
  return new InProcessBackend(trainer);
}

class InProcessBackend implements TrainingBackend {
  constructor(private readonly trainer: Trainer) {}

  run(options: SegmentOptions): AsyncIterable<TrainEvent> {
    return this.trainer.run(options);
  }

  async snapshot(): Promise<TrainingSnapshot> {
    return { state: this.trainer.getState(), decoder: this.trainer.exportDecoder(), encoder: this.trainer.exportEncoder() };
  }

  async setState(state: StateRecord): Promise<void> {
    this.trainer.setState(state);
  }

  async close(): Promise<void> {
    await this.trainer.dispose();
  }
}

class WorkerBackend implements TrainingBackend {
  constructor(private readonly worker: TrainingWorker) {}

  run(options: SegmentOptions): AsyncIterable<TrainEvent> {
    return this.worker.run(options);
  }

  async snapshot(): Promise<TrainingSnapshot> {
    const state = await this.worker.getState();
    const { decoder, encoder } = await this.worker.exportNetworks();
    return { state, decoder, encoder };
  }

  async setState(state: StateRecord): Promise<void> {
    await this.worker.setState(state);
  }

  async close(): Promise<void> {
    await this.worker.close();
  }
}
