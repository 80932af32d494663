/**
 * What `train` shows on stderr while it runs: a progress bar (cli-progress) when stderr is a terminal, with
 * evaluation lines printed above it; plain evaluation lines when stderr is a file or pipe; nothing with
 * --json (stdout then carries one JSON object; stderr only errors and what a Ctrl-C does).
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { UpdateEvent } from '../training/events.js';

/** How progress is shown. */
export type ProgressMode = 'bar' | 'lines' | 'silent';

/** The mode for a stream and the --json flag. */
export function progressMode(stream: { isTTY?: boolean }, json: boolean): ProgressMode {
  if (json) return 'silent';
  return stream.isTTY === true ? 'bar' : 'lines';
}

/**
 * @example
 * const progress = new TrainProgress('bar', process.stderr, 0, 1000);
 * progress.update(event); progress.log('update 500: nll 98.1'); progress.stop();
 */
export class TrainProgress {
  readonly #mode: ProgressMode;
  readonly #stream: NodeJS.WritableStream;
  readonly #multi: MultiBar | null = null;
  readonly #bar: SingleBar | null = null;
  #active = false;

  constructor(mode: ProgressMode, stream: NodeJS.WritableStream, start: number, total: number) {
    this.#mode = mode;
    this.#stream = stream;
    if (mode === 'bar') {
      this.#multi = new MultiBar(
        {
          stream,
          format: 'train |{bar}| {value}/{total} updates | epoch {epoch} | energy {energy} | {rate} img/s | eta {eta_formatted}',
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 50,
        },
        Presets.shades_classic,
      );
      this.#bar = this.#multi.create(total, start, { epoch: '-', energy: '-', rate: '-' });
      this.#active = true;
    }
  }

  /** Advances the bar. */
  update(event: UpdateEvent): void {
    this.#bar?.update(event.update, { epoch: event.epoch + 1, energy: event.meanEnergy.toFixed(2), rate: Math.round(event.examplesPerSecond) });
  }

  /** Prints one line (above the bar when there is one). */
  log(line: string): void {
    if (this.#mode === 'silent') return;
    if (this.#multi !== null) {
      this.#multi.log(`${line}\n`);
      // Logs are written at the next redraw; draw now, so a line is not lost when the bar stops next.
      if (this.#active) this.#multi.update();
    } else {
      this.#stream.write(`${line}\n`);
    }
  }

  /** Leaves the bar as it is and restores the cursor. */
  stop(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#multi?.stop();
  }
}
