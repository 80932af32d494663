/**
 * Test helper for child processes: SIGKILLs the process just before its n-th file-system call that can change
 * the disk (open, write, fsync, close, rename, unlink, rm, mkdir), counted from when it is armed. Killing at
 * each such call in turn replaces kills at random moments: every disk state a crash can leave is reached, on
 * any machine, however loaded (a kill between two calls leaves the same disk as a kill at the second).
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const CALLS = ['openSync', 'writeSync', 'fsyncSync', 'closeSync', 'renameSync', 'unlinkSync', 'rmSync', 'mkdirSync'] as const;

/** Arms the kill at call `n` (0: never; only counts). Returns the running count. */
export function armKillAtCall(n: number): { count(): number } {
  let calls = 0;
  const target = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of CALLS) {
    const original = target[name];
    target[name] = (...args: unknown[]) => {
      calls += 1;
      if (calls === n) {
        process.kill(process.pid, 'SIGKILL');
        // The signal ends the process; never run the call meanwhile.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      }
      return original.apply(fs, args);
    };
  }
  // ES modules that imported these functions by name see the wrappers from now on.
  syncBuiltinESMExports();
  return { count: () => calls };
}
