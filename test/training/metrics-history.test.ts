/**
 * MetricsHistory: traces bounded by keeping every k-th update and doubling k, evaluation points with the
 * training energy of their window, the end-of-run point dropped when a resumed run goes on, and an exact JSON
 * round trip (what checkpoints rely on).
 */
import { describe, expect, it } from 'vitest';
import type { UpdateEvent } from '../../lib/training/events.js';
import { MetricsHistory, type PointEvaluation } from '../../lib/training/metrics-history.js';
import { expectLpcError } from '../support/expect-error.js';

function update(n: number, losses: Record<string, number> = { energy: 100 + n }): UpdateEvent {
  return { type: 'update', epoch: Math.floor(n / 10), update: n, batchSize: 8, losses, meanEnergy: n * 0.5, acceptRate: null, stepSize: 0.1, restarts: 0, droppedChains: 0, examplesPerSecond: 80, seconds: 0.25 };
}

const EVAL: PointEvaluation = { negElbo: null, negElboStdErr: null, nll: 90, nllK: 10, nllStdErr: 1, reconMse: 0.1, proposal: 'langevin', normalised: true };

describe('MetricsHistory', () => {
  it('keeps at most maxTracePoints trace points, every k-th update, doubling k as it grows', () => {
    const m = new MetricsHistory(8);
    for (let n = 1; n <= 100; n++) m.addUpdate(update(n));
    const t = m.traces;
    // 100 updates with at most 8 points: k = 16 keeps 16, 32, ..., 96 (6 points); k = 8 would keep 12.
    expect(t.every).toBe(16);
    expect(t.update).toEqual([16, 32, 48, 64, 80, 96]);
    expect(t.losses.energy).toEqual(t.update.map((u) => 100 + u));
    expect(t.meanEnergy).toEqual(t.update.map((u) => u * 0.5));
    for (const column of [t.epoch, t.stepSize, t.acceptRate, t.restarts, t.droppedChains, t.seconds]) expect(column).toHaveLength(6);
    expect(m.seconds).toBe(25);
  });

  it('pads a loss term that appears late with nulls so columns stay aligned', () => {
    const m = new MetricsHistory();
    m.addUpdate(update(1, { energy: 1 }));
    m.addUpdate(update(2, { energy: 2, forwardKl: 5 }));
    expect(m.traces.losses).toEqual({ energy: [1, 2], forwardKl: [null, 5] });
  });

  it("averages the training energy over each evaluation window; a point off the grid does not close it and goes when a later one comes", () => {
    const m = new MetricsHistory();
    m.addPoint({ updates: 0, epochs: 0, onGrid: true }, EVAL);
    for (let n = 1; n <= 4; n++) m.addUpdate(update(n));
    m.addPoint({ updates: 4, epochs: 0.4, onGrid: true }, EVAL);
    for (let n = 5; n <= 6; n++) m.addUpdate(update(n));
    const end = m.addPoint({ updates: 6, epochs: 0.6, onGrid: false }, EVAL);
    expect(end).toMatchObject({ updates: 6, offGrid: true, trainEnergy: (2.5 + 3) / 2 });
    for (let n = 7; n <= 8; n++) m.addUpdate(update(n));
    m.addPoint({ updates: 8, epochs: 0.8, onGrid: true }, EVAL);
    expect(m.history.map((p) => [p.updates, p.trainEnergy])).toEqual([
      [0, null],
      [4, (0.5 + 1 + 1.5 + 2) / 4],
      [8, (2.5 + 3 + 3.5 + 4) / 4],
    ]);
    expect(m.history[1].seconds).toBe(1);
  });

  it('round-trips through JSON exactly and goes on as the original would', () => {
    const a = new MetricsHistory(4);
    for (let n = 1; n <= 9; n++) a.addUpdate(update(n, { energy: Math.PI * n }));
    a.addPoint({ updates: 9, epochs: 0.9, onGrid: false }, EVAL);
    const b = MetricsHistory.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.toJSON()).toEqual(a.toJSON());
    for (const m of [a, b]) for (let n = 10; n <= 20; n++) m.addUpdate(update(n, { energy: Math.E * n }));
    a.addPoint({ updates: 20, epochs: 2, onGrid: true }, EVAL);
    b.addPoint({ updates: 20, epochs: 2, onGrid: true }, EVAL);
    expect(b.toJSON()).toEqual(a.toJSON());
  });

  it('refuses what is not a metrics state', () => {
    expectLpcError(() => MetricsHistory.fromJSON({ history: [] }, 'metrics.json'), 'LPC_CHECKPOINT', 'metrics.json');
    expectLpcError(() => new MetricsHistory(1), 'LPC_INVALID_ARGUMENT', 'maxTracePoints');
  });
});
