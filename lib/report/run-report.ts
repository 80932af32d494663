/**
 * Run reports: DIR/report.html from a run folder's metrics.json, samples.png and reconstructions.png, or one
 * page that draws several runs on the same axes. `train` writes its report at each evaluation and at the end
 * from the metrics in memory; `langevin-pc report` rebuilds one from the files.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LpcError } from '../errors.js';
import { RUN_FILES } from '../training/run-directory.js';
import { runCharts } from './run-charts.js';
import { checkRunMetrics, type RunMetrics } from './run-metrics.js';
import { type RenderedChart, type ReportRun, reportHtml } from './report-html.js';
import { chartSvg } from './vega-svg.js';

/**
 * The run in folder `dir`: its metrics (given, or read from metrics.json) and the pictures it has so far.
 * LPC_NOT_FOUND when there is no metrics.json to read.
 */
export function readReportRun(dir: string, label = path.basename(path.resolve(dir)), metrics?: RunMetrics): ReportRun {
  const file = (name: string) => path.join(dir, name);
  if (metrics === undefined) {
    const source = file(RUN_FILES.metrics);
    if (!existsSync(source)) {
      throw new LpcError('LPC_NOT_FOUND', `${source} does not exist: give the folder of a training run (langevin-pc train --out DIR writes metrics.json when it ends or is stopped)`);
    }
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(source, 'utf8'));
    } catch (error) {
      throw new LpcError('LPC_CORRUPT_DATA', `${source} is not JSON (${(error as Error).message}); rerun the training or restore the file`, { cause: error });
    }
    metrics = checkRunMetrics(json, source);
  }
  const png = (name: string) => (existsSync(file(name)) ? readFileSync(file(name)) : null);
  return { label, dir, metrics, samples: png(RUN_FILES.samples), reconstructions: png(RUN_FILES.reconstructions) };
}

/**
 * The report page of one run or several (drawn on the same axes, one colour each).
 *
 * @example
 * writeFileSync('compare.html', await runReportHtml([readReportRun('runs/lpc'), readReportRun('runs/vae')]));
 */
export async function runReportHtml(runs: readonly ReportRun[]): Promise<string> {
  if (runs.length === 0) throw new LpcError('LPC_INVALID_ARGUMENT', 'a report needs at least one run folder');
  const labels = uniqueLabels(runs.map((r) => r.label));
  const named = runs.map((r, i) => ({ ...r, label: labels[i] }));
  const charts: RenderedChart[] = [];
  for (const chart of runCharts(named.map((r) => ({ label: r.label, metrics: r.metrics })))) {
    charts.push({ title: chart.title, caption: chart.caption, svg: await chartSvg(chart.spec) });
  }
  const title = named.length === 1 ? `langevin-pc run ${named[0].label}: ${describeRun(named[0].metrics)}` : `langevin-pc: ${named.map((r) => r.label).join(' vs ')}`;
  return reportHtml(title, named, charts);
}

/** E.g. 'lpc on mnist, 100 updates'. */
function describeRun(m: RunMetrics): string {
  const { algo } = m.config as { algo?: unknown };
  const { name } = m.dataset as { name?: unknown };
  return `${typeof algo === 'string' ? algo : 'training'} on ${typeof name === 'string' ? path.basename(name) : 'data'}, ${m.updates} updates${m.interrupted ? ' (stopped early)' : ''}`;
}

/** Labels made distinct (folders of the same name in different places) by numbering repeats. */
function uniqueLabels(labels: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((l) => {
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    return n === 1 ? l : `${l} (${n})`;
  });
}
