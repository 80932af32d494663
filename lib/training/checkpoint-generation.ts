/**
 * What CheckpointStore.read() returns: one verified generation's files and metadata, plus the newer
 * generations it had to pass over because their files were missing or damaged.
 */
import { LpcError } from '../errors.js';

/** A generation that read() passed over, and why. */
export interface RejectedGeneration {
  generation: number;
  /** What was wrong, naming the file (e.g. `decoder.onnx has 812 bytes, the manifest records 4096`). */
  problem: string;
}

/**
 * One complete checkpoint generation whose every file matched the size and SHA-256 digest the
 * manifest recorded for it.
 *
 * @example
 * const checkpoint = store.read();
 * const decoder = checkpoint.bytes('decoder.onnx');
 * const config = JSON.parse(checkpoint.text('config.json'));
 * if (checkpoint.rejected.length > 0) console.warn('resumed from an older generation', checkpoint.rejected);
 */
export class CheckpointGeneration {
  /** The generation number (1 for the first write). */
  readonly generation: number;
  /** When its write finished, as an ISO 8601 string. */
  readonly written: string;
  /** The metadata passed to write(). */
  readonly meta: Record<string, unknown>;
  /** Every file of the generation by name, verified. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** Newer generations that were skipped because they were damaged; empty when this is the current one. */
  readonly rejected: readonly RejectedGeneration[];
  private readonly dir: string;

  /** Made by CheckpointStore.read() from a verified generation. */
  constructor(dir: string, generation: number, written: string, meta: Record<string, unknown>, files: ReadonlyMap<string, Uint8Array>, rejected: readonly RejectedGeneration[]) {
    this.dir = dir;
    this.generation = generation;
    this.written = written;
    this.meta = meta;
    this.files = files;
    this.rejected = rejected;
  }

  /** True when the generation holds a file called `name`. */
  has(name: string): boolean {
    return this.files.has(name);
  }

  /** The bytes of file `name`; throws LPC_CHECKPOINT naming the file when the generation lacks it. */
  bytes(name: string): Uint8Array {
    const bytes = this.files.get(name);
    if (bytes === undefined) {
      const names = [...this.files.keys()].join(', ') || 'no files';
      throw new LpcError('LPC_CHECKPOINT', `checkpoint generation ${this.generation} in ${this.dir} has no file ${JSON.stringify(name)} (it holds ${names})`);
    }
    return bytes;
  }

  /** The content of file `name` decoded as UTF-8 (for files written as strings). */
  text(name: string): string {
    return Buffer.from(this.bytes(name)).toString('utf8');
  }
}
