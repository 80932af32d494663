/**
 * The folder of one training run:
 *
 *   DIR/decoder.onnx, DIR/encoder.onnx   the trained networks (written at the end of a run)
 *   DIR/samples.png                      decoder means of z ~ N(0, I)
 *   DIR/reconstructions.png              evaluation images beside their reconstructions
 *   DIR/report.html                      the run report (curves, pictures, configuration, final metrics)
 *   DIR/metrics.json                     the configuration, the evaluation history and the per-update traces
 *   DIR/checkpoint/                      a CheckpointStore: manifest.json and gen-NNNNNN/ folders, each holding
 *                                        config.json, state.bin (encodeState of the trainer's state),
 *                                        metrics.json (the MetricsHistory state), decoder.onnx, encoder.onnx
 *
 * Checkpoints are crash-safe by CheckpointStore's protocol; the result files are replaced atomically (written
 * beside, fsynced, renamed), so a kill at any moment leaves either the old or the new file.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { LpcError } from '../errors.js';
import type { RejectedGeneration } from './checkpoint-generation.js';
import { type CheckpointContent, CheckpointStore } from './checkpoint-store.js';
import { fsyncDirectory, writeFileDurably } from './durable-files.js';
import { decodeState, encodeState, type StateRecord } from './state-blob.js';

/** The names of a run folder's files. */
export const RUN_FILES = Object.freeze({
  decoder: 'decoder.onnx',
  encoder: 'encoder.onnx',
  samples: 'samples.png',
  reconstructions: 'reconstructions.png',
  report: 'report.html',
  metrics: 'metrics.json',
  checkpoint: 'checkpoint',
  /** The folder holding the networks of the best validation evaluation (decoder.onnx, encoder.onnx). */
  best: 'best',
});

/** The files inside each checkpoint generation. */
export const CHECKPOINT_FILES = Object.freeze({
  config: 'config.json',
  state: 'state.bin',
  metrics: 'metrics.json',
  decoder: 'decoder.onnx',
  encoder: 'encoder.onnx',
});

/** A trainer's state with its networks as ONNX, taken between two updates. */
export interface TrainingSnapshot {
  state: StateRecord;
  decoder: Uint8Array;
  encoder: Uint8Array | null;
}

/** What a checkpoint holds besides the snapshot. */
export interface CheckpointExtras {
  /** The run's configuration (JSON data). */
  config: unknown;
  /** The metrics history's state (JSON data). */
  metrics: unknown;
  /** Epochs done, for the manifest (updates are read from the state). */
  epoch: number;
}

/** A checkpoint as read back. */
export interface RunCheckpoint extends TrainingSnapshot, CheckpointExtras {
  /** Updates done when it was written. */
  updates: number;
  generation: number;
  /** Newer generations passed over because they were damaged. */
  rejected: readonly RejectedGeneration[];
}

/**
 * @example
 * const run = new RunDirectory('runs/mnist');
 * run.writeCheckpoint({ state: trainer.getState(), decoder: trainer.exportDecoder(), encoder: null }, { config, metrics, epoch: 1 });
 * const back = run.readCheckpoint(); // after a crash: the newest complete generation
 */
export class RunDirectory {
  /** The run folder (absolute). */
  readonly dir: string;
  /** The checkpoint generations inside it. */
  readonly store: CheckpointStore;

  /** The run folder `dir`; nothing is created until something is written. */
  constructor(dir: string) {
    this.dir = path.resolve(dir);
    // Two generations: a damaged newest one (a disk error, not a crash) still leaves one to resume from.
    this.store = new CheckpointStore(path.join(this.dir, RUN_FILES.checkpoint), { keep: 2 });
  }

  /** True when the folder holds at least one complete checkpoint. */
  hasCheckpoint(): boolean {
    return this.store.exists();
  }

  /** Writes a checkpoint generation; returns its number. */
  writeCheckpoint(snapshot: TrainingSnapshot, extras: CheckpointExtras): number {
    const updates = snapshot.state['progress/updates'];
    if (typeof updates !== 'number') throw new LpcError('LPC_INVALID_ARGUMENT', "the snapshot's state has no 'progress/updates' entry: pass a trainer's getState()");
    const files: Record<string, CheckpointContent> = {
      [CHECKPOINT_FILES.config]: `${JSON.stringify(extras.config, null, 2)}\n`,
      [CHECKPOINT_FILES.state]: encodeState(snapshot.state),
      [CHECKPOINT_FILES.metrics]: JSON.stringify(extras.metrics),
      [CHECKPOINT_FILES.decoder]: snapshot.decoder,
    };
    if (snapshot.encoder !== null) files[CHECKPOINT_FILES.encoder] = snapshot.encoder;
    return this.store.write(files, { updates, epoch: extras.epoch });
  }

  /** Reads the newest complete checkpoint; LPC_NOT_FOUND when there is none, LPC_CHECKPOINT when none is intact. */
  readCheckpoint(): RunCheckpoint {
    const generation = this.store.read();
    const json = (name: string): unknown => {
      try {
        return JSON.parse(generation.text(name));
      } catch (error) {
        if (error instanceof LpcError) throw error;
        throw new LpcError('LPC_CHECKPOINT', `${name} of checkpoint generation ${generation.generation} in ${this.store.dir} is not JSON: ${(error as Error).message}`, { cause: error });
      }
    };
    const state = decodeState(generation.bytes(CHECKPOINT_FILES.state), `${CHECKPOINT_FILES.state} of checkpoint generation ${generation.generation}`);
    const updates = state['progress/updates'];
    if (typeof updates !== 'number') throw new LpcError('LPC_CHECKPOINT', `${CHECKPOINT_FILES.state} of checkpoint generation ${generation.generation} has no update count`);
    return {
      state,
      decoder: generation.bytes(CHECKPOINT_FILES.decoder),
      encoder: generation.has(CHECKPOINT_FILES.encoder) ? generation.bytes(CHECKPOINT_FILES.encoder) : null,
      config: json(CHECKPOINT_FILES.config),
      metrics: json(CHECKPOINT_FILES.metrics),
      epoch: typeof generation.meta.epoch === 'number' ? generation.meta.epoch : 0,
      updates,
      generation: generation.generation,
      rejected: generation.rejected,
    };
  }

  /** Replaces DIR/name atomically with `content` (name may lie in a subfolder, created when absent); returns the path. */
  writeResult(name: string, content: CheckpointContent): string {
    const file = path.join(this.dir, name);
    const folder = path.dirname(file);
    const temp = path.join(folder, `.${path.basename(file)}.${process.pid}.tmp`);
    try {
      mkdirSync(folder, { recursive: true });
      writeFileDurably(temp, typeof content === 'string' ? Buffer.from(content, 'utf8') : content, false);
      renameSync(temp, file);
      fsyncDirectory(folder);
    } catch (error) {
      rmSync(temp, { force: true });
      throw new LpcError('LPC_CHECKPOINT', `could not write ${file}: ${(error as Error).message}`, { cause: error });
    }
    return file;
  }
}
