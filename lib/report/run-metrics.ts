/**
 * The part of a run folder's metrics.json that reports read, checked on the way in: `train` writes it (the
 * TrainMetrics of lib/cli/train-run.ts); this layer restates only what it draws, so that it stays below the CLI.
 */
import { LpcError } from '../errors.js';
import type { HistoryPoint, UpdateTraces } from '../training/metrics-history.js';

/** What a report reads of metrics.json. */
export interface RunMetrics {
  /** The training configuration (drawn as a table, whatever its fields). */
  config: object;
  /** The data: split sizes, images used, binarisation. */
  dataset: object;
  /** The split the evaluations scored: 'validation' or 'test'. */
  evalSplit: string;
  best: { updates: number; nll: number } | null;
  updates: number;
  epochs: number;
  seconds: number;
  interrupted: boolean;
  history: HistoryPoint[];
  traces: UpdateTraces;
}

/** `json` as RunMetrics; LPC_CORRUPT_DATA naming `source` when it is not metrics.json's content. */
export function checkRunMetrics(json: unknown, source: string): RunMetrics {
  const m = json as RunMetrics;
  const isObject = (v: unknown) => typeof v === 'object' && v !== null;
  const t = isObject(m) ? m.traces : null;
  const ok =
    isObject(m) &&
    isObject(m.config) &&
    isObject(m.dataset) &&
    typeof m.evalSplit === 'string' &&
    typeof m.updates === 'number' &&
    typeof m.seconds === 'number' &&
    Array.isArray(m.history) &&
    isObject(t) &&
    Array.isArray(t?.update) &&
    Array.isArray(t?.seconds) &&
    Array.isArray(t?.meanEnergy) &&
    isObject(t?.losses);
  if (!ok)
    throw new LpcError(
      'LPC_CORRUPT_DATA',
      `${source} is not the metrics.json of a training run (config, dataset, evalSplit, history and traces); point the report at a folder written by langevin-pc train`,
    );
  return m;
}
