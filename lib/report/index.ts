/** Pictures and reports: PNG grids of result images (encoded with the data layer's PNG codec), and run reports as self-contained HTML pages. */
export { type BatchShape, imageGridPng, type ImageGridOptions, writeImageGrid } from './image-grid.js';
export { readReportRun, runReportHtml } from './run-report.js';
export type { ReportRun } from './report-html.js';
export type { RunMetrics } from './run-metrics.js';
