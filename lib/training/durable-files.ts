/**
 * File writes that survive a crash: a file's data and the directory entry naming it are on disk (fsync)
 * before anything points at them.
 *
 * Synchronous on purpose: checkpoints are written a few times per run, each write is a short sequence
 * of ordered steps whose order is the whole point, and a caller that is about to exit (SIGINT) must
 * not return to the event loop half-way.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

/**
 * Flushes a directory's entries (names created, renamed or removed in it) to disk. Windows cannot open
 * a directory for fsync; there NTFS journals metadata itself, so the step is skipped.
 */
export function fsyncDirectory(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes all of `bytes` to `file` and fsyncs it before returning. With `exclusive` the file must not
 * exist yet (flag 'wx'), which catches two writers racing for one name. The caller fsyncs the directory
 * once after creating all its files.
 */
export function writeFileDurably(file: string, bytes: Uint8Array, exclusive: boolean): void {
  const fd = openSync(file, exclusive ? 'wx' : 'w');
  try {
    writeAll(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** writeSync may write less than asked (large buffers, signals); loop until every byte is out. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}
