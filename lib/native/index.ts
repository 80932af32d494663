/**
 * The native layer: chains, RNG, optimisers, reductions and runtime settings.
 *
 * @module native
 */
export { Chains } from './chains.js';
export { CHAIN_DEFAULTS, DEFAULT_G_MAX, MALA_DEFAULTS, type ChainSettings } from './chain-settings.js';
export { DEVICES, PRECONDITIONERS } from './binding.js';
export type { ChainsOptions, ChainsState, ChainsStats, MalaOptions, Preconditioner, StepOptions } from './chains.js';
export { Rng } from './rng.js';
export type { RngOptions, RngState } from './rng.js';
export { Optimizer } from './optimizer.js';
export type { OptimizerKind, OptimizerOptions, OptimizerState } from './optimizer.js';
export { globalNorm, logSumExpRows, weightedMeanRows } from './reductions.js';
export { cudaStatus, getDenormals, getThreads, hardwareThreads, setDenormals, setThreads } from './runtime.js';
export type { CudaStatus, DenormalPolicy } from './runtime.js';
export type { NativeDevice as Device } from './binding.js';
