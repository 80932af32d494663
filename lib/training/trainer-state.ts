/**
 * A trainer's state as one flat record of named numbers, bigints and typed arrays: everything that evolves
 * across minibatches (parameters, optimiser moments, random-stream positions, counters, the position in the
 * data), in the form encodeState() writes bit for bit. A fresh trainer built with the same configuration that
 * imports it continues exactly as the exporting one would have.
 *
 * Names: trainer/kind (1 lpc, 2 vae), trainer/version, progress/updates, progress/epoch, progress/batch,
 * progress/order, data/count, data/batchSize, data/dropLast (0 or 1), theta/<param>, phi/<param>, optimizer/<theta|phi>/{t, lr,
 * s0/<param>, s1/<param>}, rng/<purpose>/{seed, stream, counter}.
 */
import { LpcError } from '../errors.js';
import type { Optimizer, OptimizerState } from '../native/optimizer.js';
import type { RngState } from '../native/rng.js';
import type { ParameterSet } from '../onnx/params.js';
import type { CursorPosition } from './batch-cursor.js';
import { STREAM_PURPOSES, type StreamPurpose, type TrainingStreams } from './random-streams.js';
import type { StateRecord, StateValue } from './state-blob.js';

/** The format version this code writes and reads. */
export const TRAINER_STATE_VERSION = 1;

const KIND_CODES = { lpc: 1, vae: 2 } as const;

/** Where training stands in its data, with what identifies that data. */
export interface DataPosition extends CursorPosition {
  /** Images in the set (0 before any run). */
  dataCount: number;
  /** The batch size of the runs so far (0 before any run). */
  batchSize: number;
  /** Whether those runs dropped a short last batch. */
  dropLast: boolean;
}

/** The live objects a state is read from and written into. */
export interface TrainerParts {
  readonly kind: keyof typeof KIND_CODES;
  readonly theta: ParameterSet;
  readonly phi: ParameterSet | null;
  readonly thetaOptimizer: Optimizer;
  readonly phiOptimizer: Optimizer | null;
  readonly streams: TrainingStreams;
}

/** Counters kept by the trainer itself. */
export interface TrainerCounters {
  updates: number;
  position: DataPosition;
}

/** Reads the whole state (copies). */
export function exportTrainerState(parts: TrainerParts, counters: TrainerCounters): StateRecord {
  const r: StateRecord = {
    'trainer/kind': KIND_CODES[parts.kind],
    'trainer/version': TRAINER_STATE_VERSION,
    'progress/updates': counters.updates,
    'progress/epoch': counters.position.epoch,
    'progress/batch': counters.position.batch,
    'progress/order': counters.position.order.slice(),
    'data/count': counters.position.dataCount,
    'data/batchSize': counters.position.batchSize,
    'data/dropLast': counters.position.dropLast ? 1 : 0,
  };
  for (const [group, params, optimizer] of groups(parts)) {
    for (const p of params) r[`${group}/${p.name}`] = Float32Array.from(p.data);
    const s = optimizer.getState();
    r[`optimizer/${group}/t`] = s.t;
    r[`optimizer/${group}/lr`] = s.lr;
    params.names.forEach((n, i) => {
      r[`optimizer/${group}/s0/${n}`] = s.s0[i];
      r[`optimizer/${group}/s1/${n}`] = s.s1[i];
    });
  }
  const rng = parts.streams.getState();
  for (const p of STREAM_PURPOSES) {
    r[`rng/${p}/seed`] = rng[p].seed;
    r[`rng/${p}/stream`] = rng[p].stream;
    r[`rng/${p}/counter`] = rng[p].counter;
  }
  return r;
}

/**
 * Checks the whole record against the live objects first (kind, version, every name, type and length), then
 * writes it into them: a bad record throws LPC_CHECKPOINT and changes nothing. Returns the counters.
 */
export function importTrainerState(parts: TrainerParts, record: StateRecord): TrainerCounters {
  if (typeof record !== 'object' || record === null) throw new LpcError('LPC_CHECKPOINT', 'a trainer state must be the record getState() returned');
  const read = reader(record);
  const kind = read.number('trainer/kind');
  if (kind !== KIND_CODES[parts.kind]) throw new LpcError('LPC_CHECKPOINT', `the state is of a ${kind === 1 ? 'lpc' : kind === 2 ? 'vae' : 'unknown'} trainer; this is a ${parts.kind} trainer`);
  const version = read.number('trainer/version');
  if (version !== TRAINER_STATE_VERSION) throw new LpcError('LPC_CHECKPOINT', `trainer state version ${version} is not supported (this code reads version ${TRAINER_STATE_VERSION})`);
  const counters: TrainerCounters = {
    updates: read.count('progress/updates'),
    position: {
      epoch: read.count('progress/epoch'),
      batch: read.count('progress/batch'),
      order: read.array('progress/order', Uint32Array, null),
      dataCount: read.count('data/count'),
      batchSize: read.count('data/batchSize'),
      dropLast: read.count('data/dropLast') === 1,
    },
  };
  const writes: (() => void)[] = [];
  for (const [group, params, optimizer] of groups(parts)) {
    for (const p of params) {
      const v = read.array(`${group}/${p.name}`, Float32Array, p.data.length);
      writes.push(() => (p.data as Float32Array).set(v));
    }
    const live = optimizer.getState();
    const state: OptimizerState = {
      t: read.count(`optimizer/${group}/t`),
      lr: read.number(`optimizer/${group}/lr`),
      s0: params.names.map((n, i) => read.array(`optimizer/${group}/s0/${n}`, Float32Array, live.s0[i].length)),
      s1: params.names.map((n, i) => read.array(`optimizer/${group}/s1/${n}`, Float32Array, live.s1[i].length)),
    };
    if (!(state.lr > 0)) throw new LpcError('LPC_CHECKPOINT', `optimizer/${group}/lr must be positive; the state has ${state.lr}`);
    writes.push(() => optimizer.setState(state));
  }
  const rng = {} as Record<StreamPurpose, RngState>;
  for (const p of STREAM_PURPOSES) rng[p] = { seed: read.bigint(`rng/${p}/seed`), stream: read.bigint(`rng/${p}/stream`), counter: read.bigint(`rng/${p}/counter`) };
  writes.push(() => parts.streams.setState(rng));
  for (const write of writes) write();
  return counters;
}

function groups(parts: TrainerParts): [string, ParameterSet, Optimizer][] {
  const out: [string, ParameterSet, Optimizer][] = [['theta', parts.theta, parts.thetaOptimizer]];
  if (parts.phi !== null && parts.phiOptimizer !== null) out.push(['phi', parts.phi, parts.phiOptimizer]);
  return out;
}

/** Typed, checked access to the record's entries. */
function reader(record: StateRecord) {
  const get = (name: string): StateValue => {
    if (!(name in record)) throw new LpcError('LPC_CHECKPOINT', `the trainer state has no entry '${name}' (was it written by a trainer of another configuration?)`);
    return record[name];
  };
  const number = (name: string): number => {
    const v = get(name);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new LpcError('LPC_CHECKPOINT', `trainer state entry '${name}' must be a finite number`);
    return v;
  };
  return {
    number,
    count(name: string): number {
      const v = number(name);
      if (!Number.isSafeInteger(v) || v < 0) throw new LpcError('LPC_CHECKPOINT', `trainer state entry '${name}' must be a non-negative integer; it is ${v}`);
      return v;
    },
    bigint(name: string): bigint {
      const v = get(name);
      if (typeof v !== 'bigint' || v < 0n || v >= 2n ** 64n) throw new LpcError('LPC_CHECKPOINT', `trainer state entry '${name}' must be a 64-bit unsigned bigint`);
      return v;
    },
    array<T extends Float32Array | Uint32Array>(name: string, type: { new (n: number): T; name: string }, length: number | null): T {
      const v = get(name);
      if (!(v instanceof type) || (length !== null && v.length !== length)) {
        throw new LpcError('LPC_CHECKPOINT', `trainer state entry '${name}' must be a ${type.name}${length === null ? '' : ` of ${length} values`}; it is ${describe(v)}`);
      }
      return v as T;
    },
  };
}

function describe(v: StateValue): string {
  return ArrayBuffer.isView(v) ? `a ${v.constructor.name} of ${(v as Float32Array).length} values` : typeof v;
}
