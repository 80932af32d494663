/**
 * Run reports from metrics alone (no training): the charts each run has something for, several runs on the
 * same axes, a self-contained page, and coded errors for folders that hold no run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageGridPng } from '../../lib/data/image-grid.js';
import { runCharts } from '../../lib/report/run-charts.js';
import type { RunMetrics } from '../../lib/report/run-metrics.js';
import { readReportRun, runReportHtml } from '../../lib/report/run-report.js';
import type { HistoryPoint } from '../../lib/training/metrics-history.js';
import { reportStructure } from './support/report-structure.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'lpc-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Metrics of a run of `updates` updates evaluated every 10, with MALA's acceptance rate when `mala`. */
function metrics(updates: number, options: { mala?: boolean; encoder?: boolean; split?: string } = {}): RunMetrics {
  const update = Array.from({ length: updates }, (_, i) => i + 1);
  const history: HistoryPoint[] = update
    .filter((u) => u % 10 === 0)
    .map((u) => ({
      updates: u,
      epochs: u / 10,
      seconds: u * 0.05,
      trainEnergy: 200 - u,
      negElbo: options.encoder ? 210 - u : null,
      negElboStdErr: options.encoder ? 1 : null,
      nll: 190 - u,
      nllK: 10,
      nllStdErr: 2,
      reconMse: 0.05,
      proposal: 'langevin',
      normalised: true,
    }));
  return {
    config: { algo: 'lpc', dataset: 'mnist', seed: 3 },
    dataset: { name: 'mnist', trainImages: 60000, validationImages: 0, testImages: 10000, trainImagesUsed: 100, binarized: true },
    evalSplit: options.split ?? 'test',
    best: null,
    updates,
    epochs: updates / 10,
    seconds: updates * 0.05,
    interrupted: false,
    history,
    traces: {
      every: 1,
      update,
      epoch: update.map((u) => u / 10),
      losses: options.encoder ? { reverseKl: update.map((u) => 100 / u) } : {},
      meanEnergy: update.map((u) => 200 - u),
      stepSize: update.map(() => 0.1),
      acceptRate: update.map(() => (options.mala ? 0.6 : null)),
      restarts: update.map(() => 0),
      droppedChains: update.map(() => 0),
      seconds: update.map(() => 0.05),
    },
  };
}

/** A run folder with metrics.json and a sample grid. */
function runFolder(name: string, m: RunMetrics): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify(m));
  writeFileSync(path.join(dir, 'samples.png'), imageGridPng(new Float32Array(4 * 16).fill(0.5), [4, 1, 4, 4]));
  return dir;
}

describe('run charts', () => {
  it('draws losses against updates and seconds, evaluations against both, and the step size', () => {
    const titles = runCharts([{ label: 'a', metrics: metrics(30) }]).map((c) => c.title);
    expect(titles).toEqual([
      'Training losses against updates',
      'Training losses against seconds',
      'Evaluation on test images against updates',
      'Evaluation on test images against seconds',
      'Sampler traces',
    ]);
  });

  it('leaves out the sampler chart when neither step size nor acceptance rate was traced', () => {
    const m = metrics(20);
    m.traces.stepSize = m.traces.stepSize.map(() => null);
    expect(runCharts([{ label: 'a', metrics: m }]).map((c) => c.title)).not.toContain('Sampler traces');
  });

  it('estimates seconds of training from traces that keep every other update', () => {
    const m = metrics(4);
    m.traces = {
      ...m.traces,
      every: 2,
      update: [2, 4],
      epoch: [0.2, 0.4],
      meanEnergy: [5, 4],
      stepSize: [null, null],
      acceptRate: [null, null],
      restarts: [0, 0],
      droppedChains: [0, 0],
      seconds: [0.5, 1],
      losses: {},
    };
    const chart = runCharts([{ label: 'a', metrics: m }]).find((c) => c.title === 'Training losses against seconds');
    const values = (chart?.spec as { data: { values: { x: number }[] } }).data.values;
    // Update 2 stands for updates 1-2 (2 x 0.5 s), update 4 for 3-4 (2 x 1 s).
    expect(values.map((v) => v.x)).toEqual([1, 3]);
  });
});

describe('runReportHtml', () => {
  it('writes a self-contained page with SVG charts, inline pictures, the data and the final metrics', async () => {
    const html = await runReportHtml([readReportRun(runFolder('one', metrics(30, { mala: true, encoder: true })))]);
    const s = reportStructure(html);
    expect(s.svgs).toBe(5);
    expect(s.imageSources).toHaveLength(1);
    expect(s.imageSources[0]).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(s.externalUrls).toEqual([]);
    expect(html).toContain('acceptance rate');
    expect(html).toContain('reverseKl');
    expect(html).toContain('trainImagesUsed');
    // The last evaluation's NLL ± standard error in the final metrics table.
    expect(html).toContain('160.00 ± 2.00');
  });

  it('draws several runs on the same axes, one colour each, and tells apart folders of the same name', async () => {
    const a = readReportRun(runFolder('lpc', metrics(20)));
    const b = readReportRun(runFolder('vae', metrics(20, { encoder: true })));
    const html = await runReportHtml([a, b, { ...b }]);
    expect(html).toContain('<title>langevin-pc: lpc vs vae vs vae (2)</title>');
    expect(reportStructure(html).svgs).toBeGreaterThanOrEqual(3);
    const chart = runCharts([
      { label: 'lpc', metrics: a.metrics },
      { label: 'vae', metrics: b.metrics },
    ])[2];
    const runs = new Set((chart.spec as { data: { values: { run: string }[] } }).data.values.map((v) => v.run));
    expect([...runs]).toEqual(['lpc', 'vae']);
  });

  it('escapes text taken from the run', async () => {
    const m = metrics(10);
    m.config = { note: '<script>alert(1)</script>' };
    const html = await runReportHtml([{ label: 'x', dir: 'x', metrics: m, samples: null, reconstructions: null }]);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('answers a folder without metrics.json with LPC_NOT_FOUND and a damaged one with LPC_CORRUPT_DATA', () => {
    expect(() => readReportRun(path.join(tmp, 'absent'))).toThrow(expect.objectContaining({ code: 'LPC_NOT_FOUND' }));
    const dir = runFolder('damaged', metrics(10));
    writeFileSync(path.join(dir, 'metrics.json'), '{"config": {}}');
    expect(() => readReportRun(dir)).toThrow(expect.objectContaining({ code: 'LPC_CORRUPT_DATA' }));
    writeFileSync(path.join(dir, 'metrics.json'), '{not json');
    expect(() => readReportRun(dir)).toThrow(expect.objectContaining({ code: 'LPC_CORRUPT_DATA' }));
  });
});
