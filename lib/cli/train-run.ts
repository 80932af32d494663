/**
 * The training loop of `langevin-pc train`: it trains in segments that end where something is due (an
 * evaluation every `evalEvery` updates, a checkpoint every `checkpointEvery` updates and at the end of each
 * epoch, the end of the run), so that evaluations and checkpoints always see the trainer between two updates,
 * in this thread or in a worker alike. Evaluations score the exported networks, reopened, on the fixed test
 * images; every number they produce and every trace point is a function of the seed and the updates done,
 * which is what makes a resumed run end exactly where an uninterrupted one ends.
 *
 * Order at a point where both are due: evaluate, then checkpoint (so the checkpoint's history holds the
 * evaluation). A run resumed from a checkpoint taken before a due evaluation (SIGINT between the two)
 * evaluates first.
 */
import type { EvaluationResult } from '../eval/evaluate.js';
import { LpcError } from '../errors.js';
import { loadDecoder } from '../models/load-decoder.js';
import { loadEncoder } from '../models/load-encoder.js';
import type { BestEvaluation, RunMetrics } from '../report/run-metrics.js';
import { MetricsHistory, type HistoryPoint } from '../training/metrics-history.js';
import { RUN_FILES, type RunCheckpoint, RunDirectory, type TrainingSnapshot } from '../training/run-directory.js';
import { evaluateNetworks, evaluationLikelihood, learnedLogSigma, missingEvaluation, pointEvaluation, samplesPng } from './evaluation.js';
import { InterruptGuard } from './interrupt.js';
import * as flags from './options.js';
import { startBackend, type TrainingBackend } from './train-backend.js';
import { checkSameConfig, mergeConfig, parseTrainFlags, TRAIN_CONFIG_VERSION, type TrainConfig, type TrainFlags } from './train-config.js';
import type { EvaluationSplit } from './datasets.js';
import { type DatasetSummary, resolveTrainPlan, type TrainPlan } from './train-plan.js';
import { progressMode, TrainProgress } from './train-progress.js';
import { writeEvaluationPictures, writeTrainReport } from './train-report.js';

/** What metrics.json (and `train --json`) holds: RunMetrics with the CLI's configuration and data summary. */
export type TrainMetrics = RunMetrics<TrainConfig, DatasetSummary, EvaluationSplit>;

/** Where train writes. */
export interface TrainIo {
  stdout: (text: string) => void;
  /** Progress and messages. */
  stderr: NodeJS.WritableStream;
}

/**
 * Runs `train` with the flags given; returns the metrics (also written to DIR/metrics.json).
 *
 * @example
 * const metrics = await runTrain({ dataset: 'mnist', binarize: true, epochs: '1', out: 'runs/a', json: true }, { stdout: (s) => process.stdout.write(s), stderr: process.stderr });
 */
export async function runTrain(options: TrainFlags, io: TrainIo): Promise<TrainMetrics> {
  const given = parseTrainFlags(options);
  const run = new RunDirectory(flags.prepareOutDir(options.out ?? 'run'));
  let checkpoint: RunCheckpoint | null = null;
  let plan: TrainPlan;
  if (options.resume) {
    if (!run.hasCheckpoint()) throw new LpcError('LPC_NOT_FOUND', `--resume: ${run.dir} has no checkpoint (${RUN_FILES.checkpoint}/manifest.json); train without --resume to start a run there`);
    checkpoint = run.readCheckpoint();
    const saved = checkpoint.config as TrainConfig;
    if (typeof saved !== 'object' || saved === null || saved.version !== TRAIN_CONFIG_VERSION) {
      throw new LpcError('LPC_CHECKPOINT', `the checkpoint in ${run.dir} holds no training configuration of version ${TRAIN_CONFIG_VERSION}`);
    }
    try {
      plan = await resolveTrainPlan(mergeConfig(given, saved), given, { decoder: checkpoint.decoder, encoder: checkpoint.encoder });
    } catch (error) {
      // A given flag that contradicts the run can make the merged options inconsistent: report the contradiction.
      if (error instanceof LpcError && error.code === 'LPC_INVALID_ARGUMENT') checkSameConfig(saved, given, run.dir);
      throw error;
    }
    checkSameConfig(saved, plan.config, run.dir);
    if (checkpoint.rejected.length > 0 && options.json !== true) {
      const damaged = checkpoint.rejected.map((r) => `generation ${r.generation} (${r.problem})`).join('; ');
      io.stderr.write(`resuming from checkpoint generation ${checkpoint.generation} at update ${checkpoint.updates}: newer ones are damaged: ${damaged}\n`);
    }
  } else {
    if (run.hasCheckpoint()) {
      throw new LpcError('LPC_INVALID_ARGUMENT', `--out ${run.dir} already holds a run (${RUN_FILES.checkpoint}/manifest.json); pass --resume to continue it, or choose another --out`);
    }
    plan = await resolveTrainPlan(given, given, null);
  }
  const metrics = checkpoint === null ? new MetricsHistory() : MetricsHistory.fromJSON(checkpoint.metrics, `${RUN_FILES.checkpoint} metrics of ${run.dir}`);
  const backend = await startBackend(plan.trainer, plan.config.worker);
  try {
    if (checkpoint !== null) await backend.setState(checkpoint.state);
    return await new TrainLoop(plan, run, backend, metrics, io, options.json === true, checkpoint?.updates ?? 0).run();
  } finally {
    await backend.close();
  }
}

/** The loop and the bookkeeping around it. */
class TrainLoop {
  readonly #config: TrainConfig;
  #updates: number;
  #lastCheckpoint: number;
  #snapshot: { updates: number; value: TrainingSnapshot } | null = null;
  readonly #progress: TrainProgress;

  constructor(
    private readonly plan: TrainPlan,
    private readonly dir: RunDirectory,
    private readonly backend: TrainingBackend,
    private readonly metrics: MetricsHistory,
    private readonly io: TrainIo,
    private readonly json: boolean,
    start: number,
  ) {
    this.#config = plan.config;
    this.#updates = start;
    this.#lastCheckpoint = start > 0 ? start : -1;
    this.#progress = new TrainProgress(progressMode(io.stderr as { isTTY?: boolean }, json), io.stderr, start, plan.totalUpdates);
  }

  async run(): Promise<TrainMetrics> {
    if (this.#updates > this.plan.totalUpdates) {
      this.#progress.log(`the run already has ${this.#updates} updates, more than the ${this.plan.totalUpdates} asked for: nothing to train`);
    }
    const guard = new InterruptGuard((text) => this.io.stderr.write(text));
    try {
      for (;;) {
        if (!guard.interrupted) {
          if (this.#evaluationDue() && this.metrics.history.at(-1)?.updates !== this.#updates) await this.#evaluate();
          if (this.#checkpointDue() && this.#lastCheckpoint !== this.#updates) await this.#checkpoint();
        }
        if (guard.interrupted || this.#updates >= this.plan.totalUpdates) break;
        await this.#segment(this.#nextStop(), guard.signal);
      }
      if (guard.interrupted) {
        if (this.#lastCheckpoint !== this.#updates) await this.#checkpoint();
        const result = this.#metricsJson(true);
        this.dir.writeResult(RUN_FILES.metrics, `${JSON.stringify(result, null, 2)}\n`);
        await this.#report(result);
        this.#progress.stop();
        this.io.stderr.write(`stopped after update ${this.#updates}: checkpoint written to ${this.dir.store.dir}; continue with the same command and --resume\n`);
        if (this.json) this.io.stdout(`${JSON.stringify(result)}\n`);
        return result;
      }
      this.#progress.stop();
      return await this.#finish();
    } finally {
      guard.dispose();
      this.#progress.stop();
    }
  }

  /** The next update count at which something is due. */
  #nextStop(): number {
    const next = (every: number) => (Math.floor(this.#updates / every) + 1) * every;
    const c = this.#config;
    return Math.min(this.plan.totalUpdates, next(c.evalEvery), next(c.checkpointEvery), next(this.plan.updatesPerEpoch));
  }

  #evaluationDue(): boolean {
    return this.#updates % this.#config.evalEvery === 0 || this.#updates === this.plan.totalUpdates;
  }

  #checkpointDue(): boolean {
    const u = this.#updates;
    return u > 0 && (u % this.#config.checkpointEvery === 0 || u % this.plan.updatesPerEpoch === 0 || u === this.plan.totalUpdates);
  }

  async #segment(stop: number, signal: AbortSignal): Promise<void> {
    for await (const event of this.backend.run({ data: this.plan.train, batchSize: this.#config.batch, updates: stop, signal })) {
      if (event.type !== 'update') continue;
      this.metrics.addUpdate(event);
      this.#updates = event.update;
      this.#progress.update(event);
    }
  }

  /** The snapshot at the current update (taken once per update count). */
  async #snapshotNow(): Promise<TrainingSnapshot> {
    if (this.#snapshot?.updates !== this.#updates) this.#snapshot = { updates: this.#updates, value: await this.backend.snapshot() };
    return this.#snapshot.value;
  }

  async #evaluate(): Promise<void> {
    const started = performance.now();
    const snapshot = await this.#snapshotNow();
    const likelihood = evaluationLikelihood(this.plan.likelihood, learnedLogSigma(snapshot.state));
    let result: EvaluationResult | null = null;
    if (likelihood.spec !== undefined) {
      const decoder = await loadDecoder(snapshot.decoder, this.plan.decoderOptions);
      const encoder = snapshot.encoder === null || this.plan.encoderOptions === null ? null : await loadEncoder(snapshot.encoder, this.plan.encoderOptions);
      const c = this.#config;
      result = await evaluateNetworks(decoder, encoder, this.plan.evalImages, {
        likelihood: likelihood.spec,
        iwae: c.evalIwae,
        seed: BigInt(c.seed),
        ...(c.threads === null ? {} : { threads: c.threads }),
      });
    }
    const onGrid = this.#updates % this.#config.evalEvery === 0;
    const previousBest = this.#best();
    const point = this.metrics.addPoint(
      { updates: this.#updates, epochs: this.#updates / this.plan.updatesPerEpoch, onGrid },
      result === null ? missingEvaluation(likelihood.note ?? 'not evaluated') : pointEvaluation(result),
    );
    // A new best validation NLL keeps its networks, so early stopping needs no second run.
    if (this.plan.evalSplit === 'validation' && point.nll !== null && (previousBest === null || point.nll < previousBest.nll)) {
      this.dir.writeResult(`${RUN_FILES.best}/${RUN_FILES.decoder}`, snapshot.decoder);
      if (snapshot.encoder !== null) this.dir.writeResult(`${RUN_FILES.best}/${RUN_FILES.encoder}`, snapshot.encoder);
    }
    this.#progress.log(describePoint(point, this.plan, (performance.now() - started) / 1000));
    const warning = await writeEvaluationPictures(this.dir, snapshot, this.plan);
    if (warning !== null) this.#progress.log(warning);
    await this.#report(this.#metricsJson(false));
  }

  /** Rewrites report.html; a failure is a warning, never the end of the run. */
  async #report(metrics: TrainMetrics): Promise<void> {
    const warning = await writeTrainReport(this.dir, metrics);
    if (warning !== null) this.#progress.log(warning);
  }

  async #checkpoint(): Promise<void> {
    const snapshot = await this.#snapshotNow();
    this.dir.writeCheckpoint(snapshot, {
      config: this.#config,
      metrics: this.metrics.toJSON(),
      epoch: Math.floor(this.#updates / this.plan.updatesPerEpoch),
    });
    this.#lastCheckpoint = this.#updates;
  }

  /** Writes the result files and prints the summary. */
  async #finish(): Promise<TrainMetrics> {
    const snapshot = await this.#snapshotNow();
    this.dir.writeResult(RUN_FILES.decoder, snapshot.decoder);
    if (snapshot.encoder !== null) this.dir.writeResult(RUN_FILES.encoder, snapshot.encoder);
    const decoder = await loadDecoder(snapshot.decoder, this.plan.decoderOptions);
    const c = this.#config;
    this.dir.writeResult(RUN_FILES.samples, await samplesPng(decoder, BigInt(c.seed), c.threads ?? undefined));
    const result = this.#metricsJson(false);
    this.dir.writeResult(RUN_FILES.metrics, `${JSON.stringify(result, null, 2)}\n`);
    await this.#report(result);
    this.io.stdout(this.json ? `${JSON.stringify(result)}\n` : describeResult(result, this.plan, this.dir.dir, snapshot.encoder !== null));
    return result;
  }

  /** The history's lowest validation NLL (the first of equals), or null. */
  #best(): BestEvaluation | null {
    if (this.plan.evalSplit !== 'validation') return null;
    let best: BestEvaluation | null = null;
    for (const p of this.metrics.history) if (p.nll !== null && (best === null || p.nll < best.nll)) best = { updates: p.updates, nll: p.nll };
    return best;
  }

  #metricsJson(interrupted: boolean): TrainMetrics {
    const m = this.metrics.toJSON();
    return {
      config: this.#config,
      dataset: this.plan.dataset,
      evalSplit: this.plan.evalSplit,
      best: this.#best(),
      updates: this.#updates,
      epochs: this.#updates / this.plan.updatesPerEpoch,
      seconds: m.seconds,
      interrupted,
      history: m.history,
      traces: m.traces,
    };
  }
}

/** What a score is called: an NLL, or BCE + KL on grey values, of the split it scored. */
function nllName(point: HistoryPoint, split: EvaluationSplit): string {
  return `${split} ${point.normalised === false ? 'BCE+KL bound' : 'NLL'}`;
}

function describePoint(point: HistoryPoint, plan: TrainPlan, evalSeconds: number): string {
  const head = `update ${point.updates}/${plan.totalUpdates} (epoch ${point.epochs.toFixed(2)})`;
  const energy = point.trainEnergy === null ? '' : `, train energy ${point.trainEnergy.toFixed(2)}`;
  if (point.nll === null) return `${head}${energy}; not evaluated: ${point.note}`;
  const elbo = point.negElbo === null ? '' : `, -ELBO ${point.negElbo.toFixed(2)}`;
  return `${head}: ${nllName(point, plan.evalSplit)} ${point.nll.toFixed(2)} ± ${(point.nllStdErr ?? 0).toFixed(2)} (K=${point.nllK})${elbo}${energy} [${point.seconds.toFixed(1)} s training, eval ${evalSeconds.toFixed(1)} s]`;
}

function describeResult(result: TrainMetrics, plan: TrainPlan, dir: string, encoder: boolean): string {
  const c = result.config;
  const last = result.history.at(-1);
  const lines = [`trained ${result.updates} updates (${result.epochs.toFixed(2)} epochs) of ${c.algo} on ${c.trainImages} ${c.dataset} images in ${result.seconds.toFixed(1)} s of training`];
  if (last !== undefined && last.nll !== null) {
    const images = `${plan.evalImages.count}${c.binarize ? ' binarised' : ''} ${plan.evalSplit} images`;
    lines.push(
      `${nllName(last, plan.evalSplit)} ${last.nll.toFixed(2)} ± ${(last.nllStdErr ?? 0).toFixed(2)} nats per image (importance sampling, K = ${last.nllK}, ${images}, proposal ${last.proposal})`,
    );
    if (last.negElbo !== null) lines.push(`${plan.evalSplit} -ELBO ${last.negElbo.toFixed(2)} nats per image${last.normalised === false ? ' (BCE + KL: grey-valued Bernoulli data)' : ''}`);
  } else if (last !== undefined) {
    lines.push(`not evaluated: ${last.note}`);
  }
  if (result.best !== null) lines.push(`best validation NLL ${result.best.nll.toFixed(2)} at update ${result.best.updates} (its networks: ${dir}/${RUN_FILES.best}/)`);
  const files = [RUN_FILES.decoder, ...(encoder ? [RUN_FILES.encoder] : []), RUN_FILES.samples, RUN_FILES.reconstructions, RUN_FILES.report, RUN_FILES.metrics, `${RUN_FILES.checkpoint}/`];
  lines.push(`wrote ${files.map((f) => `${dir}/${f}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
