/**
 * Training: crash-safe multi-file checkpoints and exact binary snapshots of numeric state.
 */
export { type CheckpointContent, CheckpointStore, type CheckpointStoreOptions } from './checkpoint-store.js';
export { CheckpointGeneration, type RejectedGeneration } from './checkpoint-generation.js';
export {
  decodeState,
  encodeState,
  type StateKind,
  type StateKinds,
  type StateRecord,
  type StateValue,
  stateValue,
} from './state-blob.js';
