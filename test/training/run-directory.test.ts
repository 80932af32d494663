/**
 * RunDirectory: a checkpoint holds the trainer state bit for bit, the networks, the configuration and the
 * metrics, and reads back as written; result files are replaced whole, leaving no temporary files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FILES, RUN_FILES, RunDirectory } from '../../lib/training/run-directory.js';
import { expectLpcError } from '../support/expect-error.js';

const root = mkdtempSync(path.join(tmpdir(), 'lpc-run-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STATE = {
  'progress/updates': 12,
  'theta/w': Float32Array.from([1.5, -0, Number.MIN_VALUE, 3e38]),
  'rng/langevin/counter': 2n ** 63n + 5n,
};

describe('RunDirectory', () => {
  it('writes checkpoints that read back exactly, newest first, with or without an encoder', () => {
    const run = new RunDirectory(path.join(root, 'a'));
    expect(run.hasCheckpoint()).toBe(false);
    expectLpcError(() => run.readCheckpoint(), 'LPC_NOT_FOUND');
    const decoder = Uint8Array.from([8, 1, 2, 3]);
    expect(run.writeCheckpoint({ state: STATE, decoder, encoder: null }, { config: { algo: 'lpc' }, metrics: { history: [1] }, epoch: 1 })).toBe(1);
    const encoder = Uint8Array.from([9, 9]);
    const state2 = { ...STATE, 'progress/updates': 20 };
    expect(run.writeCheckpoint({ state: state2, decoder, encoder }, { config: { algo: 'vae' }, metrics: { history: [1, 2] }, epoch: 2 })).toBe(2);
    const back = run.readCheckpoint();
    expect(back).toMatchObject({ updates: 20, epoch: 2, generation: 2, config: { algo: 'vae' }, metrics: { history: [1, 2] }, rejected: [] });
    expect(back.state).toEqual(state2);
    expect(Object.is((back.state['theta/w'] as Float32Array)[1], -0)).toBe(true);
    expect([...back.decoder]).toEqual([...decoder]);
    expect([...(back.encoder ?? [])]).toEqual([...encoder]);
    expect(readdirSync(path.join(root, 'a', RUN_FILES.checkpoint, 'gen-000002')).sort()).toEqual(Object.values(CHECKPOINT_FILES).sort());
  });

  it('refuses a snapshot whose state has no update count', () => {
    const run = new RunDirectory(path.join(root, 'b'));
    expectLpcError(() => run.writeCheckpoint({ state: { x: 1 }, decoder: new Uint8Array(1), encoder: null }, { config: {}, metrics: {}, epoch: 0 }), 'LPC_INVALID_ARGUMENT', 'progress/updates');
  });

  it('replaces result files whole and leaves nothing else behind', () => {
    const run = new RunDirectory(path.join(root, 'c'));
    run.writeCheckpoint({ state: STATE, decoder: new Uint8Array(3), encoder: null }, { config: {}, metrics: {}, epoch: 0 });
    const file = run.writeResult(RUN_FILES.metrics, '{"a":1}\n');
    run.writeResult(RUN_FILES.metrics, '{"a":2}\n');
    run.writeResult(RUN_FILES.decoder, Uint8Array.from([1, 2]));
    expect(readFileSync(file, 'utf8')).toBe('{"a":2}\n');
    expect(readdirSync(run.dir).sort()).toEqual([RUN_FILES.checkpoint, RUN_FILES.decoder, RUN_FILES.metrics].sort());
  });
});
