import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../lib/training/checkpoint-store.js';
import { decodeState, stateValue } from '../../lib/training/state-blob.js';
import { type ChildScript, transpileChildScript } from '../support/child-script.js';
import { expectLpcError } from '../support/expect-error.js';
import { checkpointContent } from './fixtures/checkpoint-content.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'lpc-ckpt-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const bytesOf = (...values: number[]) => new Uint8Array(values);

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);

/** The generation folders the manifest in `dir` names. */
function namedFolders(dir: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  return manifest.generations.map((g: { generation: number }) => `gen-${String(g.generation).padStart(6, '0')}`);
}

/** Flips one bit of a stored file in place: same size, different digest. */
function flipBit(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at] ^= 1;
  writeFileSync(file, bytes);
}

describe('CheckpointStore', () => {
  it('round-trips files (bytes and strings) and metadata', () => {
    const store = new CheckpointStore(path.join(root, 'run', 'checkpoint'));
    expect(store.exists()).toBe(false);
    expect(store.latestGeneration()).toBeNull();
    expectLpcError(() => store.read(), 'LPC_NOT_FOUND', 'no checkpoint');
    const payload = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
    const meta = { updates: 1200, config: { seed: 7, lr: 1e-3 }, history: [1.5, -0.25] };
    expect(store.write({ 'decoder.onnx': payload, 'config.json': '{"ü": 1}', 'empty.bin': new Uint8Array(0) }, meta)).toBe(1);
    expect(store.exists()).toBe(true);
    expect(store.latestGeneration()).toBe(1);
    const checkpoint = store.read();
    expect(checkpoint.generation).toBe(1);
    expect(checkpoint.rejected).toEqual([]);
    expect(checkpoint.meta).toEqual(meta);
    expect([...checkpoint.files.keys()]).toEqual(['decoder.onnx', 'config.json', 'empty.bin']);
    expect(checkpoint.bytes('decoder.onnx')).toEqual(payload);
    expect(checkpoint.text('config.json')).toBe('{"ü": 1}');
    expect(checkpoint.bytes('empty.bin').length).toBe(0);
    expect(Number.isNaN(Date.parse(checkpoint.written))).toBe(false);
    expectLpcError(() => checkpoint.bytes('encoder.onnx'), 'LPC_CHECKPOINT', '"encoder.onnx"');
    // A second store object over the same directory sees the same checkpoint.
    expect(new CheckpointStore(store.dir).read().bytes('decoder.onnx')).toEqual(payload);
  });

  it('keeps the newest `keep` generations and removes older ones', () => {
    const dir = path.join(root, 'checkpoint');
    for (const keep of [1, 2, 3]) {
      rmSync(dir, { recursive: true, force: true });
      const store = new CheckpointStore(dir, { keep });
      for (let g = 1; g <= 5; g++) expect(store.write({ 'g.txt': `generation ${g}` }, { g })).toBe(g);
      const folders = readdirSync(dir)
        .filter((n) => n.startsWith('gen-'))
        .sort();
      const expected = [5, 4, 3]
        .slice(0, keep)
        .map((g) => `gen-00000${g}`)
        .sort();
      expect(folders).toEqual(expected);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      expect(manifest.current).toBe(5);
      expect(manifest.generations.map((g: { generation: number }) => g.generation)).toEqual([5, 4, 3].slice(0, keep));
      expect(store.read().text('g.txt')).toBe('generation 5');
    }
  });

  it('falls back to the previous generation when a current file is damaged, and says why', () => {
    const dir = path.join(root, 'checkpoint');
    const store = new CheckpointStore(dir);
    store.write({ 'a.bin': bytesOf(1, 2, 3), 'b.txt': 'one' }, { step: 1 });
    store.write({ 'a.bin': bytesOf(4, 5, 6), 'b.txt': 'two' }, { step: 2 });
    const damages: Array<[string, () => void, string]> = [
      ['flipped bit', () => flipBit(path.join(dir, 'gen-000002', 'a.bin'), 1), 'a.bin does not match the SHA-256'],
      ['truncated', () => writeFileSync(path.join(dir, 'gen-000002', 'b.txt'), 'tw'), 'b.txt has 2 bytes, the manifest records 3'],
      ['deleted', () => unlinkSync(path.join(dir, 'gen-000002', 'b.txt')), 'b.txt is missing'],
    ];
    for (const [what, damage, problem] of damages) {
      rmSync(path.join(dir, 'gen-000002'), { recursive: true });
      mkdirSync(path.join(dir, 'gen-000002'));
      writeFileSync(path.join(dir, 'gen-000002', 'a.bin'), bytesOf(4, 5, 6));
      writeFileSync(path.join(dir, 'gen-000002', 'b.txt'), 'two');
      expect(new CheckpointStore(dir).read().meta, `intact before: ${what}`).toEqual({ step: 2 });
      damage();
      const checkpoint = new CheckpointStore(dir).read();
      expect(checkpoint.generation, what).toBe(1);
      expect(checkpoint.meta).toEqual({ step: 1 });
      expect(checkpoint.bytes('a.bin')).toEqual(bytesOf(1, 2, 3));
      expect(checkpoint.rejected).toHaveLength(1);
      expect(checkpoint.rejected[0].generation).toBe(2);
      expect(checkpoint.rejected[0].problem).toContain(problem);
    }
  });

  it('stops keeping a generation read() found damaged once the next one is written', () => {
    const dir = path.join(root, 'checkpoint');
    const store = new CheckpointStore(dir);
    store.write({ 'a.bin': bytesOf(1) }, { step: 1 });
    store.write({ 'a.bin': bytesOf(2) }, { step: 2 });
    flipBit(path.join(dir, 'gen-000002', 'a.bin'), 0);
    expect(store.read().generation).toBe(1);
    expect(store.write({ 'a.bin': bytesOf(3) }, { step: 3 })).toBe(3);
    // Kept: the new generation and the intact one it fell back to, not the damaged one.
    expect(
      readdirSync(dir)
        .filter((n) => n.startsWith('gen-'))
        .sort(),
    ).toEqual(['gen-000001', 'gen-000003']);
    flipBit(path.join(dir, 'gen-000003', 'a.bin'), 0);
    expect(new CheckpointStore(dir).read().meta).toEqual({ step: 1 });
  });

  it('throws LPC_CHECKPOINT naming the file when no kept generation is intact', () => {
    const dir = path.join(root, 'checkpoint');
    const store = new CheckpointStore(dir);
    store.write({ 'decoder.onnx': bytesOf(9, 9, 9, 9), 'c.json': '{}' });
    flipBit(path.join(dir, 'gen-000001', 'decoder.onnx'), 2);
    const error = expectLpcError(() => store.read(), 'LPC_CHECKPOINT', 'generation 1: decoder.onnx does not match the SHA-256');
    expect(error.message).toContain(dir);
    // With two damaged generations the message names the bad file of each.
    const two = path.join(root, 'two');
    const twoStore = new CheckpointStore(two);
    twoStore.write({ 'decoder.onnx': bytesOf(1), 'c.json': '{}' });
    twoStore.write({ 'decoder.onnx': bytesOf(2), 'c.json': '{}' });
    flipBit(path.join(two, 'gen-000001', 'decoder.onnx'), 0);
    unlinkSync(path.join(two, 'gen-000002', 'c.json'));
    expectLpcError(() => twoStore.read(), 'LPC_CHECKPOINT', 'generation 2: c.json is missing; generation 1: decoder.onnx does not match');
  });

  it('ignores leftovers of an interrupted write, removes them on the next write and never reuses a number', () => {
    const dir = path.join(root, 'checkpoint');
    const store = new CheckpointStore(dir);
    store.write({ 'a.txt': 'first' });
    mkdirSync(path.join(dir, 'gen-000007'));
    writeFileSync(path.join(dir, 'gen-000007', 'a.txt'), 'half');
    writeFileSync(path.join(dir, 'manifest.json.tmp-4242'), '{"format": "trunc');
    writeFileSync(path.join(dir, 'notes.txt'), 'the user put this here');
    expect(store.read().text('a.txt')).toBe('first');
    expect(store.latestGeneration()).toBe(1);
    expect(store.write({ 'a.txt': 'second' })).toBe(8);
    expect(readdirSync(dir).sort()).toEqual(['gen-000001', 'gen-000008', 'manifest.json', 'notes.txt']);
    expect(store.read().text('a.txt')).toBe('second');
  });

  it('rejects bad file names, contents and metadata before touching the disk', () => {
    const dir = path.join(root, 'never-created');
    const store = new CheckpointStore(dir);
    for (const name of ['a/b', '../x', '..', '.', 'a\\b', '', 'c:d', 'nul\0', 'x'.repeat(256)]) {
      expectLpcError(() => store.write({ [name]: 'x' }), 'LPC_INVALID_ARGUMENT', 'checkpoint file name');
    }
    expectLpcError(() => store.write({ 'a.bin': 3 as unknown as string }), 'LPC_INVALID_ARGUMENT', 'files["a.bin"]');
    expectLpcError(() => store.write({ 'a.bin': new Float32Array(2) as unknown as Uint8Array }), 'LPC_INVALID_ARGUMENT', 'Float32Array(2)');
    expectLpcError(() => store.write(null as unknown as Record<string, string>), 'LPC_INVALID_ARGUMENT', 'files');
    expectLpcError(() => store.write({ a: 'x' }, { loss: NaN }), 'LPC_INVALID_ARGUMENT', 'meta.loss');
    expectLpcError(() => store.write({ a: 'x' }, { seed: 1n }), 'LPC_INVALID_ARGUMENT', 'meta.seed');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expectLpcError(() => store.write({ a: 'x' }, circular), 'LPC_INVALID_ARGUMENT', 'meta must be JSON');
    expectLpcError(() => store.write({ a: 'x' }, [] as unknown as Record<string, unknown>), 'LPC_INVALID_ARGUMENT', 'meta');
    expect(existsSync(dir)).toBe(false);
    expectLpcError(() => new CheckpointStore(dir, { keep: 0 }), 'LPC_INVALID_ARGUMENT', 'options.keep');
    expectLpcError(() => new CheckpointStore(''), 'LPC_INVALID_ARGUMENT', 'dir');
  });

  it('refuses a damaged or hostile manifest, and writes nothing over it', () => {
    const dir = path.join(root, 'checkpoint');
    const store = new CheckpointStore(dir);
    store.write({ 'a.txt': 'kept' });
    const manifestPath = path.join(dir, 'manifest.json');
    const good = readFileSync(manifestPath, 'utf8');
    writeFileSync(manifestPath, good.slice(0, 40));
    expectLpcError(() => store.read(), 'LPC_CHECKPOINT', 'is not valid JSON');
    expectLpcError(() => store.write({ 'a.txt': 'new' }), 'LPC_CHECKPOINT', manifestPath);
    expect(readdirSync(dir).sort()).toEqual(['gen-000001', 'manifest.json']);
    writeFileSync(manifestPath, good.replace('"a.txt"', '"../../escape"'));
    expectLpcError(() => store.read(), 'LPC_CHECKPOINT', 'generations[0].files[0].name');
    writeFileSync(manifestPath, good.replace(/"sha256": "[0-9a-f]+"/, '"sha256": "abc"'));
    expectLpcError(() => store.read(), 'LPC_CHECKPOINT', 'sha256');
    writeFileSync(manifestPath, good);
    expect(store.read().text('a.txt')).toBe('kept');
  });

  it('reports a directory it cannot create as LPC_CHECKPOINT', () => {
    writeFileSync(path.join(root, 'file'), 'not a directory');
    const store = new CheckpointStore(path.join(root, 'file', 'checkpoint'));
    expectLpcError(() => store.write({ a: 'x' }), 'LPC_CHECKPOINT', 'cannot prepare');
  });
});

describe('CheckpointStore under kill -9', () => {
  // The writer runs as a separate node process (transpiled once; see test/support/child-script.ts).
  let child: ChildScript;
  beforeAll(() => {
    child = transpileChildScript('test/training/fixtures/checkpoint-writer.ts');
  });
  afterAll(() => child?.dispose());
  // A writer still running when a test fails or times out must not outlive it.
  let running: ChildProcess | undefined;
  afterEach(() => running?.kill('SIGKILL'));

  /** Runs the writer on `dir` with KILL_AT `killAt`; resolves with what it printed once it has ended as expected. */
  function runWriter(dir: string, killAt: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const proc = spawn(process.execPath, [child.file, dir, String(killAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
      running = proc;
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (chunk) => (stdout += chunk));
      proc.stderr.on('data', (chunk) => (stderr += chunk));
      proc.on('error', reject);
      proc.on('exit', (code, signal) => {
        running = undefined;
        if ((killAt === 0 && code === 0) || (killAt > 0 && signal === 'SIGKILL')) resolve(stdout);
        else reject(new Error(`writer (kill at ${killAt}) exited with code ${code}, signal ${signal}: ${stderr}`));
      });
    });
  }

  it('always leaves a complete, verified generation, killed at each file-system call of a write in turn', async () => {
    const dir = path.join(root, 'checkpoint');
    // Three generations written in full; the third write's disk-changing calls (it also prunes the first).
    const calls = Number(await runWriter(dir, 0));
    expect(calls).toBeGreaterThan(10);
    let lastStep = 3;
    let interruptedWrites = 0;
    let committed = 0;
    // Each run continues from the newest generation and is killed at call `at` of its first write.
    for (let at = 1; at <= calls; at++) {
      await runWriter(dir, at);
      const named = namedFolders(dir);
      if (readdirSync(dir).some((n) => n !== 'manifest.json' && !named.includes(n))) interruptedWrites++;
      const checkpoint = new CheckpointStore(dir).read();
      const step = checkpoint.meta.step as number;
      // SIGKILL loses nothing the kernel accepted, so the current generation itself must be intact.
      expect(checkpoint.rejected, `after a kill at call ${at}`).toEqual([]);
      expect([lastStep, lastStep + 1], `after a kill at call ${at}`).toContain(step);
      if (step > lastStep) committed++;
      const expected = checkpointContent(step);
      expect([...checkpoint.files.keys()].sort()).toEqual(Object.keys(expected).sort());
      // Buffer.equals: vitest's toEqual takes seconds on megabyte arrays.
      expect(sameBytes(checkpoint.bytes('decoder.bin'), expected['decoder.bin'] as Uint8Array), `decoder.bin of step ${step}`).toBe(true);
      expect(sameBytes(checkpoint.bytes('optimizer.state'), expected['optimizer.state'] as Uint8Array), `optimizer.state of step ${step}`).toBe(true);
      expect(checkpoint.text('config.json')).toBe(expected['config.json']);
      expect(stateValue(decodeState(checkpoint.bytes('optimizer.state')), 'step', 'number')).toBe(step);
      lastStep = step;
    }
    // Kills before the manifest names the new generation keep the old one, kills after it (pruning, the last
    // fsyncs) keep the new one, and every kill before the commit leaves a half-written folder behind. The kills
    // land at calls, not moments, so these counts are the same on every machine; they change only with the
    // write itself (one fsync fewer is one call fewer): measured 32 calls, the last 2 after the commit.
    expect({ calls, committed, interruptedWrites }).toEqual({ calls: 32, committed: 2, interruptedWrites: 30 });
    // The next write tidies every leftover away.
    const store = new CheckpointStore(dir);
    store.write(checkpointContent(lastStep + 1), { step: lastStep + 1 });
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', ...namedFolders(dir)].sort());
  });
});
