/**
 * The charts of a run report as Vega-Lite specs, for one run or several drawn on the same axes (a run per
 * colour): each loss term and the energy against updates and against seconds of training, the evaluations'
 * NLL and -ELBO against both, and the sampler's step size and acceptance rate. A chart with nothing to draw
 * (e.g. no acceptance rate under ULA) is left out rather than drawn empty.
 */
import type { RunMetrics } from './run-metrics.js';
import type { ChartSpec } from './vega-svg.js';

/** One run and the name it is drawn under. */
export interface LabelledRun {
  label: string;
  metrics: RunMetrics;
}

/** A chart: its heading, a sentence on how to read it, and its spec. */
export interface ReportChart {
  title: string;
  caption: string;
  spec: ChartSpec;
}

interface Row {
  run: string;
  series: string;
  x: number;
  y: number;
}

const PANEL = { width: 300, height: 170 };

/** The charts that have something to draw, in the order a report shows them. */
export function runCharts(runs: readonly LabelledRun[]): ReportChart[] {
  const charts: ReportChart[] = [];
  const add = (rows: Row[], chart: (rows: Row[]) => ReportChart) => {
    if (rows.length > 0) charts.push(chart(rows));
  };
  add(
    runs.flatMap((r) => lossRows(r, 'updates')),
    (rows) => ({ title: 'Training losses against updates', caption: 'Each loss term the trainer reports and the mean energy E(z; x) per image, nats.', spec: panels(rows, 'updates') }),
  );
  add(
    runs.flatMap((r) => lossRows(r, 'seconds')),
    (rows) => ({
      title: 'Training losses against seconds',
      caption:
        'The same terms against wall-clock seconds spent in updates (evaluations and checkpoints not counted); where the traces keep every k-th update, each kept update stands for the k before it.',
      spec: panels(rows, 'seconds of training'),
    }),
  );
  const split = evaluationSplit(runs);
  for (const axis of ['updates', 'seconds'] as const) {
    add(
      runs.flatMap((r) => evaluationRows(r, axis)),
      (rows) => ({
        title: `Evaluation on ${split} images against ${axis}`,
        caption: 'Importance-sampled NLL (an upper bound in expectation) and -ELBO, nats per image; BCE + KL where the data are grey values under a Bernoulli likelihood.',
        spec: evaluationChart(rows, axis === 'updates' ? 'updates' : 'seconds of training', `${split} nats per image`),
      }),
    );
  }
  add(runs.flatMap(samplerRows), (rows) => ({ title: 'Sampler traces', caption: 'Langevin step size and MALA acceptance rate of each traced update.', spec: panels(rows, 'updates') }));
  return charts;
}

/** 'validation', 'test', or both in words when runs differ. */
function evaluationSplit(runs: readonly LabelledRun[]): string {
  const splits = [...new Set(runs.map((r) => r.metrics.evalSplit))];
  return splits.join(' / ');
}

/** Loss terms and the mean energy, against updates or (estimated cumulative) seconds. */
function lossRows({ label, metrics }: LabelledRun, axis: 'updates' | 'seconds'): Row[] {
  const t = metrics.traces;
  const xs = axis === 'updates' ? t.update : cumulativeSeconds(t.update, t.seconds);
  const rows: Row[] = [];
  const columns: [string, readonly (number | null)[]][] = [...Object.entries(t.losses), ['energy', t.meanEnergy]];
  for (const [series, column] of columns) {
    column.forEach((y, i) => {
      if (y !== null && Number.isFinite(y)) rows.push({ run: label, series, x: xs[i], y });
    });
  }
  return rows;
}

/**
 * Seconds of training at each traced update. The traces keep every k-th update with that update's own
 * duration, so the time of the updates between two kept ones is estimated by the later one's.
 */
function cumulativeSeconds(updates: readonly number[], seconds: readonly number[]): number[] {
  let total = 0;
  let previous = 0;
  return updates.map((u, i) => {
    total += seconds[i] * (u - previous);
    previous = u;
    return total;
  });
}

function evaluationRows({ label, metrics }: LabelledRun, axis: 'updates' | 'seconds'): Row[] {
  const rows: Row[] = [];
  for (const p of metrics.history) {
    const x = axis === 'updates' ? p.updates : p.seconds;
    const grey = p.normalised === false;
    if (p.nll !== null) rows.push({ run: label, series: grey ? 'NLL (BCE + KL bound)' : 'NLL', x, y: p.nll });
    if (p.negElbo !== null) rows.push({ run: label, series: grey ? '-ELBO (BCE + KL)' : '-ELBO', x, y: p.negElbo });
  }
  return rows;
}

function samplerRows({ label, metrics }: LabelledRun): Row[] {
  const t = metrics.traces;
  const rows: Row[] = [];
  const columns: [string, readonly (number | null)[]][] = [
    ['step size', t.stepSize],
    ['acceptance rate', t.acceptRate],
  ];
  for (const [series, column] of columns) {
    column.forEach((y, i) => {
      if (y !== null && Number.isFinite(y)) rows.push({ run: label, series, x: t.update[i], y });
    });
  }
  return rows;
}

/** One small panel per series, each with its own y scale (terms differ by orders of magnitude); runs by colour. */
function panels(rows: Row[], xTitle: string): ChartSpec {
  return {
    data: { values: rows },
    facet: { field: 'series', type: 'nominal', title: null, sort: null },
    columns: 2,
    resolve: { scale: { y: 'independent' } },
    spec: {
      ...PANEL,
      mark: { type: 'line', point: rows.length < 40, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: xTitle },
        y: { field: 'y', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'run', type: 'nominal', title: 'run' },
      },
    },
  };
}

/** NLL and -ELBO on one axis: runs by colour, measures by dash; points mark the evaluations. */
function evaluationChart(rows: Row[], xTitle: string, yTitle: string): ChartSpec {
  return {
    data: { values: rows },
    width: 2 * PANEL.width,
    height: 220,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle },
      y: { field: 'y', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: { field: 'run', type: 'nominal', title: 'run' },
      strokeDash: { field: 'series', type: 'nominal', title: 'measure' },
      detail: { field: 'series', type: 'nominal' },
    },
  };
}
