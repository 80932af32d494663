/**
 * Helpers of the train/eval CLI tests: tiny runs on a small MNIST subset (an MLP 784-32-4 on 100 digits, so
 * an update takes milliseconds), reading a run folder back, and comparing runs apart from wall-clock fields.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { TrainMetrics } from '../../lib/cli/train-run.js';
import { RunDirectory } from '../../lib/training/run-directory.js';

/** A run small enough for tests; evaluation on 10 test digits with K = 10. */
export const TINY = [
  'train',
  '--dataset',
  'mnist',
  '--train-images',
  '100',
  '--batch',
  '25',
  '--hidden',
  '32',
  '--latent',
  '4',
  '--binarize',
  '--threads',
  '1',
  '--eval-images',
  '10',
  '--eval-iwae',
  '10',
  '--seed',
  '3',
];

/** Langevin settings of the tiny LPC runs: 8 steps from the prior (the default starts from an encoder). */
export const LPC = ['--steps', '8', '--init', 'prior'];

/** DIR/metrics.json. */
export function readMetrics(dir: string): TrainMetrics {
  return JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8')) as TrainMetrics;
}

/** A file's bytes. */
export function bytes(file: string): Buffer {
  return readFileSync(file);
}

/**
 * The metrics without what legitimately differs between an uninterrupted run and a stopped-and-resumed one:
 * wall-clock seconds (every `seconds` field), and the run-control options a resume may change.
 */
export function withoutWallClock(metrics: TrainMetrics): unknown {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'seconds')
        .map(([key, v]) => [key, strip(v)]),
    );
  };
  const { checkpointEvery: _c, worker: _w, ...config } = metrics.config;
  return strip({ ...metrics, config });
}

/** Asserts that two run folders hold the same networks (byte for byte) and the same metrics apart from time. */
export function expectSameRun(a: string, b: string, encoder: boolean): void {
  // Buffer.equals: vitest's toEqual is slow on large arrays, and a byte comparison is the claim.
  expect(bytes(path.join(b, 'decoder.onnx')).equals(bytes(path.join(a, 'decoder.onnx'))), 'decoder.onnx').toBe(true);
  if (encoder) expect(bytes(path.join(b, 'encoder.onnx')).equals(bytes(path.join(a, 'encoder.onnx'))), 'encoder.onnx').toBe(true);
  expect(withoutWallClock(readMetrics(b))).toEqual(withoutWallClock(readMetrics(a)));
}

/** The update count of a run folder's newest checkpoint. */
export function checkpointUpdates(dir: string): number {
  return new RunDirectory(dir).readCheckpoint().updates;
}
