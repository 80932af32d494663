/**
 * A crash-safe store for checkpoints made of several files. Each write() creates a new generation
 * folder (gen-000001, gen-000002, ...), fsyncs its files and the folder, and only then atomically
 * replaces manifest.json, which names the kept generations (newest first) with every file's size and
 * SHA-256 digest. A crash at any moment therefore leaves the manifest naming complete generations only;
 * folders and temporary manifests it does not name are removed by the next write().
 *
 * All file-system calls are synchronous on purpose: checkpoints are written rarely, the ordered
 * sequence of writes, fsyncs and renames is what makes them safe, and a caller handling SIGINT must be
 * able to write one and exit without returning to the event loop.
 *
 * One writer per directory: two processes writing the same directory at once are not supported. A
 * reader beside the writer is safe as long as it reads within `keep - 1` writes of opening the manifest
 * (older generations are removed after that).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { invalidArgument, LpcError } from '../errors.js';
import { CheckpointGeneration, type RejectedGeneration } from './checkpoint-generation.js';
import {
  fileNameProblem,
  generationFolder,
  type Manifest,
  MANIFEST_NAME,
  MANIFEST_TEMP_PREFIX,
  type ManifestGeneration,
  parseGenerationFolder,
  parseManifest,
  serializeManifest,
  sha256Hex,
} from './checkpoint-manifest.js';
import { fsyncDirectory, writeFileDurably } from './durable-files.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** The content of one checkpoint file: bytes as they are, or a string stored as UTF-8. */
export type CheckpointContent = Uint8Array | string;

/** Options of a CheckpointStore. */
export interface CheckpointStoreOptions {
  /**
   * How many complete generations to keep, the current one included (default 2, at least 1). Older
   * ones are removed after the manifest names the new one, so even keep = 1 never leaves a moment
   * without a complete generation on disk.
   */
  keep?: number;
}

/** Every key of CheckpointStoreOptions (a misspelt option is refused, not ignored). */
const CHECKPOINT_STORE_KEYS = { keep: true } satisfies OptionKeys<CheckpointStoreOptions>;

/**
 * A directory of checkpoint generations.
 *
 * @example
 * const store = new CheckpointStore('runs/mnist/checkpoint');
 * store.write({ 'decoder.onnx': decoderBytes, 'config.json': JSON.stringify(config) }, { updates: 1200 });
 * // later, possibly after a crash:
 * if (store.exists()) {
 *   const checkpoint = store.read();
 *   const updates = checkpoint.meta.updates as number;
 * }
 */
export class CheckpointStore {
  /** The directory the generations and the manifest live in. */
  readonly dir: string;
  /** How many complete generations are kept. */
  readonly keep: number;
  /** Generations read() found damaged in this process; the next write() stops keeping them. */
  private readonly damaged = new Set<number>();

  /** A store in `dir` (created by the first write()) keeping `options.keep` complete generations (default 2). */
  constructor(dir: string, options: CheckpointStoreOptions = {}) {
    checkKnownKeys(options, CHECKPOINT_STORE_KEYS, 'CheckpointStore');
    if (typeof dir !== 'string' || dir.length === 0) invalidArgument('dir', 'a non-empty directory path', dir);
    const keep = options.keep ?? 2;
    if (!Number.isSafeInteger(keep) || keep < 1) invalidArgument('options.keep', 'an integer >= 1', keep);
    this.dir = path.resolve(dir);
    this.keep = keep;
  }

  /** True when the directory holds a manifest, i.e. at least one write() completed. */
  exists(): boolean {
    return existsSync(this.manifestPath());
  }

  /** The current generation's number as the manifest names it (not verified), or null when none exists. */
  latestGeneration(): number | null {
    return this.readManifest()?.generations[0].generation ?? null;
  }

  /**
   * Writes `files` as a new generation and makes it the current one; returns its number. Throws
   * LPC_INVALID_ARGUMENT (before touching the disk) for a bad file name, content or `meta`, and
   * LPC_CHECKPOINT when the disk refuses the write, in which case the previous generation stays current.
   */
  write(files: Record<string, CheckpointContent>, meta: Record<string, unknown> = {}): number {
    const contents = checkFiles(files);
    const metaCopy = checkMeta(meta);
    let previous: ManifestGeneration[];
    let generation: number;
    try {
      this.makeDirectory();
      previous = this.readManifest()?.generations ?? [];
      generation = this.removeLeftovers(previous) + 1;
    } catch (error) {
      if (error instanceof LpcError) throw error;
      throw new LpcError('LPC_CHECKPOINT', `cannot prepare ${this.dir} for a checkpoint: ${(error as Error).message}`, { cause: error });
    }
    const entry: ManifestGeneration = {
      generation,
      written: '',
      files: contents.map(([name, bytes]) => ({ name, bytes: bytes.length, sha256: sha256Hex(bytes) })),
      meta: metaCopy,
    };
    const kept = [entry, ...previous.filter((g) => !this.damaged.has(g.generation))].slice(0, this.keep);
    const folder = path.join(this.dir, generationFolder(generation));
    const temp = path.join(this.dir, `${MANIFEST_TEMP_PREFIX}${process.pid}`);
    let committed = false;
    try {
      // 1. The new generation, complete and durable, while the manifest still names the old ones.
      mkdirSync(folder);
      for (const [name, bytes] of contents) writeFileDurably(path.join(folder, name), bytes, true);
      fsyncDirectory(folder);
      fsyncDirectory(this.dir);
      // 2. The commit point: rename is atomic, so readers see the old manifest or the new one.
      entry.written = new Date().toISOString();
      writeFileDurably(temp, serializeManifest({ generations: kept }), false);
      renameSync(temp, this.manifestPath());
      committed = true;
      fsyncDirectory(this.dir);
    } catch (error) {
      if (committed) {
        throw new LpcError('LPC_CHECKPOINT', `checkpoint generation ${generation} in ${this.dir} is written but its directory could not be flushed to disk: ${(error as Error).message}`, {
          cause: error,
        });
      }
      // Frees the space after ENOSPC; what cannot be removed now, the next write removes.
      removeQuietly(folder);
      removeQuietly(temp);
      throw new LpcError('LPC_CHECKPOINT', `could not write checkpoint generation ${generation} in ${this.dir}: ${(error as Error).message}; the previous generation stays current`, { cause: error });
    }
    // 3. Tidying: the manifest no longer names these (older than `keep`, or found damaged by read()).
    for (const old of previous) if (!kept.includes(old)) removeQuietly(path.join(this.dir, generationFolder(old.generation)));
    this.damaged.clear();
    return generation;
  }

  /**
   * Returns the current generation with every file checked against its recorded size and SHA-256
   * digest. When a file is missing or does not match, falls back to the next older kept generation and
   * lists the skipped ones in `rejected`. Throws LPC_NOT_FOUND when no checkpoint exists and
   * LPC_CHECKPOINT when no kept generation is intact (the message names each generation's bad file).
   */
  read(): CheckpointGeneration {
    const manifest = this.readManifest();
    if (manifest === null) {
      throw new LpcError('LPC_NOT_FOUND', `no checkpoint in ${this.dir} (it has no ${MANIFEST_NAME}); write one first`);
    }
    const rejected: RejectedGeneration[] = [];
    for (const entry of manifest.generations) {
      const loaded = this.loadGeneration(entry);
      if (loaded instanceof Map) {
        return new CheckpointGeneration(this.dir, entry.generation, entry.written, entry.meta, loaded, rejected);
      }
      rejected.push({ generation: entry.generation, problem: loaded });
      this.damaged.add(entry.generation);
    }
    const problems = rejected.map((r) => `generation ${r.generation}: ${r.problem}`).join('; ');
    throw new LpcError('LPC_CHECKPOINT', `checkpoint in ${this.dir} has no intact generation (${problems})`);
  }

  private manifestPath(): string {
    return path.join(this.dir, MANIFEST_NAME);
  }

  /** The parsed manifest, or null when there is none. */
  private readManifest(): Manifest | null {
    let text: string;
    try {
      text = readFileSync(this.manifestPath(), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw new LpcError('LPC_CHECKPOINT', `cannot read ${this.manifestPath()}: ${(error as Error).message}`, { cause: error });
    }
    return parseManifest(this.manifestPath(), text);
  }

  /** The files of one generation, verified, or a sentence saying what is wrong with them. */
  private loadGeneration(entry: ManifestGeneration): Map<string, Uint8Array> | string {
    const folder = path.join(this.dir, generationFolder(entry.generation));
    const files = new Map<string, Uint8Array>();
    for (const file of entry.files) {
      let bytes: Uint8Array;
      try {
        const buffer = readFileSync(path.join(folder, file.name));
        bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length); // a plain Uint8Array, as written
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return code === 'ENOENT' ? `${file.name} is missing` : `${file.name} cannot be read (${(error as Error).message})`;
      }
      if (bytes.length !== file.bytes) return `${file.name} has ${bytes.length} bytes, the manifest records ${file.bytes}`;
      if (sha256Hex(bytes) !== file.sha256) return `${file.name} does not match the SHA-256 digest the manifest records`;
      files.set(file.name, bytes);
    }
    return files;
  }

  /** Creates the directory, fsyncing the parent of each folder created so the new names are durable. */
  private makeDirectory(): void {
    const first = mkdirSync(this.dir, { recursive: true });
    if (first === undefined) return;
    for (let dir = this.dir; ; dir = path.dirname(dir)) {
      fsyncDirectory(path.dirname(dir));
      if (dir === first) break;
    }
  }

  /**
   * Removes what an interrupted write left behind (temporary manifests, generation folders the manifest
   * does not name) and returns the highest generation number seen, so a number is never reused.
   */
  private removeLeftovers(named: readonly ManifestGeneration[]): number {
    const numbers = new Set(named.map((g) => g.generation));
    let highest = Math.max(0, ...numbers);
    for (const name of readdirSync(this.dir)) {
      const generation = parseGenerationFolder(name);
      if (generation !== null) {
        highest = Math.max(highest, generation);
        if (!numbers.has(generation)) rmSync(path.join(this.dir, name), { recursive: true, force: true });
      } else if (name.startsWith(MANIFEST_TEMP_PREFIX)) {
        unlinkSync(path.join(this.dir, name));
      }
    }
    return highest;
  }
}

/** Removes a file or folder, ignoring failure: used only for what no manifest names. */
function removeQuietly(target: string): void {
  try {
    rmSync(target, { recursive: true, force: true });
  } catch {
    // The next write() removes leftovers again.
  }
}

/** Checks every name and content before anything is written; strings become UTF-8 bytes. */
function checkFiles(files: Record<string, CheckpointContent>): Array<[string, Uint8Array]> {
  if (typeof files !== 'object' || files === null || Array.isArray(files)) {
    invalidArgument('files', 'an object mapping file names to Uint8Array or string contents', files);
  }
  return Object.entries(files).map(([name, content]): [string, Uint8Array] => {
    const problem = fileNameProblem(name);
    if (problem !== null) throw new LpcError('LPC_INVALID_ARGUMENT', `checkpoint file name ${JSON.stringify(name)} ${problem}`);
    if (typeof content === 'string') return [name, Buffer.from(content, 'utf8')];
    if (!(content instanceof Uint8Array)) invalidArgument(`files[${JSON.stringify(name)}]`, 'a Uint8Array or a string', content);
    return [name, content];
  });
}

/** A JSON copy of `meta`, refusing what JSON would silently change (NaN, Infinity) or cannot hold. */
function checkMeta(meta: Record<string, unknown>): Record<string, unknown> {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) invalidArgument('meta', 'a plain object', meta);
  let text: string;
  try {
    text = JSON.stringify(meta, (key, value: unknown) => {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        invalidArgument(`meta${key === '' ? '' : `.${key}`}`, 'a finite number (JSON cannot hold NaN or Infinity)', value);
      }
      if (typeof value === 'bigint') invalidArgument(`meta.${key}`, 'JSON data (store a bigint as a string)', value);
      return value;
    });
  } catch (error) {
    if (error instanceof LpcError) throw error;
    throw new LpcError('LPC_INVALID_ARGUMENT', `meta must be JSON data: ${(error as Error).message}`, { cause: error });
  }
  return JSON.parse(text) as Record<string, unknown>;
}
