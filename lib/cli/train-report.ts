/**
 * What `train` adds to its run folder for people to look at: at each evaluation the reconstructions and the
 * sample grid of the networks evaluated, and at each evaluation, at the end and after Ctrl-C the run report
 * (report.html), so that a long run can be watched by reloading one page. A picture or report that fails is
 * reported as a warning: it must never cost the training run.
 */
import { loadDecoder } from '../models/load-decoder.js';
import { loadEncoder } from '../models/load-encoder.js';
import { readReportRun, runReportHtml } from '../report/run-report.js';
import type { RunMetrics } from '../report/run-metrics.js';
import { RUN_FILES, type RunDirectory, type TrainingSnapshot } from '../training/run-directory.js';
import { samplesPng } from './evaluation.js';
import { reconstructionsPng } from './run-pictures.js';
import type { TrainPlan } from './train-plan.js';

/** Writes reconstructions.png and samples.png of `snapshot`'s networks; returns a warning instead of throwing. */
export async function writeEvaluationPictures(dir: RunDirectory, snapshot: TrainingSnapshot, plan: TrainPlan): Promise<string | null> {
  try {
    const c = plan.config;
    const threads = c.threads ?? undefined;
    const decoder = await loadDecoder(snapshot.decoder, plan.decoderOptions);
    const encoder = snapshot.encoder === null || plan.encoderOptions === null ? null : await loadEncoder(snapshot.encoder, plan.encoderOptions);
    const reconstructions = await reconstructionsPng(decoder, encoder, plan.evalImages, { likelihood: plan.likelihood, seed: BigInt(c.seed), ...(threads === undefined ? {} : { threads }) });
    dir.writeResult(RUN_FILES.reconstructions, reconstructions);
    dir.writeResult(RUN_FILES.samples, await samplesPng(decoder, BigInt(c.seed), threads));
    return null;
  } catch (error) {
    return `pictures not drawn: ${(error as Error).message}`;
  }
}

/** Writes DIR/report.html from `metrics` and the pictures in the folder; returns a warning instead of throwing. */
export async function writeTrainReport(dir: RunDirectory, metrics: RunMetrics): Promise<string | null> {
  try {
    dir.writeResult(RUN_FILES.report, await runReportHtml([readReportRun(dir.dir, undefined, metrics)]));
    return null;
  } catch (error) {
    return `${RUN_FILES.report} not written: ${(error as Error).message}`;
  }
}
