/**
 * The validated study's fixed setup (bench/RESULTS.md, "Evidence on validation"): MNIST and Fashion-MNIST,
 * dynamically binarised, the last 10,000 training images held out for validation (50,000 / 10,000), test sets
 * binarised once with a fixed seed and touched only for the final numbers; MLP 784-512-512-32 decoder and
 * encoder with ReLU, batch 64, Adam, one intra-op thread per job.
 *
 * A run is plain JSON ("spec"); its id is derived from it, so a finished run is found again and skipped.
 * STUDY_SCALE=tiny shrinks everything (a few updates, a few images, small K) to check the pipeline.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../../..');
export const TINY = process.env.STUDY_SCALE === 'tiny';
/** Where runs, models and logs go (not committed); the results file is bench/results/evidence.json (tiny scale: under OUT_DIR). */
export const OUT_DIR = path.join(REPO, 'bench/out', TINY ? 'study-tiny' : 'study');
export const RESULTS_FILE = TINY ? path.join(OUT_DIR, 'evidence.json') : path.join(REPO, 'bench/results/evidence.json');

export const DATASETS = ['mnist', 'fashion-mnist'];
export const NET = { latentDim: 32, imageShape: [1, 28, 28], hidden: [512, 512] };
export const BATCH = 64;
/** 50,000 training images / 64, the last partial batch dropped. */
export const UPDATES_PER_EPOCH = TINY ? 6 : 781;
/** Selection runs train one epoch; the final runs three. */
export const SELECT_EPOCHS = 1;
export const FINAL_EPOCHS = TINY ? 2 : 3;
export const SEEDS = [1, 2, 3];

/** Seeds of the binarised validation and test copies and of every evaluation's draws (common random numbers). */
export const DATA_SEEDS = { validation: 20261208, test: 20261209 };
export const EVAL_SEED = 13;

/** Selection: validation images, K, and the (cheaper) Langevin refinement of the declared proposal. */
export const VALIDATION_IMAGES = TINY ? 16 : 500;
export const VALIDATION_K = TINY ? 20 : 500;
export const SELECT_EVAL_LANGEVIN = { steps: TINY ? 20 : 100, stepSize: 0.1, chains: 2, preconditioner: 'rmsprop', beta2: 0.999, keep: { burnIn: TINY ? 10 : 50, thin: 5 } };

/** Final numbers: the first TEST_IMAGES test images, K = TEST_K, the package's default evaluation Langevin. */
export const TEST_IMAGES = TINY ? 16 : 1000;
export const TEST_K = TINY ? 50 : 1000;
/** K convergence: nested estimates from batches of draws (1000, then 4000 more, then 15000 more). */
export const K_LADDER = TINY ? [20, 50, 100] : [1000, 5000, 20000];
export const K_IMAGES = TINY ? 8 : 500;
/** Chain dispersion against adapted MALA on the first DISPERSION_IMAGES test images. */
export const DISPERSION_IMAGES = TINY ? 4 : 100;

/**
 * The LPC grid. Stage A: amortised LPC (Jeffreys encoder objective, the previous study's best kind), T = 20,
 * every preconditioner (adam without and with momentum, rmsprop) at every step size of its grid. Stage B, at stage A's best
 * preconditioner and step size: T = 5, the forward and reverse encoder objectives, and LPC from the prior.
 */
export const LPC_PRECONDITIONERS = [
  { precond: 'rmsprop', momentum: false },
  { precond: 'adam', momentum: false },
  { precond: 'adam', momentum: true },
];
export const LPC_ETAS = TINY ? [0.1, 0.3] : [0.1, 0.3, 1];
/**
 * With momentum (beta1 0.9) a step moves about eta / (1 - beta1) = 10 eta once the first moment has built up, so
 * the grid also reaches down to a tenth of the others' step sizes.
 */
export const LPC_MOMENTUM_ETAS = TINY ? [0.03] : [0.01, 0.03];
/** The step sizes of a preconditioner's grid. */
export const lpcEtas = (p) => (p.momentum ? [...LPC_MOMENTUM_ETAS, ...LPC_ETAS] : LPC_ETAS);
export const LPC_STAGE_B = TINY ? [{ T: 5 }] : [{ T: 5 }, { objective: 'forward' }, { objective: 'reverse' }, { init: 'prior' }];
/**
 * The VAE's tuning budget: as many runs as LPC's whole selection, spent on Adam's learning rate, from 1e-4 up in
 * steps of 10^(1/6).
 */
export function vaeLearningRates() {
  const runs = LPC_PRECONDITIONERS.reduce((n, p) => n + lpcEtas(p).length, 0) + LPC_STAGE_B.length;
  return Array.from({ length: runs }, (_, i) => Number((1e-4 * 10 ** (i / 6)).toPrecision(3)));
}
export const LPC_LR = 1e-3;

/** A run configuration's id: every setting that changes the run, in a fixed order. */
export function runId(spec) {
  const parts = [spec.dataset];
  if (spec.algo === 'vae') parts.push('vae', `lr${spec.lr}`);
  else parts.push('lpc', spec.init === 'prior' ? 'prior' : spec.objective, spec.precond + (spec.momentum ? '-mom' : ''), `T${spec.T}`, `eta${spec.eta}`);
  parts.push(`e${spec.epochs}`, `s${spec.seed}`);
  return parts.join('-');
}

/** A short label for tables (no dataset, seed or epochs). */
export function label(spec) {
  if (spec.algo === 'vae') return `VAE, lr ${spec.lr}`;
  const init = spec.init === 'prior' ? 'LPC prior' : `LPC ${spec.objective}`;
  return `${init}, ${spec.precond}${spec.momentum ? '+momentum' : ''}, T=${spec.T}, eta=${spec.eta}`;
}

export function vaeSpec(dataset, lr, { seed = 1, epochs = SELECT_EPOCHS } = {}) {
  return { dataset, algo: 'vae', lr, seed, epochs };
}

export function lpcSpec(dataset, { init = 'encoder', objective = 'jeffreys', precond, momentum = false, eta, T = 20, seed = 1, epochs = SELECT_EPOCHS }) {
  const amortised = init !== 'prior';
  return { dataset, algo: 'lpc', init: amortised ? 'encoder' : 'prior', objective: amortised ? objective : null, precond, momentum, eta, T, lr: LPC_LR, seed, epochs };
}

/**
 * Decoder passes (forward + backward) per datapoint per update: the VAE 1; LPC T + 1 for dE/dz along the chain
 * and at z_T, 1 for dE/dtheta at the last state, 1 more for the reverse-KL term (reverse, Jeffreys).
 */
export function decoderPassesPerUpdate(spec) {
  if (spec.algo === 'vae') return 1;
  return spec.T + 2 + (spec.objective === 'reverse' || spec.objective === 'jeffreys' ? 1 : 0);
}

/** The trainer options of a spec (LpcTrainer or VaeTrainer). */
export function trainerOptions(spec) {
  const network = { kind: 'mlp', options: NET };
  const common = { decoder: network, binarize: true, seed: spec.seed, threads: 1, optimizer: { kind: 'adam', lr: spec.lr } };
  if (spec.algo === 'vae') return { ...common, encoder: network };
  const langevin = { steps: spec.T, stepSize: spec.eta, chains: 1, preconditioner: spec.precond, momentum: spec.momentum };
  const lpc = { ...common, langevin, thetaGrad: 'last' };
  if (spec.init === 'encoder') Object.assign(lpc, { encoder: network, init: 'encoder', encoderObjective: spec.objective });
  return lpc;
}
