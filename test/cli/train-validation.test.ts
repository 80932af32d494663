/**
 * `train --validation` and `eval --split`: the run states its data (metrics.json's `dataset`), evaluates on
 * validation images instead of test images, keeps the networks of its best validation NLL in DIR/best/, and
 * `eval --split validation` on those networks reproduces that number.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempFolder } from './support.js';
import { readMetrics, TINY } from './train-support.js';

const tmp = tempFolder('lpc-validation-');
afterAll(() => tmp.dispose());

describe('train --validation', () => {
  it('evaluates on the held-out validation images, keeps the best networks, and eval --split validation agrees', async () => {
    const out = path.join(tmp.dir, 'vae');
    const run = await runCli([...TINY, '--algo', 'vae', '--validation', '--updates', '12', '--eval-every', '4', '--out', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const m = readMetrics(out);
    expect(JSON.parse(run.stdout)).toEqual(m);
    expect(m.dataset).toEqual({ name: 'mnist', trainImages: 50000, validationImages: 10000, testImages: 10000, trainImagesUsed: 100, binarized: true });
    expect(m.config.validation).toBe(true);
    expect(m.evalSplit).toBe('validation');
    const scored = m.history.filter((p) => p.nll !== null);
    expect(scored.map((p) => p.updates)).toEqual([0, 4, 8, 12]);
    const lowest = scored.reduce((a, p) => (p.nll! < a.nll! ? p : a));
    expect(m.best).toEqual({ updates: lowest.updates, nll: lowest.nll });
    const best = path.join(out, 'best');
    expect(existsSync(path.join(best, 'decoder.onnx')) && existsSync(path.join(best, 'encoder.onnx'))).toBe(true);

    // The same networks, images, K and seed as the best evaluation: the same NLL. Scoring test images instead
    // gives another number, so this also shows that training scored validation images.
    const evalArgs = [
      'eval',
      path.join(best, 'decoder.onnx'),
      '--encoder',
      path.join(best, 'encoder.onnx'),
      '--dataset',
      'mnist',
      '--binarize',
      '--images',
      '10',
      '--iwae',
      '10',
      '--seed',
      '3',
      '--threads',
      '1',
      '--json',
    ];
    const onValidation = await runCli([...evalArgs, '--split', 'validation']);
    expect(onValidation.code, onValidation.stderr).toBe(0);
    const v = JSON.parse(onValidation.stdout);
    expect(v).toMatchObject({ split: 'validation', images: 10 });
    expect(v.nll).toBe(m.best!.nll);
    const onTest = JSON.parse((await runCli(evalArgs)).stdout);
    expect(onTest.split).toBe('test');
    expect(onTest.nll).not.toBe(v.nll);
  });

  it('states the standard split without --validation, and keeps no best networks', async () => {
    const out = path.join(tmp.dir, 'plain');
    const run = await runCli([...TINY, '--algo', 'vae', '--updates', '1', '--out', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const m = readMetrics(out);
    expect(m.dataset).toEqual({ name: 'mnist', trainImages: 60000, validationImages: 0, testImages: 10000, trainImagesUsed: 100, binarized: true });
    expect([m.evalSplit, m.best, m.config.validation]).toEqual(['test', null, false]);
    expect(existsSync(path.join(out, 'best'))).toBe(false);
  });

  it('refuses --split with a value other than validation or test', async () => {
    const run = await runCli(['eval', path.join(tmp.dir, 'plain', 'decoder.onnx'), '--split', 'train']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--split');
  });
});
