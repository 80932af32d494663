/**
 * Runs the benchmark suites (bench/suites.mjs), all or one, in child processes, then regenerates
 * bench/RESULTS.md's tables from the JSON they wrote. `--json` prints the suites' results as one JSON
 * object instead of their progress.
 *
 * Run: npm run bench [-- --suite NAME] [-- --quick] [-- --json]   (or langevin-pc bench ...)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderResults } from './render-results.mjs';
import { SUITES } from './suites.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const json = args.includes('--json');
const name = args.includes('--suite') ? args[args.indexOf('--suite') + 1] : undefined;
const chosen = name === undefined ? SUITES : SUITES.filter((s) => s.name === name);
if (chosen.length === 0) {
  process.stderr.write(`bench: LPC_INVALID_ARGUMENT: --suite must be one of ${SUITES.map((s) => s.name).join(', ')}; received ${name}\n`);
  process.exit(1);
}
const collected = {};
for (const suite of chosen) {
  if (!json) process.stdout.write(`== ${suite.name}: ${suite.what}\n`);
  const script = fileURLToPath(new URL(suite.script, import.meta.url));
  const run = spawnSync(process.execPath, [script, ...(quick ? ['--quick'] : [])], { stdio: json ? ['ignore', 'ignore', 'inherit'] : 'inherit' });
  if (run.status !== 0) {
    process.stderr.write(`bench: suite ${suite.name} failed (exit ${run.status})${suite.needs ? `; it needs ${suite.needs}` : ''}\n`);
    process.exitCode = 1;
    continue;
  }
  collected[suite.name] = JSON.parse(readFileSync(new URL(`./results/${suite.name}${quick ? '-quick' : ''}.json`, import.meta.url), 'utf8'));
}
if (!quick) renderResults();
if (json) process.stdout.write(`${JSON.stringify(collected, null, 2)}\n`);
