/**
 * Ctrl-C during training: the first SIGINT asks the run to stop after the update in progress (it then writes
 * a checkpoint and exits with 130); a second one exits at once with 130, leaving the previous checkpoint as it
 * was (checkpoints are replaced atomically, so there is always a complete one).
 */

/** Exit status of a run stopped by SIGINT (128 + the signal's number, as shells report it). */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * @example
 * using guard = new InterruptGuard((s) => process.stderr.write(s));
 * for await (const e of trainer.run({ ..., signal: guard.signal })) ...
 * if (guard.interrupted) { writeCheckpoint(); process.exitCode = INTERRUPTED_EXIT_CODE; }
 */
export class InterruptGuard {
  readonly #controller = new AbortController();
  readonly #listener: () => void;
  #count = 0;

  /** Installs the SIGINT handler; `say` reports what happens (stderr). */
  constructor(say: (text: string) => void) {
    this.#listener = () => {
      this.#count++;
      if (this.#count === 1) {
        say('\ninterrupted: finishing the current update, then writing a checkpoint (Ctrl-C again to exit at once)\n');
        this.#controller.abort();
      } else {
        say('\ninterrupted again: exiting now; the previous checkpoint stays valid\n');
        process.exit(INTERRUPTED_EXIT_CODE);
      }
    };
    process.on('SIGINT', this.#listener);
  }

  /** Aborted by the first SIGINT. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True once a SIGINT arrived. */
  get interrupted(): boolean {
    return this.#count > 0;
  }

  /** Removes the handler (SIGINT then ends the process the default way). */
  dispose(): void {
    process.off('SIGINT', this.#listener);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
