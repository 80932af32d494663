/**
 * `langevin-pc bench`: refuses an unknown suite before anything runs, lists the suites of bench/suites.mjs in
 * --help, and works from an installed package: the test lays out what `npm pack` ships (the files it lists,
 * with lib/ transpiled into dist/ as the package's build would compile it), runs the CLI there on the
 * lightest suite and reads the JSON it wrote, and checks that a clone-only suite fails with a coded error.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transpileChildScript, type ChildScript } from '../support/child-script.js';
import { runCli, tempFolder } from './support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A suite as bench/suites.mjs lists it. */
interface Suite {
  name: string;
  script: string;
  cloneOnly?: boolean;
}
const { SUITES } = (await import(new URL('../../bench/suites.mjs', import.meta.url).href)) as { SUITES: Suite[] };

/** The paths `npm pack` would put in the package (no lifecycle scripts run). */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
}

/** The relative .mjs imports of a bench script, static and dynamic, as paths relative to the repository. */
function relativeImports(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:from\s*|import\()'(\.{1,2}\/[^']+\.mjs)'/g)].map((m) => path.posix.join(path.posix.dirname(file), m[1]!));
}

describe('langevin-pc bench', () => {
  it('refuses an unknown suite with a coded error, running none', async () => {
    const run = await runCli(['bench', '--suite', 'no-such-suite', '--quick']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/LPC_INVALID_ARGUMENT: --suite must be one of native, gradients, step-overhead, throughput, .*; received no-such-suite/);
  });

  it('lists its options and every suite of bench/suites.mjs in --help, marking the clone-only ones', async () => {
    const run = await runCli(['bench', '--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--suite', '--quick', '--json', '--out']) expect(run.stdout).toContain(flag);
    for (const suite of SUITES) expect(run.stdout).toMatch(new RegExp(`^  ${suite.name} .*${suite.cloneOnly ? '\\[clone only\\]' : ''}`, 'm'));
    expect(run.stdout).toContain('langevin-pc bench --suite native --quick');
  });
});

describe('langevin-pc bench from an installed package', () => {
  const files = packedFiles();
  let pkg: ChildScript;
  let pkgRoot: string;
  let cli: string;
  let work: ReturnType<typeof tempFolder>;

  beforeAll(() => {
    // The package as installed: dist/ (here every module of lib/ transpiled, as tsc compiles them all), the
    // shipped bench files, package.json; the addon is found through the build/ link the helper makes,
    // dependencies through the node_modules it lies in.
    const modules = readdirSync(path.join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    pkg = transpileChildScript(
      'lib/cli/main.ts',
      modules.map((f) => path.join('lib', f)),
    );
    pkgRoot = pkg.file.slice(0, pkg.file.length - 'lib/cli/main.js'.length);
    renameSync(path.join(pkgRoot, 'lib'), path.join(pkgRoot, 'dist'));
    writeFileSync(path.join(pkgRoot, 'package.json'), readFileSync(path.join(ROOT, 'package.json')));
    for (const f of files.filter((p) => p.startsWith('bench/'))) {
      mkdirSync(path.dirname(path.join(pkgRoot, f)), { recursive: true });
      cpSync(path.join(ROOT, f), path.join(pkgRoot, f));
    }
    cli = path.join(pkgRoot, 'dist', 'cli', 'main.js');
    work = tempFolder('lpc-bench-');
  }, 60_000);
  afterAll(() => {
    pkg?.dispose();
    work?.dispose();
  });

  const runInstalled = (args: string[], cwd: string) => spawnSync(process.execPath, [cli, 'bench', ...args], { cwd, encoding: 'utf8', timeout: 60_000 });

  it('ships the package-only suites with every helper they import, and no clone-only suite, peers, evidence or results', () => {
    for (const suite of SUITES.filter((s) => !s.cloneOnly)) {
      const pending = ['bench/run.mjs', `bench/${suite.script}`];
      while (pending.length > 0) {
        const file = pending.pop()!;
        expect(files, `${suite.name}: ${file}`).toContain(file);
        pending.push(...relativeImports(file).filter((f) => f !== 'bench/render-results.mjs'));
      }
    }
    for (const suite of SUITES.filter((s) => s.cloneOnly)) expect(files).not.toContain(`bench/${suite.script}`);
    expect(files.filter((f) => /^bench\/(peers|evidence|results)\//.test(f) || f === 'bench/RESULTS.md' || f === 'bench/render-results.mjs')).toEqual([]);
  });

  it('runs the native suite from the shipped files and writes its JSON to --out, not into the package', () => {
    const out = path.join(work.dir, 'results');
    const run = runInstalled(['--suite', 'native', '--quick', '--out', out], work.dir);
    expect(run.status, run.stderr).toBe(0);
    const json = JSON.parse(readFileSync(path.join(out, 'native-quick.json'), 'utf8')) as {
      suite: string;
      quick: boolean;
      machine: { cpu: string; cores: number; node: string };
      results: Array<{ kind: string; threads: number; fractionOfCopy: { median: number; min: number; max: number } }>;
    };
    expect(json.suite).toBe('native');
    expect(json.quick).toBe(true);
    expect(json.machine.cpu.length).toBeGreaterThan(0);
    expect(json.machine.cores).toBeGreaterThan(0);
    expect(json.machine.node).toBe(process.version);
    expect(new Set(json.results.map((r) => r.kind))).toEqual(new Set(['none', 'rmsprop', 'adam']));
    for (const r of json.results) {
      expect(r.fractionOfCopy.median).toBeGreaterThan(0);
      expect(r.fractionOfCopy.min).toBeLessThanOrEqual(r.fractionOfCopy.median);
      expect(r.fractionOfCopy.max).toBeGreaterThanOrEqual(r.fractionOfCopy.median);
    }
    expect(existsSync(path.join(pkgRoot, 'bench', 'results'))).toBe(false);
  }, 60_000);

  it('writes to ./langevin-pc-bench in the working directory when no --out is given', () => {
    const cwd = path.join(work.dir, 'project');
    mkdirSync(cwd);
    const run = runInstalled(['--suite', 'native', '--quick', '--json'], cwd);
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(path.join(cwd, 'langevin-pc-bench'))).toEqual(['native-quick.json']);
    expect((JSON.parse(run.stdout) as { native: { suite: string } }).native.suite).toBe('native');
  }, 60_000);

  it('refuses a clone-only suite with LPC_NOT_FOUND, saying it needs a clone', () => {
    for (const suite of ['peers', 'update-profile']) {
      const run = runInstalled(['--suite', suite], work.dir);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^langevin-pc: LPC_NOT_FOUND: suite ${suite} needs a clone of the langevin-pc repository: .* runs only native, gradients, step-overhead, throughput\\n$`));
    }
  });
});
