/**
 * Process-level settings of the native addon: threads for large arrays and CUDA availability.
 */
import { binding, type NativeCudaStatus } from './binding.js';
import { checkInteger } from '../checks.js';

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
