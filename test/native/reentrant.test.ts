/**
 * Native calls that re-enter JavaScript: getters that detach, transfer or shrink a buffer the call already
 * looked at, or that dispose the object being called, end in a JavaScript error and the process lives on.
 * The calls run in a child process, where a dangling pointer would end in a signal instead of failing
 * this file's whole test run.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transpileChildScript, type ChildScript } from '../support/child-script.js';

let script: ChildScript;
let results: Record<string, string>;

beforeAll(() => {
  script = transpileChildScript('test/native/support/reentrant-calls.ts');
  const run = spawnSync(process.execPath, [script.file], { encoding: 'utf8', timeout: 60_000 });
  expect(run.signal, run.stderr).toBeNull();
  expect(run.status, run.stderr).toBe(0);
  results = JSON.parse(run.stdout) as Record<string, string>;
}, 90_000);

afterAll(() => script?.dispose());

const isError = (outcome: string) => ['TypeError', 'RangeError', 'Error'].includes(outcome) || outcome.startsWith('LpcError:');

describe('native calls whose arguments run user code', () => {
  it('end every detaching, shrinking or disposing call in a JavaScript error', () => {
    const expectedToWork = ['Chains.getState with a disposing Object.prototype setter', 'Rng after the raw one was disposed', 'Object.prototype setter ran'];
    const calls = Object.entries(results).filter(([name]) => !expectedToWork.includes(name));
    expect(calls.length).toBeGreaterThanOrEqual(24);
    for (const [name, outcome] of calls) expect(isError(outcome), `${name}: ${outcome}`).toBe(true);
  });

  it('reports a buffer detached inside the native call as a TypeError and a disposed object as an Error', () => {
    expect(results['Optimizer.step detaches grads[0] (read 2)']).toBe('TypeError');
    expect(results['Optimizer.step detaches params[0] (read 2)']).toBe('TypeError');
    expect(results['Optimizer.setState detaches s0[0]']).toBe('TypeError');
    expect(results['globalNorm detaches arrays[0]']).toBe('TypeError');
    expect(results['raw Chains.setState detaches z in a later getter']).toBe('TypeError');
    expect(results['Optimizer.step disposes the optimizer (read 2)']).toBe('Error');
    expect(results['raw Chains.setState disposes in the grad getter']).toBe('Error');
    expect(results['weightedMeanRows rows*cols*dim overflows']).toBe('RangeError');
  });

  it('runs no prototype setter while building a result', () => {
    expect(results['Chains.getState with a disposing Object.prototype setter']).toBe('no error');
    expect(results['Object.prototype setter ran']).toBe('false');
    expect(results['Rng after the raw one was disposed']).toBe('no error');
  });
});
