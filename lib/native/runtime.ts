/**
 * Process-level settings of the native addon: threads for large arrays, CUDA availability, and the calling
 * thread's handling of subnormal floats.
 */
import { binding, type NativeCudaStatus } from './binding.js';
import { checkBoolean, checkInteger, checkOneOf } from '../checks.js';

/**
 * Sets how many threads (the caller included) split large arrays in this thread's copy of the addon
 * (each worker thread has its own). Results are bit-identical for any count. Default: the hardware threads
 * (as onnxruntime's sessions); trainers given `threads` set it to that.
 *
 * @example
 * setThreads(1); // deterministic timing in a benchmark
 */
export function setThreads(threads: number): void {
  binding.setThreads(checkInteger('threads', threads, 1, 256));
}

/** Threads currently used for large arrays (>= 1). */
export function getThreads(): number {
  return binding.getThreads();
}

/** Logical CPUs the machine reports. */
export function hardwareThreads(): number {
  return binding.hardwareThreads();
}

/** How computations treat subnormal floats (magnitudes below 2^-126 in float32): 'flush' reads and writes them as zero. */
export type DenormalPolicy = 'flush' | 'keep';

/**
 * Sets, for the whole process, how the addon's computations and the onnxruntime sessions created afterwards
 * treat subnormal floats. The default, 'flush', is what training wants: optimiser moments, preconditioner
 * states and importance weights decay into that range, and each subnormal operand costs the CPU about a
 * hundred cycles (keeping them, an IWAE-50 update was 3.6 times slower by its 600th update; bench/RESULTS.md,
 * "Subnormal floats"). 'keep' gives IEEE arithmetic everywhere, for bit-for-bit comparisons with code that keeps them.
 * JavaScript's own arithmetic is never changed: the mode is set only while the addon or onnxruntime computes.
 *
 * @example
 * setDenormals('keep'); // IEEE subnormals in every later computation
 */
export function setDenormals(policy: DenormalPolicy): void {
  binding.setDenormalPolicy(checkOneOf('policy', policy, ['flush', 'keep'] as const) === 'flush');
}

/** The process's policy for subnormal floats (see setDenormals). */
export function getDenormals(): DenormalPolicy {
  return binding.denormalPolicy() ? 'flush' : 'keep';
}

/**
 * Sets whether the calling thread reads and writes subnormal floats as zero (x86-64: MXCSR FTZ and DAZ;
 * aarch64: FPCR FZ) and returns the previous mode. The mode is the thread's, so it changes JavaScript's own
 * arithmetic on that thread too: lib/onnx/runtime.ts sets it only while a run computes. On other CPUs it does
 * nothing and returns false.
 */
export function setFlushDenormals(on: boolean): boolean {
  return binding.setFlushDenormals(checkBoolean('on', on));
}

/** Whether the calling thread flushes subnormal floats to zero now. */
export function flushDenormals(): boolean {
  return binding.flushDenormals();
}

// The public name of the addon's type (documented where binding.ts declares it).
export type { NativeCudaStatus as CudaStatus } from './binding.js';

/**
 * Probes CUDA once per process and reports the result. Objects created with `device: 'cuda'` use the GPU
 * only when `available` is true; otherwise they run on the CPU and report this `reason`.
 *
 * @example
 * const s = cudaStatus();
 * if (!s.available) console.log(`CPU only: ${s.reason}`);
 */
export function cudaStatus(): NativeCudaStatus {
  return binding.cudaStatus();
}
