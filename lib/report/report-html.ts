/**
 * The HTML of a run report: one self-contained page (styles inline, charts as inline SVG, pictures as PNG data
 * URIs), so that it opens from disk, mails as one file and loads nothing from the network.
 */
import type { RunMetrics } from './run-metrics.js';
import { escapeHtml, htmlPage } from './html-page.js';

/** One run as a report shows it. */
export interface ReportRun {
  label: string;
  /** The run folder, as given. */
  dir: string;
  metrics: RunMetrics;
  /** PNG bytes of the sample grid and of the reconstructions (originals beside them), when the folder has them. */
  samples: Uint8Array | null;
  reconstructions: Uint8Array | null;
}

/** A drawn chart. */
export interface RenderedChart {
  title: string;
  caption: string;
  svg: string;
}

/** The report's own style: tables of metrics, charts and picture grids. */
const REPORT_STYLE = `
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; } h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #555; } figure { margin: 0; overflow-x: auto; }
img.grid { image-rendering: pixelated; width: 448px; max-width: 100%; border: 1px solid #ccc; }
.pictures { display: flex; gap: 2em; flex-wrap: wrap; }
code { font-size: 0.95em; }
`;

/** The whole page. */
export function reportHtml(title: string, runs: readonly ReportRun[], charts: readonly RenderedChart[]): string {
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="note">Written ${escapeHtml(new Date().toISOString())} by langevin-pc. ${runs.map((r) => `<b>${escapeHtml(r.label)}</b>: ${escapeHtml(r.dir)}`).join('; ')}</p>`,
    '<h2>Final metrics</h2>',
    finalMetricsTable(runs),
    ...charts.map((c) => `<section class="chart"><h2>${escapeHtml(c.title)}</h2><p class="note">${escapeHtml(c.caption)}</p><figure>${c.svg}</figure></section>`),
    ...runs.map(runSection),
  ];
  return htmlPage(title, REPORT_STYLE, body.join('\n'));
}

function finalMetricsTable(runs: readonly ReportRun[]): string {
  const head = ['run', 'updates', 'epochs', 'seconds', 'evaluated on', 'NLL ± s.e.', 'K', '-ELBO', 'recon. MSE', 'proposal', 'best validation NLL', 'stopped early'];
  const rows = runs.map(({ label, metrics: m }) => {
    const last = m.history.at(-1);
    const fixed = (v: number | null | undefined, digits: number) => (v === null || v === undefined ? '–' : v.toFixed(digits));
    const nll = last?.nll == null ? (last?.note ?? '–') : `${last.nll.toFixed(2)} ± ${fixed(last.nllStdErr, 2)}${last.normalised === false ? ' (BCE + KL)' : ''}`;
    const best = m.best === null ? '–' : `${m.best.nll.toFixed(2)} at update ${m.best.updates}`;
    return [
      label,
      String(m.updates),
      m.epochs.toFixed(2),
      m.seconds.toFixed(1),
      m.evalSplit,
      nll,
      last?.nllK == null ? '–' : String(last.nllK),
      fixed(last?.negElbo, 2),
      fixed(last?.reconMse, 4),
      last?.proposal ?? '–',
      best,
      m.interrupted ? 'yes (Ctrl-C)' : 'no',
    ];
  });
  return table(head, rows);
}

function runSection(run: ReportRun): string {
  const pictures: string[] = [];
  if (run.samples !== null) pictures.push(picture('Samples: decoder means of z ~ N(0, I)', run.samples));
  if (run.reconstructions !== null) pictures.push(picture(`Reconstructions of ${run.metrics.evalSplit} images (each original left of its reconstruction)`, run.reconstructions));
  return [
    `<h2>Run ${escapeHtml(run.label)}</h2>`,
    pictures.length === 0 ? '<p class="note">No sample grid or reconstructions yet: they are written at the first evaluation.</p>' : `<div class="pictures">${pictures.join('')}</div>`,
    '<h3>Data</h3>',
    keyValueTable(run.metrics.dataset),
    '<h3>Configuration</h3>',
    keyValueTable(run.metrics.config),
  ].join('\n');
}

function picture(caption: string, png: Uint8Array): string {
  const src = `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
  return `<figure><img class="grid" alt="${escapeHtml(caption)}" src="${src}"><figcaption class="note">${escapeHtml(caption)}</figcaption></figure>`;
}

function keyValueTable(record: object): string {
  return table(
    ['setting', 'value'],
    Object.entries(record).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (tag: string, text: string) => `<${tag}${/^[-+]?\d/.test(text) && tag === 'td' ? ' class="num"' : ''}>${escapeHtml(text)}</${tag}>`;
  return `<table><tr>${head.map((h) => cell('th', h)).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => cell('td', c)).join('')}</tr>`).join('')}</table>`;
}
