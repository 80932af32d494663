/**
 * npm in a clone says nothing it need not: `npx langevin-pc` prints no `npm warn` (a project config npm does not
 * know, such as onnxruntime-node's install flag in an .npmrc, warns on every command). Installs stay offline-safe
 * without that flag: package.json's allowScripts reviews every dependency with an install script, denying
 * onnxruntime-node's, which would otherwise download CUDA files from a host beside the npm registry.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; allowScripts?: Record<string, boolean> };

function onPath(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error(`${name} not found on PATH`);
}

describe('npm in a clone', () => {
  it('runs `npx langevin-pc --version` with nothing on stderr', () => {
    // A shell's environment: none of the npm_* variables an enclosing `npm test` sets.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
    const run = spawnSync(onPath('npx'), ['langevin-pc', '--version'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
    expect(run.stderr).toBe('');
    // npx compiles the package into dist/ when a clone has not yet (its prepare script): minutes on a loaded machine.
  }, 300_000);

  it('reviews the install script of every locked dependency in allowScripts, denying onnxruntime-node', () => {
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([key, entry]) => key !== '' && entry.hasInstallScript === true)
      .map(([key]) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toContain('onnxruntime-node');
    const reviewed = pkg.allowScripts ?? {};
    expect(withScripts.filter((name) => !(name in reviewed))).toEqual([]);
    expect(reviewed['onnxruntime-node']).toBe(false);
    expect(existsSync(path.join(ROOT, '.npmrc')) ? readFileSync(path.join(ROOT, '.npmrc'), 'utf8') : '').not.toMatch(/onnxruntime-node-install/);
  });
});
