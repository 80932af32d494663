/**
 * The random streams of a training run, all derived from one seed: Philox key `seed`, one stream id per
 * purpose. Counter-based streams are independent by construction, so adding draws to one purpose (more
 * Langevin steps, say) never shifts the numbers another purpose sees, and each stream's position is three
 * integers that a checkpoint stores exactly.
 *
 * Networks built by a trainer are initialised from keys drawn off the 'init' stream (one 64-bit key per
 * network, decoder first), which is used only at construction and so never needs saving.
 */
import { Rng, type RngState } from '../native/rng.js';

/** What each training stream is for. */
export const STREAM_PURPOSES = ['order', 'binarize', 'langevin', 'reparam'] as const;
/** The stream that initialisation keys come from. */
const INIT_STREAM_INDEX = STREAM_PURPOSES.length;
/** One of STREAM_PURPOSES. */
export type StreamPurpose = (typeof STREAM_PURPOSES)[number];

/**
 * Stream ids of the training purposes: far from 0 (initialisation) and from the LangevinSampler's stream base
 * (whose chains also use another key, drawn from the 'langevin' stream), so no two purposes meet.
 */
const TRAINING_STREAM_BASE = 0x5452_4149_4e00_0000n;

/**
 * The generators of one run, one per purpose.
 *
 * @example
 * using streams = new TrainingStreams(7n);
 * streams.get('reparam').normal(64 * 16);
 * const saved = streams.getState();   // ...later, on a fresh TrainingStreams(7n): setState(saved)
 */
export class TrainingStreams {
  /** The run's seed: the Philox key of every stream. */
  readonly seed: bigint;
  readonly #rngs: Map<StreamPurpose, Rng>;

  /** Every purpose's stream of `seed`, at its start. */
  constructor(seed: bigint) {
    this.seed = seed;
    this.#rngs = new Map(STREAM_PURPOSES.map((p, i) => [p, new Rng({ seed, stream: TRAINING_STREAM_BASE + BigInt(i) })]));
  }

  /** The generator of one purpose. */
  get(purpose: StreamPurpose): Rng {
    return this.#rngs.get(purpose) as Rng;
  }

  /** Every stream's position. */
  getState(): Record<StreamPurpose, RngState> {
    return Object.fromEntries(STREAM_PURPOSES.map((p) => [p, this.get(p).getState()])) as Record<StreamPurpose, RngState>;
  }

  /** Continues every stream from positions returned by getState(). */
  setState(state: Record<StreamPurpose, RngState>): void {
    for (const p of STREAM_PURPOSES) this.get(p).setState(state[p]);
  }

  /** Frees every generator. */
  dispose(): void {
    for (const rng of this.#rngs.values()) rng.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * `count` 64-bit keys for network initialisation, drawn from the 'init' stream of `seed` (three 24-bit
 * uniforms per key).
 */
export function initKeys(seed: bigint, count: number): bigint[] {
  using rng = new Rng({ seed, stream: TRAINING_STREAM_BASE + BigInt(INIT_STREAM_INDEX) });
  const u = rng.uniform(3 * count);
  const keys: bigint[] = [];
  for (let i = 0; i < count; i++) {
    let key = 0n;
    for (let j = 0; j < 3; j++) key = (key << 24n) | BigInt(Math.floor(u[3 * i + j] * 2 ** 24));
    keys.push(BigInt.asUintN(64, key));
  }
  return keys;
}
