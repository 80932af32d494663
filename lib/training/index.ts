/**
 * Training: the Langevin PC and VAE trainers (progress events, cancellation, worker threads, exact state
 * export), their objectives, crash-safe multi-file checkpoints and exact binary snapshots of numeric state.
 *
 * @module training
 */
export { LpcTrainer, type LpcLangevinOptions, type LpcTrainerOptions } from './lpc-trainer.js';
export { VaeTrainer, type VaeTrainerOptions } from './vae-trainer.js';
export { Trainer, type TrainerOptions } from './trainer.js';
export type { EpochEvent, RunOptions, TrainEvent, UpdateEvent } from './events.js';
export type { DecoderSpec, EncoderSpec } from './network-spec.js';
export { TrainingWorker, type TrainingWorkerOptions, type WorkerRunOptions, type WorkerTrainEvent, type WorkerUpdateEvent } from './training-worker.js';
export type { ExportedNetworks, WorkerTrainerConfig } from './worker-protocol.js';
export { addLatentGradients, forwardKl, reverseKl, type EncoderObjective, type ForwardKl, type LatentGradients, type ReverseKl } from './encoder-objectives.js';
export { encoderStepGradients, type EncoderStepInput } from './encoder-step.js';
export { encoderGradients, vaeGradients, type VaeGradients } from './vae-objective.js';
export { keptStateWeights, meanThetaGradients, type KeptStateWeights } from './theta-gradient.js';
export { initKeys, STREAM_PURPOSES, TrainingStreams, type StreamPurpose } from './random-streams.js';
export { TRAINER_STATE_VERSION } from './trainer-state.js';
export { type CheckpointContent, CheckpointStore, type CheckpointStoreOptions } from './checkpoint-store.js';
export { CheckpointGeneration, type RejectedGeneration } from './checkpoint-generation.js';
export { CHECKPOINT_FILES, type CheckpointExtras, RUN_FILES, type RunCheckpoint, RunDirectory, type TrainingSnapshot } from './run-directory.js';
export { DEFAULT_MAX_TRACE_POINTS, type HistoryPoint, MetricsHistory, type MetricsHistoryJson, type PointEvaluation, type UpdateTraces } from './metrics-history.js';
export { decodeState, encodeState, type StateKind, type StateKinds, type StateRecord, type StateValue, stateValue } from './state-blob.js';
