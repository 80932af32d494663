/**
 * `langevin-pc bench`: finds the repository's benchmark runner and passes its exit status on; an unknown
 * suite is refused before anything runs.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from './support.js';

describe('langevin-pc bench', () => {
  it('exits with status 1 for an unknown suite, running none', async () => {
    const run = await runCli(['bench', '--suite', 'no-such-suite', '--quick']);
    expect(run.code).toBe(1);
  });

  it('lists its options in --help', async () => {
    const run = await runCli(['bench', '--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--suite', '--quick', '--json']) expect(run.stdout).toContain(flag);
  });
});
