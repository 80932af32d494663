/**
 * The metrics of a training run, as metrics.json and checkpoints store them: one point per evaluation (test
 * numbers beside the training energy and the time spent) and per-update traces for plots, subsampled to a
 * bounded length: the traces hold every k-th update, and when they outgrow their bound k doubles and every
 * other point is dropped. Everything here is a deterministic function of the updates seen, so a run resumed
 * from a checkpoint (which stores this state as JSON) ends with the same history as an uninterrupted one,
 * apart from the wall-clock fields (`seconds`).
 */
import { invalidArgument, LpcError } from '../errors.js';
import type { UpdateEvent } from './events.js';

/** Default bound on the length of the traces. */
export const DEFAULT_MAX_TRACE_POINTS = 2000;

/** What an evaluation measured (names as `langevin-pc eval` prints them; null where not applicable). */
export interface PointEvaluation {
  /** Test negative ELBO, nats per image; null without an encoder. */
  negElbo: number | null;
  negElboStdErr: number | null;
  /** Importance-sampled test NLL, nats per image (BCE + KL bound when `normalised` is false). */
  nll: number | null;
  /** Importance samples per image behind `nll`. */
  nllK: number | null;
  nllStdErr: number | null;
  /** Per-pixel squared reconstruction error in the [0, 1] scale. */
  reconMse: number | null;
  /** The proposal `nll` came from ('encoder', 'langevin', 'langevin-from-encoder'). */
  proposal: string | null;
  /** False when the numbers are cross-entropies of grey values, not normalised likelihoods. */
  normalised: boolean | null;
  /** Why the numbers are null, when they are. */
  note?: string;
}

/** One evaluation point. */
export interface HistoryPoint extends PointEvaluation {
  /** Updates done. */
  updates: number;
  /** Epochs done (fractional). */
  epochs: number;
  /** Wall-clock seconds spent in training updates so far (evaluation and checkpoints not counted). */
  seconds: number;
  /**
   * Mean over the updates since the previous evaluation on the `every` grid of each update's mean energy
   * E(z; x) (LPC: the final Langevin states; VAE: the reparameterised samples), nats per image.
   */
  trainEnergy: number | null;
  /** Present (true) on the point at the end of a run that is not on the evaluation grid. */
  offGrid?: true;
}

/** Per-update traces, column by column; entry i of every column belongs to update `update[i]`. */
export interface UpdateTraces {
  /** The traces hold the updates that are multiples of this. */
  every: number;
  update: number[];
  epoch: number[];
  /** Each loss term the trainer reports (null where an update did not report it). */
  losses: Record<string, (number | null)[]>;
  meanEnergy: number[];
  stepSize: (number | null)[];
  acceptRate: (number | null)[];
  restarts: number[];
  droppedChains: number[];
  /** Wall-clock seconds of each update. */
  seconds: number[];
}

/** The whole state, as JSON. */
export interface MetricsHistoryJson {
  maxTracePoints: number;
  /** Wall-clock seconds of all updates so far. */
  seconds: number;
  /** Sum and count of mean energies since the last evaluation on the grid. */
  energySum: number;
  energyCount: number;
  history: HistoryPoint[];
  traces: UpdateTraces;
}

/**
 * @example
 * const metrics = new MetricsHistory();
 * for await (const e of trainer.run({ data, batchSize: 64, updates: 1000 })) if (e.type === 'update') metrics.addUpdate(e);
 * metrics.addPoint({ updates: trainer.updates, epochs: trainer.updates / perEpoch, onGrid: true }, evaluation);
 * writeFileSync('metrics.json', JSON.stringify(metrics.toJSON()));
 */
export class MetricsHistory {
  readonly maxTracePoints: number;
  #seconds = 0;
  #energySum = 0;
  #energyCount = 0;
  #history: HistoryPoint[] = [];
  #traces: UpdateTraces;

  constructor(maxTracePoints = DEFAULT_MAX_TRACE_POINTS) {
    if (!Number.isSafeInteger(maxTracePoints) || maxTracePoints < 2) invalidArgument('maxTracePoints', 'an integer >= 2', maxTracePoints);
    this.maxTracePoints = maxTracePoints;
    this.#traces = emptyTraces();
  }

  /** Wall-clock seconds of all updates so far. */
  get seconds(): number {
    return this.#seconds;
  }

  /** The evaluation points so far (read-only view). */
  get history(): readonly HistoryPoint[] {
    return this.#history;
  }

  /** The traces (read-only view). */
  get traces(): Readonly<UpdateTraces> {
    return this.#traces;
  }

  /** Records one update. */
  addUpdate(event: UpdateEvent): void {
    this.#seconds += event.seconds;
    this.#energySum += event.meanEnergy;
    this.#energyCount++;
    const t = this.#traces;
    if (event.update % t.every !== 0) return;
    const length = t.update.length;
    t.update.push(event.update);
    t.epoch.push(event.epoch);
    for (const name of Object.keys(event.losses)) t.losses[name] ??= new Array<number | null>(length).fill(null);
    for (const [name, column] of Object.entries(t.losses)) column.push(event.losses[name] ?? null);
    t.meanEnergy.push(event.meanEnergy);
    t.stepSize.push(event.stepSize);
    t.acceptRate.push(event.acceptRate);
    t.restarts.push(event.restarts);
    t.droppedChains.push(event.droppedChains);
    t.seconds.push(event.seconds);
    if (t.update.length > this.maxTracePoints) this.#halveTraces();
  }

  /**
   * Records an evaluation after `at.updates` updates. Points on the evaluation grid (`at.onGrid`) close the
   * window of the training energy; a point off the grid (the end of a run) does not, and is dropped when a
   * later point is added, so that a run stopped early and resumed ends with the history of one that never
   * stopped.
   */
  addPoint(at: { updates: number; epochs: number; onGrid: boolean }, evaluation: PointEvaluation): HistoryPoint {
    this.#history = this.#history.filter((p) => p.updates < at.updates && !p.offGrid);
    const point: HistoryPoint = {
      updates: at.updates,
      epochs: at.epochs,
      seconds: this.#seconds,
      trainEnergy: this.#energyCount === 0 ? null : this.#energySum / this.#energyCount,
      ...evaluation,
    };
    if (at.onGrid) {
      this.#energySum = 0;
      this.#energyCount = 0;
    } else {
      point.offGrid = true;
    }
    this.#history.push(point);
    return point;
  }

  /** The state as JSON data (copies). */
  toJSON(): MetricsHistoryJson {
    return structuredClone({
      maxTracePoints: this.maxTracePoints,
      seconds: this.#seconds,
      energySum: this.#energySum,
      energyCount: this.#energyCount,
      history: this.#history,
      traces: this.#traces,
    });
  }

  /** Restores a state written by toJSON(); LPC_CHECKPOINT when it is not one. */
  static fromJSON(json: unknown, source = 'metrics'): MetricsHistory {
    const j = json as MetricsHistoryJson;
    const ok =
      typeof j === 'object' && j !== null && Number.isSafeInteger(j.maxTracePoints) && typeof j.seconds === 'number' && typeof j.energySum === 'number' &&
      Number.isSafeInteger(j.energyCount) && Array.isArray(j.history) && typeof j.traces === 'object' && j.traces !== null && Number.isSafeInteger(j.traces.every) &&
      Array.isArray(j.traces.update) && typeof j.traces.losses === 'object';
    if (!ok) throw new LpcError('LPC_CHECKPOINT', `${source} does not hold a metrics history (MetricsHistory.toJSON)`);
    const metrics = new MetricsHistory(j.maxTracePoints);
    const copy = structuredClone(j);
    metrics.#seconds = copy.seconds;
    metrics.#energySum = copy.energySum;
    metrics.#energyCount = copy.energyCount;
    metrics.#history = copy.history;
    metrics.#traces = copy.traces;
    return metrics;
  }

  /** Doubles `every`, keeping the points on the coarser grid. */
  #halveTraces(): void {
    const t = this.#traces;
    const every = t.every * 2;
    const keep = t.update.map((u) => u % every === 0);
    const pick = <T>(column: T[]): T[] => column.filter((_, i) => keep[i]);
    this.#traces = {
      every,
      update: pick(t.update),
      epoch: pick(t.epoch),
      losses: Object.fromEntries(Object.entries(t.losses).map(([name, column]) => [name, pick(column)])),
      meanEnergy: pick(t.meanEnergy),
      stepSize: pick(t.stepSize),
      acceptRate: pick(t.acceptRate),
      restarts: pick(t.restarts),
      droppedChains: pick(t.droppedChains),
      seconds: pick(t.seconds),
    };
  }
}

function emptyTraces(): UpdateTraces {
  return { every: 1, update: [], epoch: [], losses: {}, meanEnergy: [], stepSize: [], acceptRate: [], restarts: [], droppedChains: [], seconds: [] };
}
