/**
 * `langevin-pc train` and `langevin-pc eval` end to end, in this process, on 100 MNIST digits: the files of a
 * run folder and the fields of metrics.json, the VAE with --json and eval reading its folder, a run stopped
 * early and resumed ending bit for bit where an uninterrupted one ends, fine-tuning a pretrained decoder, and
 * the coded errors of bad option combinations.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../lib/data/npy.js';
import { loadMnist } from '../../lib/data/mnist.js';
import { RunDirectory } from '../../lib/training/run-directory.js';
import { readPng, runCli, tempFolder } from './support.js';
import { bytes, checkpointUpdates, expectSameRun, LPC, readMetrics, TINY } from './train-support.js';

const tmp = tempFolder('lpc-train-');
afterAll(() => tmp.dispose());
const dir = (name: string) => path.join(tmp.dir, name);
let digits: ReturnType<typeof loadMnist> | null = null;
const mnist = () => (digits ??= loadMnist());

async function train(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = await runCli([...TINY, ...args]);
  if (run.code !== 0) throw new Error(`train ${args.join(' ')} failed: ${run.stderr}`);
  return run;
}

describe('langevin-pc train', () => {
  it('trains Langevin PC from the prior and writes the networks, samples, metrics and checkpoints', async () => {
    const out = dir('lpc');
    const run = await train([...LPC, '--updates', '10', '--eval-every', '5', '--checkpoint-every', '4', '--out', out]);
    expect(run.stdout).toMatch(/^trained 10 updates \(2\.50 epochs\) of lpc on 100 mnist images/);
    expect(run.stdout).toMatch(/test NLL \d+\.\d+ ± \d+\.\d+ nats per image \(importance sampling, K = 10, 10 binarised test images, proposal langevin\)/);
    // Without a terminal, progress is one line per evaluation on stderr.
    expect(
      run.stderr
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[1]),
    ).toEqual(['0/10', '5/10', '10/10']);
    for (const file of ['decoder.onnx', 'samples.png', 'metrics.json']) expect(existsSync(path.join(out, file)), file).toBe(true);
    expect(existsSync(path.join(out, 'encoder.onnx'))).toBe(false);
    const grid = readPng(path.join(out, 'samples.png'));
    expect([grid.width, grid.height]).toEqual([8 * 28 + 9 * 2, 8 * 28 + 9 * 2]);

    const m = readMetrics(out);
    expect(m).toMatchObject({ updates: 10, epochs: 2.5, interrupted: false });
    expect(m.config).toMatchObject({
      algo: 'lpc',
      dataset: 'mnist',
      trainImages: 100,
      latent: 4,
      hidden: [32],
      init: 'prior',
      encoderObjective: null,
      steps: 8,
      evalEvery: 5,
      updates: 10,
      epochs: null,
      seed: '3',
    });
    // The defaults of lib/cli/train-defaults.ts (chosen on validation by the evidence study) reach the run.
    expect(m.config).toMatchObject({ precond: 'adam', stepSize: 0.3, lr: 0.001, thetaGrad: 'last', burnIn: null, sampler: 'ula', chains: 1 });
    expect(m.history.map((p) => p.updates)).toEqual([0, 5, 10]);
    for (const p of m.history) {
      expect(p.negElbo).toBeNull();
      expect(p.nllK).toBe(10);
      expect(p.normalised).toBe(true);
      for (const key of ['nll', 'nllStdErr', 'reconMse', 'seconds', 'epochs'] as const) expect(Number.isFinite(p[key]), key).toBe(true);
    }
    expect(m.history[0].trainEnergy).toBeNull();
    expect(typeof m.history[2].trainEnergy).toBe('number');
    // Ten updates on a 784-32-4 decoder move it: the test NLL falls from the untrained ~545 nats by far more
    // than the standard errors of the two estimates (each under 4 nats on 10 images).
    expect(m.history[0].nll! - m.history[2].nll!).toBeGreaterThan(4 * (m.history[0].nllStdErr! + m.history[2].nllStdErr!));
    expect(m.traces.every).toBe(1);
    expect(m.traces.update).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Object.keys(m.traces.losses)).toEqual(['energy']);
    // Chains keep their step sizes in float32: 0.3 to within its rounding (no restart halved any).
    for (const s of m.traces.stepSize) expect(s).toBeCloseTo(0.3, 7);
    expect(m.traces.acceptRate.every((a) => a === null)).toBe(true);

    // Checkpoints after updates 4 and 8 (every 4), 4 again (the epoch ends at 4 and 8) and 10 (the end); two kept.
    const checkpoint = new RunDirectory(out).readCheckpoint();
    expect([checkpoint.updates, checkpoint.generation, checkpoint.epoch]).toEqual([10, 3, 2]);
    expect(bytes(path.join(out, 'decoder.onnx')).equals(Buffer.from(checkpoint.decoder))).toBe(true);
  });

  it('trains the VAE with --json, and eval reproduces its final test numbers from the run folder', async () => {
    const out = dir('vae');
    const run = await train(['--algo', 'vae', '--updates', '8', '--eval-every', '4', '--out', out, '--json']);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const printed = JSON.parse(lines[0]);
    expect(printed).toEqual(readMetrics(out));
    // The VAE's own validated learning rate is its default (lib/cli/train-defaults.ts).
    expect(printed.config).toMatchObject({ algo: 'vae', lr: 0.00147, steps: null, init: null, encoderObjective: null });
    expect(Object.keys(printed.traces.losses).sort()).toEqual(['kl', 'negElbo', 'recon']);
    const last = printed.history.at(-1);
    expect(last.updates).toBe(8);
    expect(last.negElbo).toBeGreaterThan(0);
    expect(last.proposal).toMatch(/encoder/);
    expect(existsSync(path.join(out, 'encoder.onnx'))).toBe(true);

    const evaluated = await runCli(['eval', out, '--images', '10', '--iwae', '10', '--threads', '1', '--json']);
    expect(evaluated.stderr).toBe('');
    expect(evaluated.code).toBe(0);
    const s = JSON.parse(evaluated.stdout);
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['images', 'negElbo', 'nll', 'nllK', 'reconMse', 'fd', 'normalised']));
    expect(s).toMatchObject({ images: 10, nllK: 10, normalised: true, binarized: true, dataset: 'mnist', likelihood: 'bernoulli', seed: '3', fdReason: null });
    // The same images, K, seed, likelihood and networks as the run's last evaluation: the same numbers.
    expect([s.nll, s.negElbo, s.reconMse]).toEqual([last.nll, last.negElbo, last.reconMse]);
    expect(s.fd).toBeGreaterThan(0);
    expect(s.fdNetwork).toMatch(/feature classifier mnist/);

    // A bare decoder file on grey values: BCE + KL, said so; no encoder, so no ELBO.
    const grey = await runCli(['eval', path.join(out, 'decoder.onnx'), '--images', '5', '--iwae', '5', '--json']);
    expect(grey.code).toBe(0);
    expect(JSON.parse(grey.stdout)).toMatchObject({ images: 5, negElbo: null, normalised: false, binarized: false, units: expect.stringContaining('BCE + KL') });
  });

  it('ends a run stopped early and resumed exactly where an uninterrupted run ends (amortised LPC, the default)', async () => {
    const amortised = ['--steps', '8', '--eval-every', '4', '--checkpoint-every', '3'];
    await train([...amortised, '--updates', '11', '--out', dir('whole')]);
    // Without --init or an encoder flag, chains start from an encoder trained on reverse KL (lib/cli/train-defaults.ts).
    expect(readMetrics(dir('whole')).config).toMatchObject({ init: 'encoder', encoderObjective: 'reverse', precond: 'adam', thetaGrad: 'last' });
    await train([...amortised, '--updates', '5', '--out', dir('parts')]);
    expect(checkpointUpdates(dir('parts'))).toBe(5);
    // Resuming takes the run's settings; run length and checkpoint frequency may change.
    await train(['--out', dir('parts'), '--resume', '--updates', '11', '--checkpoint-every', '2']);
    expectSameRun(dir('whole'), dir('parts'), true);
    expect(readMetrics(dir('parts')).history.map((p) => p.updates)).toEqual([0, 4, 8, 11]);
  });

  it('ends a MALA run stopped at a checkpoint and resumed exactly where an uninterrupted run ends', async () => {
    // Few updates and few eval images: the claim is the bytes of decoder.onnx, not the model's quality.
    const mala = [...LPC, '--sampler', 'mala', '--eval-every', '1000', '--checkpoint-every', '2'];
    await train([...mala, '--updates', '5', '--out', dir('mala-whole')]);
    await train([...mala, '--updates', '3', '--out', dir('mala-parts')]);
    expect(checkpointUpdates(dir('mala-parts'))).toBe(3);
    await train(['--out', dir('mala-parts'), '--resume', '--updates', '5']);
    expect(readMetrics(dir('mala-parts')).config).toMatchObject({ sampler: 'mala' });
    expectSameRun(dir('mala-whole'), dir('mala-parts'), false);
  });

  it('fine-tunes a pretrained decoder, taking the latent size from the model', async () => {
    const source = path.join(dir('lpc'), 'decoder.onnx');
    const out = dir('tuned');
    const args = [
      'train',
      '--decoder',
      source,
      '--dataset',
      'mnist',
      '--train-images',
      '50',
      '--batch',
      '25',
      '--binarize',
      '--threads',
      '1',
      '--eval-images',
      '5',
      '--eval-iwae',
      '5',
      '--steps',
      '4',
      '--updates',
      '2',
    ];
    const run = await runCli([...args, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const m = readMetrics(out);
    expect(m.config).toMatchObject({ latent: 4, decoder: source, decoderSha256: createHash('sha256').update(readFileSync(source)).digest('hex') });
    expect(bytes(path.join(out, 'decoder.onnx')).equals(bytes(source))).toBe(false);
    // On --resume a decoder file given again must be the one the run started from.
    const other = await runCli([...args, '--out', out, '--resume', '--updates', '4', '--decoder', path.join(dir('vae'), 'decoder.onnx')]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^langevin-pc: LPC_CONFIG_MISMATCH: --decoder has SHA-256/);
  });
});

describe('langevin-pc train: likelihoods and data', () => {
  it('evaluates a learned sigma at its trained value, in training and in eval; the optimal sigma is not evaluated', async () => {
    const common = [
      'train',
      '--dataset',
      'mnist',
      '--train-images',
      '50',
      '--batch',
      '25',
      '--hidden',
      '16',
      '--latent',
      '3',
      '--threads',
      '1',
      '--eval-images',
      '6',
      '--eval-iwae',
      '6',
      '--steps',
      '6',
      '--likelihood',
      'gaussian',
      '--updates',
      '4',
      '--eval-every',
      '4',
    ];
    const learned = dir('learned');
    expect((await runCli([...common, '--sigma', 'learned', '--lr', '0.01', '--out', learned])).code).toBe(0);
    const last = readMetrics(learned).history.at(-1)!;
    const logSigma = (new RunDirectory(learned).readCheckpoint().state['theta/likelihood/log_sigma'] as Float32Array)[0];
    // Four Adam steps of 0.01 move log sigma from 0 by about 0.04.
    expect(Math.abs(logSigma)).toBeGreaterThan(0.02);
    const s = JSON.parse((await runCli(['eval', learned, '--images', '6', '--iwae', '6', '--threads', '1', '--json'])).stdout);
    expect(s).toMatchObject({ likelihood: `gaussian, sigma fixed at ${Math.exp(logSigma).toPrecision(4)}`, normalised: true, binarized: false });
    expect(s.nll).toBe(last.nll);

    const optimal = dir('optimal');
    expect((await runCli([...common, '--sigma', 'optimal', '--out', optimal])).code).toBe(0);
    for (const p of readMetrics(optimal).history) expect(p).toMatchObject({ nll: null, negElbo: null, note: expect.stringContaining('optimal sigma') });
    expect((await runCli(['eval', optimal, '--images', '6'])).stderr).toMatch(/^langevin-pc: LPC_INVALID_ARGUMENT: --sigma: the optimal sigma/);
    const fixed = await runCli(['eval', optimal, '--images', '6', '--iwae', '6', '--sigma', 'fixed:0.3', '--json']);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ images: 6, likelihood: 'gaussian, sigma fixed at 0.3000' });
  });

  it('trains the other variants the flags select: conv with MALA and 2 chains, adam momentum on the last state, the discretised Gaussian', async () => {
    const base = ['train', '--dataset', 'mnist', '--train-images', '50', '--batch', '25', '--latent', '3', '--updates', '3', '--eval-images', '4', '--eval-iwae', '4', '--threads', '1', '--json'];
    const variants: [string[], Record<string, unknown>][] = [
      [['--binarize', '--arch', 'conv', '--hidden', '32', '--sampler', 'mala', '--steps', '6', '--chains', '2', '--theta-grad', 'mean'], { arch: 'conv', sampler: 'mala', chains: 2, burnIn: 3 }],
      [['--binarize', '--hidden', '16', '--precond', 'adam', '--momentum', '--theta-grad', 'last', '--steps', '5'], { precond: 'adam', momentum: true, thetaGrad: 'last', burnIn: null }],
      [['--hidden', '16', '--likelihood', 'discretized', '--sigma', 'fixed:0.1', '--steps', '4'], { likelihood: 'discretized', sigma: 'fixed:0.1', range: '11' }],
    ];
    for (const [args, config] of variants) {
      const run = await runCli([...base, ...args, '--out', dir(`variant-${args.join('')}`)]);
      expect(run.code, run.stderr).toBe(0);
      const m = JSON.parse(run.stdout);
      expect(m.config, args.join(' ')).toMatchObject(config);
      expect(Number.isFinite(m.history.at(-1).nll), args.join(' ')).toBe(true);
      // MALA reports its acceptance rate per update; ULA none.
      const rates: (number | null)[] = m.traces.acceptRate;
      expect(
        rates.every((r) => (args.includes('mala') ? r !== null && r >= 0 && r <= 1 : r === null)),
        args.join(' '),
      ).toBe(true);
    }
  });

  it('trains on images from a path, holding out its last tenth for testing; eval has no feature network for it', async () => {
    const train = mnist().train;
    const file = path.join(tmp.dir, 'digits.npy');
    writeNpy(file, { dtype: 'uint8', shape: [60, 28, 28], data: train.images.slice(0, 60 * 784) });
    const out = dir('from-path');
    const run = await runCli([
      'train',
      '--dataset',
      file,
      '--batch',
      '18',
      '--hidden',
      '16',
      '--latent',
      '3',
      '--binarize',
      '--threads',
      '1',
      '--eval-iwae',
      '5',
      '--steps',
      '4',
      '--updates',
      '3',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    // 60 images: 54 to train on, the last 6 held out (and all 6 evaluated: fewer than --eval-images).
    expect(readMetrics(out).config).toMatchObject({ dataset: path.resolve(file), trainImages: 54, evalImages: 6, evalEvery: 3 });
    const s = JSON.parse((await runCli(['eval', out, '--iwae', '5', '--json'])).stdout);
    expect(s).toMatchObject({ images: 6, fd: null, fdReason: expect.stringContaining('no shipped feature classifier') });
  });
});

describe('langevin-pc train: coded errors', () => {
  it('refuses bad option combinations, naming the option', async () => {
    const existing = dir('lpc');
    const cases: [string[], string, string][] = [
      [['--out', existing, '--resume', '--step-size', '0.05'], 'LPC_CONFIG_MISMATCH', '--step-size is 0.05 but the run'],
      [['--out', existing, '--resume', '--train-images', '50'], 'LPC_CONFIG_MISMATCH', '--train-images is 50'],
      [['--out', existing, '--resume', '--algo', 'vae'], 'LPC_CONFIG_MISMATCH', '--algo is "vae"'],
      [['--out', existing, '--updates', '3'], 'LPC_INVALID_ARGUMENT', 'already holds a run'],
      [['--out', dir('none'), '--resume'], 'LPC_NOT_FOUND', '--resume'],
      [['--epochs', '1', '--updates', '5'], 'LPC_INVALID_ARGUMENT', '--epochs 1 and --updates 5 exclude each other'],
      [['--dataset', path.join(tmp.dir, 'no-such-folder')], 'LPC_NOT_FOUND', '--dataset'],
      [['--decoder', path.join(existing, 'decoder.onnx'), '--latent', '8'], 'LPC_SHAPE_MISMATCH', '--latent 8 conflicts with the decoder'],
      [['--algo', 'vae', '--steps', '8'], 'LPC_INVALID_ARGUMENT', '--steps applies to --algo lpc only'],
      [['--theta-grad', 'mean', '--burn-in', '8'], 'LPC_INVALID_ARGUMENT', '--burn-in must be below --steps 8'],
      [['--theta-grad', 'last', '--burn-in', '2'], 'LPC_INVALID_ARGUMENT', '--burn-in must be given only with --theta-grad mean'],
      [['--precond', 'rmsprop', '--momentum'], 'LPC_INVALID_ARGUMENT', '--momentum must be given only with --precond adam'],
      [['--likelihood', 'gaussian'], 'LPC_INVALID_ARGUMENT', '--binarize must be given only with the bernoulli likelihood'],
      [['--layout', 'nhwc'], 'LPC_INVALID_ARGUMENT', '--layout must be given only with --decoder'],
      [['--hidden', '32,x'], 'LPC_INVALID_ARGUMENT', '--hidden'],
    ];
    for (const [args, code, fragment] of cases) {
      const run = await runCli([...TINY, ...(args.includes('vae') && !args.includes('--resume') ? [] : LPC), ...args]);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stdout, args.join(' ')).toBe('');
      expect(run.stderr, args.join(' ')).toMatch(new RegExp(`^langevin-pc: ${code}: .*${fragment.replace(/[[\]().]/g, '\\$&')}`, 's'));
    }
    // The refused resumes changed nothing.
    expect(checkpointUpdates(existing)).toBe(10);
    expect(existsSync(path.join(dir('none'), 'checkpoint'))).toBe(false);
  });

  it('eval refuses a folder without a run and a run folder with decoder-file options', async () => {
    const empty = await runCli(['eval', tmp.dir, '--json']);
    expect(empty.stderr).toMatch(/^langevin-pc: LPC_NOT_FOUND: .*holds no run/);
    const layout = await runCli(['eval', dir('lpc'), '--layout', 'nchw']);
    expect(layout.stderr).toMatch(/^langevin-pc: LPC_INVALID_ARGUMENT: --layout describes a decoder or encoder file/);
  });
});
