/**
 * The README's TypeScript examples work as printed: every ```ts block is type-checked against the package's
 * own types (`import ... from 'langevin-pc'` mapped to lib/index.ts), then run in order in one folder, as a user
 * runs them one after another (the first writes the decoder.onnx the later ones read). To keep the test short,
 * each run shrinks the sizes the README states (updates, epochs, images, steps) by replacing their text, and
 * each replacement must match once, so an edited example cannot escape the test. The blocks run in child
 * processes against the package transpiled into one folder whose package.json is named langevin-pc, so that
 * the bare import resolves to this repository and TrainingWorker finds its worker entry beside it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDecoder } from '../../lib/models/load-decoder.js';
import { decodePng } from '../../lib/data/png-codec.js';
import { transpileChildScript, type ChildScript } from '../support/child-script.js';

const ROOT = path.join(import.meta.dirname, '..', '..');

/** The ```ts blocks of the README, in order, with the file name each one's first comment gives. */
const blocks = [...readFileSync(path.join(ROOT, 'README.md'), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(([, code]) => {
  const name = /^\/\/ ([\w-]+\.mts)\b/.exec(code!)?.[1];
  return { name: name ?? 'unnamed.mts', code: code! };
});

/** Smaller sizes for the run, by example: [text in the README, text run instead]. */
const SHRINK: Record<string, [string, string][]> = {
  'train-lpc.mts': [
    ['updates: 400', 'updates: 3'],
    ['event.update % 100 === 0', 'event.update % 1 === 0'],
  ],
  'train-vae.mts': [
    ['epochs: 1', 'updates: 3'],
    ['event.update % 100 === 0', 'event.update % 1 === 0'],
  ],
  'infer.mts': [
    ['sliceImages(loadMnist().test, 0, 64)', 'sliceImages(loadMnist().test, 0, 6)'],
    ['steps: 300', 'steps: 20'],
  ],
  'sample.mts': [],
  'native.mts': [],
};

function shrunk(name: string, code: string): string {
  let out = code;
  for (const [from, to] of SHRINK[name] ?? []) {
    expect(out.split(from).length - 1, `${name}: '${from}' appears once`).toBe(1);
    out = out.replace(from, to);
  }
  return out;
}

let work: string;
let lib: ChildScript;
let packageRoot: string;

beforeAll(() => {
  // The package as plain JavaScript in a folder of its own (inside node_modules, so its dependencies resolve).
  // The worker's entry is loaded by path, and the onnx namespace is an `export * as` (not seen as an import).
  lib = transpileChildScript('lib/index.ts', ['lib/training/worker-entry.ts', 'lib/onnx/index.ts']);
  packageRoot = path.dirname(path.dirname(lib.file));
  writeFileSync(path.join(packageRoot, 'package.json'), JSON.stringify({ name: 'langevin-pc', type: 'module', exports: { '.': './lib/index.js' } }));
  mkdirSync(path.join(packageRoot, 'readme'));
  work = mkdtempSync(path.join(tmpdir(), 'lpc-readme-'));
});

afterAll(() => {
  lib?.dispose();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('README quickstart', () => {
  it('has the examples this test shrinks, each named by its first line', () => {
    expect(blocks.map((b) => b.name)).toEqual(Object.keys(SHRINK));
  });

  it('type-checks every example against the package types', () => {
    const dir = path.join(packageRoot, 'typecheck');
    mkdirSync(dir, { recursive: true });
    const files = blocks.map((b) => {
      const file = path.join(dir, b.name);
      writeFileSync(file, b.code);
      return file;
    });
    const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const options: ts.CompilerOptions = {
      ...config.options,
      noEmit: true,
      rootDir: undefined,
      paths: { 'langevin-pc': [path.join(ROOT, 'lib', 'index.ts')] },
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
    };
    const program = ts.createProgram(files, options);
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file === undefined || files.includes(path.resolve(d.file.fileName)));
    const messages = diagnostics.map((d) => `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(messages).toEqual([]);
    // Every example imports the package itself.
    for (const file of files) expect(program.getSourceFile(file)!.statements.some((s) => ts.isImportDeclaration(s) && (s.moduleSpecifier as ts.StringLiteral).text === 'langevin-pc')).toBe(true);
  }, 120_000);

  it('runs the examples in order: LPC and the VAE train, inference and sampling use the decoder the first wrote', async () => {
    const out: Record<string, string> = {};
    for (const { name, code } of blocks) {
      const { outputText } = ts.transpileModule(shrunk(name, code), { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
      const file = path.join(packageRoot, 'readme', name.replace(/\.mts$/, '.mjs'));
      writeFileSync(file, outputText);
      const run = spawnSync(process.execPath, [file], { cwd: work, encoding: 'utf8', timeout: 120_000 });
      expect(run.status, `${name}: ${run.stderr}`).toBe(0);
      out[name] = run.stdout;
    }
    // Progress events with finite losses, one line per update.
    expect(out['train-lpc.mts']!.match(/^update [123]: energy \d+\.\d nats, \d+ images\/s$/gm)).toHaveLength(3);
    expect(out['train-vae.mts']!.match(/^update [123]: -ELBO \d+\.\d nats$/gm)).toHaveLength(3);
    for (const file of ['decoder.onnx', 'vae-decoder.onnx']) {
      const decoder = await loadDecoder(readFileSync(path.join(work, file)));
      expect([decoder.latentDim, decoder.imageShape, decoder.range]).toEqual([16, [1, 28, 28], '01']);
    }
    expect(out['infer.mts']).toMatch(/^mean energy \d+\.\d nats per image; latents \[6, 16\]$/m);
    // 6 digits beside their reconstructions; 64 samples in 8 columns.
    const inferred = decodePng(readFileSync(path.join(work, 'infer.png')), 'infer.png');
    const samples = decodePng(readFileSync(path.join(work, 'samples.png')), 'samples.png');
    expect(inferred.width).toBeGreaterThan(2 * 28 * 2);
    expect([samples.width, samples.height]).toEqual([8 * 28 + 9 * 2, 8 * 28 + 9 * 2]);
    // The native example's unadjusted variance 2 / (lambda (2 - eta lambda)) = 0.26 for lambda = 4, eta = 0.02.
    const variance = Number(/^variance ([\d.]+)$/m.exec(out['native.mts']!)?.[1]);
    expect(variance).toBeGreaterThan(0.24);
    expect(variance).toBeLessThan(0.28);
    expect(existsSync(path.join(work, 'decoder.onnx'))).toBe(true);
  }, 180_000);
});
