/** The native layer: chains, RNG, optimisers, reductions and runtime settings. */
export { Chains, DEFAULT_G_MAX } from './chains.js';
export type { ChainsOptions, ChainsState, ChainsStats, MalaOptions, Preconditioner, StepOptions } from './chains.js';
export { Rng } from './rng.js';
export type { RngOptions, RngState } from './rng.js';
export { Optimizer } from './optimizer.js';
export type { OptimizerKind, OptimizerOptions, OptimizerState } from './optimizer.js';
export { globalNorm, logSumExpRows, weightedMeanRows } from './reductions.js';
export { cudaStatus, getThreads, hardwareThreads, setThreads } from './runtime.js';
export type { CudaStatus } from './runtime.js';
export type { NativeDevice as Device } from './binding.js';
