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
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const machine = (j) =>
  `${j.machine.cpu}, ${j.machine.cores} cores (shared; load average ${j.machine.loadAverage.join(' / ')} at the start), Node ${j.machine.node}, onnxruntime-node ${j.machine.onnxruntimeNode}, ${j.machine.date.slice(0, 16).replace('T', ' ')} UTC`;

/** Table renderers by ID: each reads one suite's JSON. */
const TABLES = {
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
};

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
