/**
 * What every subcommand shares: --help with a usage line and examples, failures as one line on stderr with a
 * code (the stack only with --verbose), and a quiet end when the reader of stdout goes away (`| head`).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_EXAMPLES } from '../../lib/cli/command-examples.js';
import { transpileChildScript, type ChildScript } from '../support/child-script.js';
import { runCli } from './support.js';

/** The subcommands the program registers, from its own top-level help. */
async function subcommands(): Promise<string[]> {
  const help = await runCli(['--help']);
  const block = help.stdout.split('Commands:\n')[1] ?? '';
  return [...block.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]).filter((name) => name !== 'help');
}

describe('--help', () => {
  it('lists the commands the examples table covers', async () => {
    const names = await subcommands();
    expect(names).toEqual(expect.arrayContaining(['train', 'eval', 'infer', 'sample', 'check-grad', 'bench', 'report', 'export-web', 'info']));
    for (const name of Object.keys(COMMAND_EXAMPLES)) expect(names).toContain(name);
  });

  it('answers every subcommand with "Usage: langevin-pc <command>" first and at least one example', async () => {
    for (const name of await subcommands()) {
      const run = await runCli([name, '--help']);
      expect(run.code, name).toBe(0);
      expect(run.stdout.split('\n').slice(0, 3).join('\n'), name).toContain(`Usage: langevin-pc ${name} `);
      const examples = run.stdout.split(/\nExamples?:\n/)[1] ?? '';
      expect(examples, name).toMatch(new RegExp(`^ {2}langevin-pc ${name}\\b`, 'm'));
    }
  });
});

describe('errors', () => {
  it('are one line on stderr with the code, also with --json, and nothing on stdout', async () => {
    const run = await runCli(['eval', '/nonexistent/decoder.onnx', '--json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^langevin-pc: LPC_NOT_FOUND: cannot read the decoder file '\/nonexistent\/decoder\.onnx'[^\n]*\n$/);
  });

  it('name the command line problem and where to look', async () => {
    const run = await runCli(['info', '--bogus']);
    expect(run.stderr).toBe("langevin-pc: LPC_INVALID_ARGUMENT: unknown option '--bogus'; see langevin-pc <command> --help\n");
  });

  it('carry the stack trace with --verbose', async () => {
    const run = await runCli(['eval', '/nonexistent/decoder.onnx', '--verbose']);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^langevin-pc: LPC_NOT_FOUND: /);
    expect(lines.slice(1).some((l) => /^\s+at /.test(l))).toBe(true);
  });
});

describe('a closed stdout', () => {
  let child: ChildScript;
  beforeAll(() => {
    child = transpileChildScript('lib/cli/main.ts');
    // main.ts reads its version from the package.json two folders up; the transpiled copy's holds none.
    writeFileSync(path.join(path.dirname(child.file), '..', '..', 'package.json'), JSON.stringify({ type: 'module', version: '0.0.0-test' }));
  });
  afterAll(() => child?.dispose());

  it('ends the program quietly with status 0 (no EPIPE stack)', async () => {
    const proc = spawn(process.execPath, [child.file, 'train', '--help'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.dirname(child.file) });
    // The reader leaves before the first byte, as `| head -0` would.
    proc.stdout.destroy();
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
