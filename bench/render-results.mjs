/**
 * Regenerates the tables of bench/RESULTS.md from bench/results/<suite>.json, so that no number in them is
 * typed by hand: each table sits between `<!-- generated:ID -->` and `<!-- /generated:ID -->` and is
 * replaced whole; a table whose suite has no results file is left as it is.
 *
 * Run: node bench/render-results.mjs   (npm run bench runs it after the suites)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RESULTS_MD = new URL('./RESULTS.md', import.meta.url);
const ms = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const range = (s, f = ms) => `${f(s.median)} [${f(s.min)}, ${f(s.max)}]`;
const ratio = (v) => v.toFixed(2);
const ratio3 = (v) => v.toFixed(3);
const per = (s, k, f) => range({ median: s.median / k, min: s.min / k, max: s.max / k }, f);
const fixed = (digits) => (v) => v.toFixed(digits);
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const machine = (j) =>
  `${j.machine.cpu}, ${j.machine.cores} cores (shared; load average ${j.machine.loadAverage.join(' / ')} at the start), Node ${j.machine.node}, onnxruntime-node ${j.machine.onnxruntimeNode}, ${j.machine.date.slice(0, 16).replace('T', ' ')} UTC`;

/** Table renderers by ID: each reads one suite's JSON. */
const TABLES = {
  native: [
    'native',
    (j) =>
      `${table(
        ['kind', 'threads', 'elements', 'step Melem/s, median [min, max]', 'step GB/s', 'copy GB/s, median [min, max]', 'fractionOfCopy, median [min, max]'],
        j.results.map((r) => [
          r.kind,
          String(r.threads),
          String(r.elements),
          per(r.stepElementsPerSecond, 1e6, fixed(1)),
          (r.stepBytesPerSecond.median / 1e9).toFixed(2),
          per(r.copyBytesPerSecond, 1e9, fixed(2)),
          range(r.fractionOfCopy, ratio),
        ]),
      )}\n\n${table(
        ['normals', 'threads', 'count', 'Mnormals/s, median [min, max]'],
        j.normals.map((n) => ['Rng.normal', String(n.threads), String(n.count), per(n.normalsPerSecond, 1e6, fixed(1))]),
      )}\n\n${machine(j)}; ${j.samples} samples of at least ${j.minSampleSeconds * 1000} ms each, step and copy alternating; ${j.seconds.toFixed(1)} s in all.`,
  ],
  gradients: [
    'gradients',
    (j) =>
      `${table(
        ['graph', 'threads', 'B', 'ms, median [min, max]', 'GFLOP/s', 'ceiling GFLOP/s', 'efficiencyVsMatMul, median [min, max]'],
        j.results.map((r) => [r.graph, String(r.threads), String(r.batch), range(r.ms), r.gflops.toFixed(1), r.ceilingGflops.toFixed(1), range(r.efficiencyVsMatMul, ratio3)]),
      )}\n\n${machine(j)}; ${j.rounds} interleaved rounds of about ${j.budgetMs / j.rounds} ms per session; ${j.seconds.toFixed(0)} s in all.`,
  ],
  'step-overhead': [
    'step-overhead',
    (j) =>
      `${table(
        ['B x K', 'Langevin step ms per evaluation', 'onnxruntime run ms', 'EnergyModel.evaluate ms', 'overheadVsOrtRun, median [min, max]', 'evaluate / run'],
        j.results.map((r) => [`${r.B} x ${r.K}`, range(r.stepMs), range(r.ortRunMs), range(r.evaluateMs), range(r.overheadVsOrtRun, ratio3), range(r.evaluateVsOrtRun, ratio3)]),
      )}\n\n${machine(j)}; ${j.rounds} interleaved rounds, a sampler run of ${j.results[0].steps} steps per round, one thread.`,
  ],
  'step-overhead:bookkeeping': [
    'step-overhead',
    (j) =>
      `${table(
        ['B x K x d', 'bare ULA loop', 'sampler, ULA', 'ULA overhead', 'sampler, ULA keeping every state after T/2', 'bare MALA loop', 'sampler, MALA', 'MALA overhead'],
        j.bookkeeping.results.map((r) => [
          `${r.B} x ${r.K} x ${r.d}`,
          ...['bareUla', 'samplerUla', 'ulaOverhead', 'samplerKeep', 'bareMala', 'samplerMala', 'malaOverhead'].map((k) => range(r[k], fixed(1))),
        ]),
      )}\n\nMicroseconds per step, median [min, max] over ${j.bookkeeping.repeats} interleaved repeats of ${j.bookkeeping.steps}-step runs (overheads taken per repeat); same run as above.`,
  ],
  'update-profile:phases': [
    'update-profile',
    (j) =>
      `${table(
        ['phase (one thread, batch 64)', 'ms, median [min, max]', 'GFLOP/s'],
        j.results.map((r) => [r.label, range(r), r.gflops === undefined ? '' : r.gflops.toFixed(1)]),
      )}\n\n${machine(j)}; ${j.rounds} rounds of ${j.reps} runs.`,
  ],
  'update-profile:roofline': [
    'update-profile',
    (j) =>
      table(
        ['update', 'MFLOP per update', 'ceiling GFLOP/s', 'floor ms', 'measured ms', 'efficiencyVsMatMul'],
        j.roofline.map((r) => {
          const measured = j.results.find((x) => x.label.toLowerCase().startsWith(r.update));
          return [r.update.toUpperCase(), r.mflops.toFixed(0), r.ceilingGflops.toFixed(1), ms(r.floorMs), ms(measured.median), ratio(measured.efficiencyVsMatMul)];
        }),
      ),
  ],
  threads: [
    'threads',
    (j) =>
      `${table(
        ['update', 'threads', 'ms, median [min, max]', 'speedupOverOneThread'],
        j.results.map((r) => [r.update.toUpperCase(), String(r.threads), range(r.ms), range(r.speedupOverOneThread, ratio)]),
      )}\n\n${machine(j)}; ${j.rounds} rounds, each thread count in its own process.`,
  ],
  throughput: [
    'throughput',
    (j) =>
      `${table(
        ['T', 'ms per update, median [min, max]', 'line fixed + perStep T'],
        j.results.map((r) => [String(r.steps), range(r.ms), ms(r.lineMs)]),
      )}\n\nLine: ${ms(j.line.fixedMs)} ms + ${j.line.perStepMs.toFixed(3)} ms per step; the energy graph's run alone ${range(j.energyRunMs)} ms; overheadVsOrtRun ${ratio(j.overheadVsOrtRun)}. ${machine(j)}.`,
  ],
  'gemm-layouts': [
    'gemm-layouts',
    (j) =>
      `${table(
        ['layer (in -> out)', 'product', 'layout', 'ms, median [min, max]', 'GFLOP/s'],
        j.results.map((r) => [r.layer, r.role, r.layout, range(r.ms, fixed(3)), r.gflops.toFixed(1)]),
      )}\n\n${machine(j)}; batch ${j.batch}, one thread, ${j.rounds} interleaved rounds of ${j.runsPerRound} runs (median per round).`,
  ],
  subnormals: [
    'subnormals',
    (j) =>
      `${table(
        ['case (one thread)', 'updates', 'first fifth ms: flush / keep', 'last fifth ms: flush / keep', 'speedupFromFlush (last fifth), median [min, max]', 'final loss: flush / keep'],
        j.results.map((r) => [
          r.label,
          String(r.updates),
          `${ms(r.flush.earlyMs.median)} / ${ms(r.keep.earlyMs.median)}`,
          `${ms(r.flush.lateMs.median)} / ${ms(r.keep.lateMs.median)}`,
          range(r.speedupFromFlush, ratio),
          `${r.flush.finalLoss.toFixed(2)} / ${r.keep.finalLoss.toFixed(2)}`,
        ]),
      )}\n\n${machine(j)}; the two runs of a case alternate in chunks of ${j.chunk} updates; ${j.seconds.toFixed(0)} s in all.`,
  ],
  memory: [
    'memory',
    (j) =>
      `${table(
        ['B', 'K', 'kept states (T B K)', 'peak RSS MB', 'over the library alone MB'],
        j.results.map((r) => [String(r.batch), String(r.chains), String(r.keptStates), r.peakRssMb.toFixed(0), r.overBaselineMb.toFixed(0)]),
      )}\n\nThe library alone: ${j.baselineRssMb.toFixed(0)} MB. ${machine(j)}.`,
  ],
  spatial: [
    'spatial',
    (j) =>
      `${table(
        ['images x chains', 'threads', 'level', 'ms per Langevin step per image', 'gradient graph ms', 'GFLOP per run', 'GFLOP/s', 'Conv 3x3 GFLOP/s', 'ratio to Conv', 'ConvTranspose GFLOP/s'],
        j.results.map((r) => [
          `${r.B} x ${r.K}`,
          String(r.threads),
          r.optimization,
          range(r.stepMsPerImage),
          range(r.graphMs),
          r.graphGflop.toFixed(2),
          r.graphGflops.toFixed(1),
          r.convGflops.toFixed(1),
          ratio(r.ratioToConv),
          r.convTransposeGflops.toFixed(1),
        ]),
      )}\n\n${machine(j)}; ${j.rounds} interleaved rounds of about ${j.budgetMs} ms per case; a Langevin run of ${j.steps} steps.`,
  ],
  peers: [
    'peers',
    (j) =>
      `${table(
        ['case (one thread)', 'peer', 'langevin-pc ms', 'peer ms', 'ratio (peer / ours), median [min, max]', 'loss: ours / peer'],
        j.results.flatMap((r) =>
          r.peers.map((p) => [r.label, p.peer, range(r.oursMs), range(p.ms), `${p.ratioName} ${range(p[p.ratioName], ratio)}`, `${r.lossName} ${r.oursLoss.toFixed(1)} / ${p.loss.toFixed(1)}`]),
        ),
      )}\n\n${machine(j)}; ${j.rounds} interleaved rounds of ${j.updatesPerRound} timed updates per side (fewer for the slowest cases).`,
  ],
  literature: [
    'literature',
    (j) =>
      `${table(
        ['stage i', 'epochs (in all)', 'learning rate', 'test NLL (K = 5000)', '-ELBO', 'gap to 86.76', 'training s so far', 'eval s'],
        j.stages.map((s) => [
          String(s.stage),
          `${s.epochs} (${s.totalEpochs})`,
          s.lr.toExponential(2),
          `${s.nll.toFixed(2)} ± ${s.nllStdErr.toFixed(2)}`,
          `${s.negElbo.toFixed(2)} ± ${s.negElboStdErr.toFixed(2)}`,
          (s.nll - j.protocol.anchor).toFixed(2),
          s.trainSeconds.toFixed(0),
          s.evalSeconds.toFixed(0),
        ]),
      )}\n\n${j.protocol.data}; ${j.protocol.estimator}; ± one standard error over the test images. ${machine(j)}.`,
  ],
  'conv-quality': ['conv-quality', (j) => renderConvQuality(j)],
  'conv-quality:t20': ['conv-quality-t20', (j) => renderConvQuality(j)],
  'evidence:selection': ['evidence', (j) => renderSelection(j)],
  'evidence:comparisons': ['evidence', (j) => renderComparisons(j)],
  'evidence:k': ['evidence', (j) => renderKConvergence(j)],
  'evidence:dispersion': ['evidence', (j) => renderDispersion(j)],
};

const nats = (v) => v.toFixed(2);
const pm = (v, se) => `${v >= 0 ? '+' : ''}${v.toFixed(2)} ± ${se.toFixed(2)}`;

/** Every selection candidate's validation NLL, one column per dataset; the selected ones in bold. */
function renderSelection(j) {
  const labels = [...new Set(j.datasets.flatMap((d) => d.selection.candidates.map((c) => c.label)))];
  const cell = (d, l) => {
    const c = d.selection.candidates.find((x) => x.label === l);
    if (c === undefined) return '—';
    const text = Number.isFinite(c.validationNll) ? nats(c.validationNll) : c.status === 'degenerate' ? 'degenerate (an encoder sigma below e^-40)' : (c.status ?? 'failed');
    return l === d.selection.lpc.label || l === d.selection.vae.label ? `**${text}**` : text;
  };
  const d0 = j.datasets[0].selection;
  return `${table(
    ['candidate', ...j.datasets.map((d) => `${d.name}: validation NLL`)],
    labels.map((l) => [l, ...j.datasets.map((d) => cell(d, l))]),
  )}\n\n${d0.epochs} epoch (${d0.updates} updates) per candidate; the first ${d0.validationImages} validation images, K = ${d0.K}, ${d0.estimator}. Bold: selected.`;
}

/** LPC against the VAE on the test images: paired differences at equal updates, seconds and decoder passes. */
function renderComparisons(j) {
  const rows = j.datasets.flatMap((d) =>
    d.comparisons.map((c) => [
      d.name,
      c.axis,
      `${c.lpcUpdates} / ${c.vaeUpdates}`,
      nats(c.lpc),
      nats(c.vae),
      `**${pm(c.diff, c.seDiff)}**`,
      `${c.seedSpread.min.toFixed(2)} … ${c.seedSpread.max.toFixed(2)}`,
      c.encoderProposal === null ? '—' : pm(c.encoderProposal.diff, c.encoderProposal.seDiff),
      (j.conclusions ?? []).find((x) => x.dataset === d.name && x.axis === c.axis)?.favours ?? '—',
    ]),
  );
  const timing = j.datasets
    .filter((d) => d.timing !== null)
    .map((d) => `${d.name} ${d.timing.lpcMsPerUpdate.toFixed(1)} against ${d.timing.vaeMsPerUpdate.toFixed(1)} ms (LPC / VAE ${range(d.timing.lpcOverVae, ratio)})`)
    .join('; ');
  const f = j.datasets[0].final;
  return `${table(['dataset', 'axis', 'updates LPC / VAE', 'LPC NLL', 'VAE NLL', 'LPC - VAE ± paired SE', 'per-seed differences', 'same, encoder proposal', 'favours'], rows)}\n\nNats per image on the first ${f.testImages} test images, K = ${f.K}, the declared proposal (Langevin-refined from the encoder), seeds ${j.datasets[0].comparisons[0]?.seeds ?? 0} per model, paired by seed; a comparison favours the lower NLL when the difference exceeds two paired standard errors and every seed agrees in sign. Seconds per update, side by side, one thread: ${timing}. ${machine(j)}.`;
}

/** The LPC - VAE difference as K grows (nested estimates on the same images). */
function renderKConvergence(j) {
  const rows = j.datasets.flatMap((d) =>
    d.kConvergence.map((k) => [
      d.name,
      String(k.K),
      nats(k.lpc),
      nats(k.vae),
      pm(k.diff, k.seDiff),
      k.encoderProposal === null ? '—' : `${nats(k.encoderProposal.lpc)} / ${nats(k.encoderProposal.vae)} (${pm(k.encoderProposal.diff, k.encoderProposal.seDiff)})`,
    ]),
  );
  return `${table(['dataset', 'K', 'LPC NLL', 'VAE NLL', 'LPC - VAE ± paired SE', 'encoder proposal: LPC / VAE (difference)'], rows)}\n\nSeed 1's final models, the first ${j.datasets[0].kConvergenceImages} test images; the estimate at each K reuses the draws of the smaller K.`;
}

/** The training sampler's chains against adapted MALA on the same posteriors, per dataset and model. */
function renderDispersion(j) {
  const r2 = fixed(2);
  const rows = j.datasets.flatMap((d) =>
    Object.entries(d.dispersion ?? {}).map(([algo, x]) => {
      const v = x.varianceRatio;
      return [
        `${d.name}, ${algo.toUpperCase()} model`,
        `${r2(v.median)} [${r2(v.p10)}, ${r2(v.p90)}]`,
        v.byReferenceVarianceQuartile.map((q) => r2(q.varianceRatio.median)).join(' / '),
        `${(100 * v.above2).toFixed(1)}% / ${(100 * v.below0_5).toFixed(1)}%`,
        r2(x.meanOffset.median),
        `${x.acceptance.mean.toFixed(2)} (min ${x.acceptance.min.toFixed(2)})`,
        `${x.rhat.median.toFixed(3)} (max ${x.rhat.max.toFixed(3)})`,
        `${x.ess.median.toFixed(0)} (min ${x.ess.min.toFixed(0)}) of ${x.ess.drawsPerImage}`,
      ];
    }),
  );
  const any = j.datasets.map((d) => d.dispersion?.lpc ?? d.dispersion?.vae).find((x) => x !== undefined);
  if (any === undefined) return '';
  const f = any.exactSamplerFloor;
  const t = any.settings.training;
  const m = any.settings.reference;
  return `${table(['posteriors of', 'variance ratio, median [p10, p90]', 'median ratio by reference-variance quartile (stiffest first)', 'ratio > 2 / < 0.5', 'mean offset (reference sd)', 'MALA acceptance', 'MALA split-R-hat, median', 'MALA ESS, median'], rows)}\n\nThe first ${any.settings.images} test images, every latent dimension. Training sampler: ${t.chains} chains per image of ${t.sampler.toUpperCase()}, T = ${t.steps}, eta ${t.stepSize}, ${t.preconditioner}${t.momentum ? ' with momentum' : ''}, from the encoder's q (the selected LPC's settings, on both models); the ratio is its per-dimension variance at z_T over the reference's. Reference: MALA, ${m.chains} chains per image from the encoder's q with sigma doubled, ${m.preconditioner} frozen with the step size after ${m.warmup} warm-up steps adapted toward ${m.targetAccept} acceptance, ${m.keptSteps} kept steps thinned by ${m.thin}. An exact sampler with as many chains would show a median ratio of ${r2(f.varianceRatio.median)} [${r2(f.varianceRatio.p10)}, ${r2(f.varianceRatio.p90)}], ${(100 * f.varianceRatio.above2).toFixed(1)}% above 2, ${(100 * f.varianceRatio.below0_5).toFixed(1)}% below 0.5 and a median offset of ${r2(f.meanOffset.median)} (sampling noise alone).`;
}

/** Fréchet distance of both models' samples against updates, with their seconds and decoder passes. */
function renderConvQuality(j) {
  const lpc = j.settings.lpc;
  const at = (model, updates) => j.rows.find((r) => r.model === model && r.updates === updates);
  const updates = [...new Set(j.rows.map((r) => r.updates))].sort((a, b) => a - b);
  const d = j.setup.distance;
  const m = j.machine;
  const loads = j.rows.map((r) => r.loadAverage[0]);
  return `${table(
    ['updates', 'VAE fd', 'LPC fd', 'VAE training s', 'LPC training s', 'VAE decoder passes, millions', 'LPC decoder passes, millions'],
    updates.map((u) => {
      const [v, l] = [at('vae', u), at('lpc', u)];
      return [String(u), v.fd.toFixed(2), l.fd.toFixed(2), v.trainSeconds.toFixed(0), l.trainSeconds.toFixed(0), (v.decoderPasses / 1e6).toFixed(2), (l.decoderPasses / 1e6).toFixed(2)];
    }),
  )}\n\nLPC: ${lpc.init === 'encoder' ? `amortised (${lpc.objective} encoder objective)` : 'from the prior'}, ${lpc.precond}${lpc.momentum ? '+momentum' : ''}, T = ${lpc.T}, eta = ${lpc.eta}, the decoder's gradient at the last state (${at('lpc', updates[0]).decoderPassesPerImage} decoder passes per image per update; the VAE 1). fd: ${d.network}, ${d.real} against ${d.samples}; ${d.note}. Two sets of real images score ${d.floor.fd.toFixed(2)} (${d.floor.what}). ${m.cpu}, ${m.cores} cores (shared; load average ${Math.min(...loads)} to ${Math.max(...loads)} at the evaluation points), Node ${m.node}, onnxruntime-node ${m.onnxruntimeNode}, ${m.date.slice(0, 16).replace('T', ' ')} UTC; ${j.seconds.toFixed(0)} s in all.`;
}

/** Rewrites every generated table whose results file exists; returns the IDs rewritten. */
export function renderResults() {
  let text = readFileSync(RESULTS_MD, 'utf8');
  const done = [];
  for (const [id, [suite, render]] of Object.entries(TABLES)) {
    const file = new URL(`./results/${suite}.json`, import.meta.url);
    const open = `<!-- generated:${id} -->`;
    const close = `<!-- /generated:${id} -->`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (!existsSync(file) || start < 0 || end < start) continue;
    const body = render(JSON.parse(readFileSync(file, 'utf8')));
    text = `${text.slice(0, start + open.length)}\n${body}\n${text.slice(end)}`;
    done.push(id);
  }
  writeFileSync(RESULTS_MD, text);
  return done;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`regenerated: ${renderResults().join(', ') || 'nothing'}`);
