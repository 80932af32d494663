/**
 * The shape of a run folder's metrics.json, written once: `train` writes it (lib/cli/train-run.ts's
 * TrainMetrics fills in the configuration and data types, which belong to the CLI), and reports read it,
 * checked on the way in.
 */
import { LpcError } from '../errors.js';
import type { HistoryPoint, UpdateTraces } from '../training/metrics-history.js';

/** The best validation evaluation of a run. */
export interface BestEvaluation {
  updates: number;
  nll: number;
}

/**
 * What metrics.json holds. A report draws the configuration and the data as tables whatever their fields;
 * `train` writes them with its own types.
 */
export interface RunMetrics<Config extends object = object, Dataset extends object = object, Split extends string = string> {
  /** The training configuration. */
  config: Config;
  /** The data: split sizes, the training images used, binarisation. */
  dataset: Dataset;
  /** The split the history's evaluations scored: 'validation' or 'test'. */
  evalSplit: Split;
  /**
   * With --validation, the evaluation with the lowest validation NLL (its networks are in DIR/best/); null
   * without --validation or before any NLL.
   */
  best: BestEvaluation | null;
  /** Updates done. */
  updates: number;
  /** Epochs done (fractional). */
  epochs: number;
  /** Wall-clock seconds spent in training updates (evaluations and checkpoints not counted). */
  seconds: number;
  /** True when the run stopped at a SIGINT before its end. */
  interrupted: boolean;
  /** One point per evaluation; the last one scores the final networks. */
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
