// Where a suite writes its JSON: the folder the runner passes as `--out DIR` (an installed package writes to
// the user's working directory, never into node_modules), bench/results/ when none is given (a clone).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder a clone's suites write to, and whose files bench/render-results.mjs reads. */
export const CLONE_RESULTS_DIR = path.resolve(fileURLToPath(new URL('./results/', import.meta.url)));

/** The folder named by `--out DIR` in `argv` (resolved against the working directory), or CLONE_RESULTS_DIR. */
export function resultsDir(argv = process.argv) {
  const at = argv.indexOf('--out');
  return at < 0 ? CLONE_RESULTS_DIR : path.resolve(argv[at + 1]);
}

/** The file a suite's results go to: <dir>/<suite>.json, <suite>-quick.json in quick mode. */
export function resultsFile(suite, quick, dir = resultsDir()) {
  return path.join(dir, `${suite}${quick ? '-quick' : ''}.json`);
}

/** Writes `json` to the suite's results file (creating the folder); returns the file's path. */
export function writeResults(suite, quick, json, argv = process.argv) {
  const dir = resultsDir(argv);
  mkdirSync(dir, { recursive: true });
  const file = resultsFile(suite, quick, dir);
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  return file;
}

/** Whether this is a clone of the repository: bench/RESULTS.md, which the npm package does not ship, is here. */
export function isClone() {
  return existsSync(new URL('./RESULTS.md', import.meta.url));
}
