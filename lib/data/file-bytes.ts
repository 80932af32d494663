/**
 * Reading data files with coded errors: absent files become LPC_NOT_FOUND, and gzipped files are
 * inflated with a bound taken from their own header, so a hostile header cannot make us allocate
 * more than it can back with real data and never more than `maxBytes`.
 */
import { kMaxLength } from 'node:buffer';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { invalidArgument, LpcError } from '../errors.js';
import { checkKnownKeys, type OptionKeys } from '../checks.js';

/** Default ceiling on the data bytes of one file (4 GiB); callers may raise it. */
export const DEFAULT_MAX_BYTES = 4 * 2 ** 30;

/** Options for reading IDX and NPY files. */
export interface ReadArrayOptions {
  /** Largest data size accepted, in bytes, header excluded (default 4 GiB): guards against absurd headers. */
  maxBytes?: number;
}

/** Every key of ReadArrayOptions (a misspelt option is refused, not ignored). */
const READ_ARRAY_KEYS = { maxBytes: true } satisfies OptionKeys<ReadArrayOptions>;

/** The data-size limit an options object asks for, checked. */
export function maxBytesOf(options: ReadArrayOptions): number {
  checkKnownKeys(options, READ_ARRAY_KEYS, 'read options');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof maxBytes !== 'number' || !(maxBytes > 0)) invalidArgument('options.maxBytes', 'a positive number of bytes', maxBytes);
  return maxBytes;
}

/** Enough inflated bytes to hold any IDX or NPY header we accept. */
const HEADER_PEEK_BYTES = 64 * 1024;

/** An LPC_CORRUPT_DATA error that names the file and what was wrong with it. */
export function corruptData(file: string, problem: string): LpcError {
  return new LpcError('LPC_CORRUPT_DATA', `${file}: ${problem}`);
}

/** Reads a whole file; an absent path throws LPC_NOT_FOUND with `hint` appended. */
export function readFileBytes(file: string, hint = ''): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw readError(file, error, hint);
  }
}

/** Reads at most the first `length` bytes of a file, with the errors of readFileBytes. */
export function readFileHead(file: string, length: number, hint = ''): Uint8Array {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw readError(file, error, hint);
  }
  try {
    const head = new Uint8Array(length);
    return head.subarray(0, readSync(fd, head, 0, length, 0));
  } catch (error) {
    throw readError(file, error, hint);
  } finally {
    closeSync(fd);
  }
}

function readError(file: string, error: unknown, hint: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new LpcError('LPC_NOT_FOUND', `${file} does not exist${hint ? `. ${hint}` : ''}`, { cause: error });
  }
  if (code === 'EISDIR') return new LpcError('LPC_INVALID_ARGUMENT', `${file} is a directory, not a data file`, { cause: error });
  return error;
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Returns the decoded bytes of a file that may be gzipped. `declaredLength(prefix)` parses the
 * format's header from the first bytes, enforces the caller's size limit and returns the total
 * length the header promises (header included); for a gzipped file that length bounds the inflation.
 */
export function decodedBytes(file: string, bytes: Buffer, declaredLength: (prefix: Buffer) => number): { bytes: Buffer; declared: number } {
  if (!isGzip(bytes)) return { bytes, declared: declaredLength(bytes) };
  // Inflate only the start first: a sync flush returns what the truncated stream decodes to.
  let prefix: Buffer;
  try {
    prefix = gunzipSync(bytes.subarray(0, Math.min(bytes.length, HEADER_PEEK_BYTES)), {
      finishFlush: zlibConstants.Z_SYNC_FLUSH,
    });
  } catch (error) {
    throw corruptGzip(file, error);
  }
  const declared = declaredLength(prefix);
  if (declared >= kMaxLength) throw corruptData(file, `header declares ${declared} bytes, more than one Buffer can hold`);
  let inflated: Buffer;
  try {
    // One byte of slack so that data beyond the declared length is detected, not silently cut.
    inflated = gunzipSync(bytes, { maxOutputLength: declared + 1, chunkSize: 1 << 20 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw corruptData(file, `decompresses to more than the ${declared} bytes its header declares`);
    }
    throw corruptGzip(file, error);
  }
  return { bytes: inflated, declared };
}

function corruptGzip(file: string, error: unknown): LpcError {
  if ((error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
    return new LpcError('LPC_CORRUPT_DATA', `${file}: truncated (the gzip stream ends early)`, { cause: error });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new LpcError('LPC_CORRUPT_DATA', `${file}: gzip stream cannot be decoded (${reason})`, { cause: error });
}

/**
 * Multiplies the dimensions of a header's shape, failing as soon as the data would pass
 * `maxBytes` (which also keeps the product an exact integer).
 */
export function elementCount(file: string, shape: readonly number[], itemBytes: number, maxBytes: number): number {
  const limit = Math.floor(maxBytes / itemBytes);
  let count = 1;
  for (const d of shape) {
    count *= d;
    if (count > limit) {
      throw corruptData(file, `header shape [${shape.join(', ')}] declares more than the limit of ${maxBytes} data bytes (pass a larger maxBytes if the file is real)`);
    }
  }
  return count;
}
