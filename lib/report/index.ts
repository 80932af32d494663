/**
 * Run reports: self-contained HTML pages of a run's curves, pictures, data and configuration.
 *
 * @module report
 */
export { readReportRun, runReportHtml } from './run-report.js';
export type { ReportRun } from './report-html.js';
export type { BestEvaluation, RunMetrics } from './run-metrics.js';
