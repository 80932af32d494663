/**
 * The "npm install with prebuilt binaries" path, end to end: build a prebuilt binary with prebuildify in a
 * copy of the package (the repository's build/ folder, which other test files load, stays untouched),
 * `npm pack` it, install the tarball into an empty project with compilers replaced by tripwires on PATH, then
 * import the package and run a Langevin step, and run the shipped benchmark suite `native` through the CLI.
 * The install prefers the npm cache and goes to the registry for what it lacks: a lockfile install (`npm ci`)
 * caches tarballs but not the package metadata that resolving the tarball's dependency ranges needs, so an
 * offline-only install would depend on what earlier work cached.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(path.join(tmpdir(), 'lpc-prebuilt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The files a clone of the repository has that the package build needs (node_modules is linked).
const packageFiles = ['package.json', 'package-lock.json', 'tsconfig.json', 'CMakeLists.txt', 'cmake', 'README.md', 'native', 'lib', 'scripts', 'bench'];

function onPath(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error(`${name} not found on PATH`);
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

describe('prebuilt install', () => {
  it('installs from the packed tarball without compiling and runs a Langevin step', () => {
    const npmCli = onPath('npm');
    const npmCache = run(process.execPath, [npmCli, 'config', 'get', 'cache'], root).trim();

    // 1. A copy of the package; prebuildify drives cmake-js there (scripts/prebuild-shim.cjs).
    const src = path.join(work, 'src');
    mkdirSync(src);
    // (bench/peers may hold the peers' own node_modules, which the package never ships.)
    const copied = (file: string) => !file.split(path.sep).includes('node_modules');
    for (const f of packageFiles) if (existsSync(path.join(root, f))) cpSync(path.join(root, f), path.join(src, f), { recursive: true, filter: copied });
    symlinkSync(path.join(root, 'node_modules'), path.join(src, 'node_modules'), 'dir');
    run(process.execPath, [npmCli, 'run', 'prebuild'], src);
    expect(readdirSync(path.join(src, 'prebuilds', 'linux-x64'))).toEqual(['langevin-pc.node']);

    // 2. npm pack (its prepare script compiles the TypeScript into dist/).
    const packed = JSON.parse(run(process.execPath, [npmCli, 'pack', '--json', '--pack-destination', work], src)) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const files = packed[0].files.map((f) => f.path);
    for (const needed of [
      'package.json',
      'README.md',
      'CMakeLists.txt',
      'cmake/cuda_architectures.cmake',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/native/chains.js',
      'prebuilds/linux-x64/langevin-pc.node',
      'native/addon.cc',
      'native/core/langevin_kernel.cc',
      'native/cuda/langevin_kernels.cu',
      'native/test/cuda_vs_cpu.cc',
      'bench/run.mjs',
      'bench/suites.mjs',
      'bench/native.mjs',
    ]) {
      expect(files, needed).toContain(needed);
    }
    expect(files.some((f) => f.startsWith('build/') || f.startsWith('bench/peers/') || f.startsWith('bench/results/'))).toBe(false);

    // 3. An empty project with every compiler a tripwire that records being called.
    const app = path.join(work, 'app');
    const bin = path.join(work, 'bin');
    const tripped = path.join(work, 'compiler-was-called');
    mkdirSync(app);
    mkdirSync(bin);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    symlinkSync(process.execPath, path.join(bin, 'node'));
    symlinkSync('/bin/sh', path.join(bin, 'sh'));
    for (const tool of ['cmake', 'make', 'ninja', 'cc', 'c++', 'gcc', 'g++', 'clang', 'clang++', 'nvcc', 'node-gyp']) {
      writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "$0 $*" >> ${tripped}\nexit 1\n`, { mode: 0o755 });
    }
    const env = { HOME: process.env.HOME, PATH: bin, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_cache: npmCache };
    run(process.execPath, [npmCli, 'install', '--prefer-offline', '--no-audit', '--no-fund', path.join(work, packed[0].filename)], app, env);
    const installed = path.join(app, 'node_modules', 'langevin-pc');
    expect(existsSync(tripped)).toBe(false);
    expect(existsSync(path.join(installed, 'build'))).toBe(false);

    // 4. Import the package and take one step; report which binary was loaded.
    writeFileSync(
      path.join(app, 'check.mjs'),
      `import { createRequire } from 'node:module';
       import { Chains, cudaStatus } from 'langevin-pc';
       const require = createRequire(import.meta.url);
       const binary = require('node-gyp-build').path(${JSON.stringify(installed)});
       const chains = new Chains({ n: 8, d: 4, stepSize: 0.1, preconditioner: 'rmsprop', seed: 1 });
       chains.initPrior();
       const before = Float32Array.from(chains.z);
       const restarts = chains.step(Float32Array.from(before, (v) => 2 * v));
       console.log(JSON.stringify({ binary, restarts, moved: chains.z.some((v, i) => v !== before[i]),
         finite: chains.z.every(Number.isFinite), cuda: cudaStatus().compiled }));`,
    );
    const result = JSON.parse(run(process.execPath, ['check.mjs'], app, env)) as Record<string, unknown>;
    expect(result.binary).toBe(path.join(installed, 'prebuilds', 'linux-x64', 'langevin-pc.node'));
    expect(result).toMatchObject({ restarts: 0, moved: true, finite: true });
    expect(existsSync(tripped)).toBe(false);

    // 5. The benchmark suites that need only the package run from the installation and write into the
    //    project's folder; a clone-only suite is refused.
    const cli = path.join(installed, 'dist', 'cli', 'main.js');
    run(process.execPath, [cli, 'bench', '--suite', 'native', '--quick'], app, env);
    expect(JSON.parse(readFileSync(path.join(app, 'langevin-pc-bench', 'native-quick.json'), 'utf8'))).toMatchObject({ suite: 'native', quick: true });
    expect(existsSync(path.join(installed, 'bench', 'results'))).toBe(false);
    expect(() => run(process.execPath, [cli, 'bench', '--suite', 'peers'], app, env)).toThrow(/LPC_NOT_FOUND: suite peers needs a clone/);
    // A compile of the addon, a pack and an install that may fetch package metadata: minutes on a loaded
    // 2-core machine, so the suite's two-minute default is too short.
  }, 600_000);
});
