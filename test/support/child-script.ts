/**
 * Test helper: makes a TypeScript script runnable by a plain `node` child process, for tests that
 * spawn and kill processes. Node 20 cannot strip types, there is no TS loader among the dependencies,
 * and dist/ may be stale, so the script and every module it reaches through relative imports are
 * transpiled (types removed, no type check: vitest does not type-check either) with the `typescript`
 * package into a folder under node_modules/.cache. The folder mirrors the repository's layout, so
 * relative imports keep working, and it lies inside node_modules/, so bare package imports resolve.
 * lib/native/binding.ts finds the addon relative to its own file, so the folder links to the
 * repository's build/ and prebuilds/. Transpiling once and spawning `node file.js` keeps each spawn
 * as cheap as a bare node start.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A transpiled script: run `node script.file`; dispose() removes the folder. */
export interface ChildScript {
  /** Absolute path of the transpiled entry module. */
  file: string;
  dispose(): void;
}

/**
 * Transpiles `entry` (a .ts path relative to the repository root) and its relative imports, plus `also`:
 * modules loaded by path rather than imported (a worker thread's entry), with their imports.
 */
export function transpileChildScript(entry: string, also: readonly string[] = []): ChildScript {
  const cacheRoot = path.join(REPO_ROOT, 'node_modules', '.cache');
  mkdirSync(cacheRoot, { recursive: true });
  const outRoot = mkdtempSync(path.join(cacheRoot, 'langevin-pc-child-'));
  // Inside node_modules Node does not look further up for package.json, so say "ESM" here.
  writeFileSync(path.join(outRoot, 'package.json'), '{ "type": "module" }\n');
  for (const native of ['build', 'prebuilds']) {
    if (existsSync(path.join(REPO_ROOT, native))) symlinkSync(path.join(REPO_ROOT, native), path.join(outRoot, native), 'dir');
  }
  const done = new Set<string>();
  const pending = [entry, ...also].map((file) => path.resolve(REPO_ROOT, file));
  while (pending.length > 0) {
    const source = pending.pop() as string;
    if (done.has(source)) continue;
    done.add(source);
    const text = readFileSync(source, 'utf8');
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      if (fileName.startsWith('.')) pending.push(path.resolve(path.dirname(source), fileName.replace(/\.js$/, '.ts')));
    }
    const { outputText } = ts.transpileModule(text, {
      fileName: source,
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const out = path.join(outRoot, path.relative(REPO_ROOT, source)).replace(/\.ts$/, '.js');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  const file = path.join(outRoot, path.relative(REPO_ROOT, path.resolve(REPO_ROOT, entry))).replace(/\.ts$/, '.js');
  return { file, dispose: () => rmSync(outRoot, { recursive: true, force: true }) };
}
