import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseChoice, parseInteger, parseLikelihood, parsePositive, parseSeed, prepareOutDir } from '../../lib/cli/options.js';
import { expectLpcError } from '../support/expect-error.js';
import { tempFolder } from './support.js';

const tmp = tempFolder('lpc-options-');
afterAll(() => tmp.dispose());

describe('shared CLI options', () => {
  it('parses integers, positive numbers and choices, naming the flag when they are wrong', () => {
    expect(parseInteger('--steps', undefined, 300, 1)).toBe(300);
    expect(parseInteger('--steps', ' 12 ', 300, 1)).toBe(12);
    expectLpcError(() => parseInteger('--steps', '1e3', 300, 1), 'LPC_INVALID_ARGUMENT', '--steps');
    expectLpcError(() => parseInteger('--chains', '2.5', 4, 1), 'LPC_INVALID_ARGUMENT', '--chains');
    expectLpcError(() => parseInteger('-n', '9', 64, 1, 8), 'LPC_INVALID_ARGUMENT', 'an integer in [1, 8]');
    expect(parsePositive('--step-size', '1e-3', 0.1)).toBe(0.001);
    expectLpcError(() => parsePositive('--step-size', '', 0.1), 'LPC_INVALID_ARGUMENT', '--step-size');
    expectLpcError(() => parsePositive('--step-size', 'Infinity', 0.1), 'LPC_INVALID_ARGUMENT', '--step-size');
    expect(parseChoice('--precond', undefined, ['none', 'adam'] as const, 'adam')).toBe('adam');
    expectLpcError(() => parseChoice('--precond', 'Adam', ['none', 'adam'] as const, 'adam'), 'LPC_INVALID_ARGUMENT', '--precond');
  });

  it('takes any 64-bit seed', () => {
    expect(parseSeed(undefined)).toBe(0n);
    expect(parseSeed(String(2n ** 64n - 1n))).toBe(2n ** 64n - 1n);
    expectLpcError(() => parseSeed('0x10'), 'LPC_INVALID_ARGUMENT', '--seed');
  });

  it('defaults the likelihood by the decoder range and checks --sigma against it', () => {
    expect(parseLikelihood({}, '01')).toEqual({ kind: 'bernoulli' });
    expect(parseLikelihood({}, '11')).toEqual({ kind: 'discretized', sigma: { mode: 'optimal' } });
    expect(parseLikelihood({ likelihood: 'gaussian', sigma: 'fixed:0.1' }, '01')).toEqual({ kind: 'gaussian', sigma: { mode: 'fixed', sigma: 0.1 } });
    expect(parseLikelihood({ sigma: 'learned' }, '11')).toEqual({ kind: 'discretized', sigma: { mode: 'learned' } });
    expectLpcError(() => parseLikelihood({ sigma: 'optimal' }, '01'), 'LPC_INVALID_ARGUMENT', '--sigma');
    expectLpcError(() => parseLikelihood({ likelihood: 'gaussian', sigma: 'fixed' }, '01'), 'LPC_INVALID_ARGUMENT', '--sigma');
  });

  it('creates the output folder with its parents, and refuses a file in its place', () => {
    const dir = path.join(tmp.dir, 'a', 'b');
    expect(prepareOutDir(dir)).toBe(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(prepareOutDir(dir)).toBe(dir); // an existing folder is fine
    expectLpcError(() => prepareOutDir(''), 'LPC_INVALID_ARGUMENT', '--out');
    expect(existsSync(path.join(tmp.dir, 'a'))).toBe(true);
  });
});
