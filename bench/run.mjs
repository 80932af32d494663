/**
 * Runs the benchmark suites (bench/suites.mjs), all that this installation has or one, in child processes.
 * In a clone the suites write bench/results/<suite>.json and a full run (not --quick) regenerates
 * bench/RESULTS.md's tables from them; in an installed npm package, which ships only the suites that need
 * nothing beyond the package, they write ./langevin-pc-bench/<suite>.json in the working directory, never into
 * node_modules. `--out DIR` picks the folder (then RESULTS.md is left alone); `--json` prints the suites'
 * results as one JSON object instead of their progress.
 *
 * Run: npm run bench [-- --suite NAME] [-- --quick] [-- --json] [-- --out DIR]   (or langevin-pc bench ...)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLONE_RESULTS_DIR, isClone, resultsFile } from './output.mjs';
import { selectSuites } from './suites.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const json = args.includes('--json');
const valueOf = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const selection = selectSuites(valueOf('--suite'));
if (selection.error !== undefined) {
  process.stderr.write(`bench: ${selection.error.code}: ${selection.error.message}\n`);
  process.exit(1);
}
const clone = isClone();
const out = valueOf('--out') !== undefined ? path.resolve(valueOf('--out')) : clone ? CLONE_RESULTS_DIR : path.resolve('langevin-pc-bench');
if (selection.skipped.length > 0 && !json) process.stdout.write(`(these suites need a clone of the repository and are skipped: ${selection.skipped.map((s) => s.name).join(', ')})\n`);
const collected = {};
for (const suite of selection.chosen) {
  if (!json) process.stdout.write(`== ${suite.name}: ${suite.what}\n`);
  const script = fileURLToPath(new URL(suite.script, import.meta.url));
  const run = spawnSync(process.execPath, [script, ...(quick ? ['--quick'] : []), '--out', out], { stdio: json ? ['ignore', 'ignore', 'inherit'] : 'inherit' });
  if (run.status !== 0) {
    process.stderr.write(`bench: suite ${suite.name} failed (exit ${run.status})${suite.needs ? `; it needs ${suite.needs}` : ''}\n`);
    process.exitCode = 1;
    continue;
  }
  collected[suite.name] = JSON.parse(readFileSync(resultsFile(suite.name, quick, out), 'utf8'));
}
// Only a clone has RESULTS.md and its renderer; its tables come from full runs written to bench/results/.
if (clone && !quick && out === CLONE_RESULTS_DIR) {
  const { renderResults } = await import('./render-results.mjs');
  renderResults();
}
if (json) process.stdout.write(`${JSON.stringify(collected, null, 2)}\n`);
else process.stdout.write(`results in ${out}\n`);
