/**
 * Exact binary snapshots of named numeric state (optimiser moments, sampler step sizes, RNG keys and
 * counters) for checkpoints. Every array round-trips bit for bit, -0, subnormals, infinities and NaN
 * payloads included (a `number` entry keeps -0 and subnormals; a NaN number stays NaN). JSON cannot do this (-0 becomes 0, NaN
 * and Infinity become null), hence a small binary format:
 *
 *     "LPCSTATE"  u32 version (1)  u32 header length H  H bytes of UTF-8 JSON header  zero padding to 8
 *     then each array (and number) entry in header order, little-endian, each starting on an 8-byte boundary
 *
 * The header is `{"entries":[{"name","type","length"?,"value"?}]}`; a bigint is stored in it as a
 * decimal string (`value`), an array entry gives its element count (`length`), a number takes 8 bytes
 * of data as a float64. Offsets follow from the order, so the decoder recomputes them and rejects a
 * blob whose size differs by even one byte.
 */
import { invalidArgument, LpcError } from '../errors.js';
import { swapToLittleEndian } from './byte-order.js';

/** One value a state blob can hold. */
export type StateValue = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array | number | bigint;

/** Named state values, as encodeState takes them and decodeState returns them. */
export type StateRecord = Record<string, StateValue>;

/** The kind names of state values and the JavaScript type each stands for. */
export interface StateKinds {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  uint32: Uint32Array;
  uint8: Uint8Array;
  number: number;
  bigint: bigint;
}

/** A kind of state value. */
export type StateKind = keyof StateKinds;

type ArrayKind = Exclude<StateKind, 'number' | 'bigint'>;

interface HeaderEntry {
  name: string;
  type: StateKind;
  length?: number;
  value?: string;
}

const MAGIC = Buffer.from('LPCSTATE', 'ascii');
const VERSION = 1;
const PREFIX_BYTES = 16;
const ITEM_BYTES: Record<ArrayKind | 'number', number> = { float32: 4, float64: 8, int32: 4, uint32: 4, uint8: 1, number: 8 };

/**
 * Encodes named state values into one binary blob (a checkpoint file's content).
 *
 * @example
 * const blob = encodeState({ m: adam.m, v: adam.v, step: 1200, rngCounter: 81n });
 * store.write({ 'optimizer.state': blob, ... });
 */
export function encodeState(record: StateRecord): Uint8Array {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) invalidArgument('record', 'an object of named state values', record);
  const entries: HeaderEntry[] = [];
  const arrays: StateValue[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (name.length === 0) invalidArgument('record key', 'a non-empty name', name);
    const type = kindOf(value);
    if (type === null) invalidArgument(`record[${JSON.stringify(name)}]`, 'a Float32Array, Float64Array, Int32Array, Uint32Array, Uint8Array, number or bigint', value);
    if (type === 'bigint') {
      entries.push({ name, type, value: (value as bigint).toString() });
    } else {
      entries.push(type === 'number' ? { name, type } : { name, type, length: (value as ArrayLike<number>).length });
      arrays.push(value);
    }
  }
  const header = Buffer.from(JSON.stringify({ entries }), 'utf8');
  const layout = dataLayout(entries, PREFIX_BYTES + header.length);
  const out = new Uint8Array(layout.end);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, header.length, true);
  out.set(header, PREFIX_BYTES);
  layout.offsets.forEach((offset, i) => writeValue(out, view, offset, layout.kinds[i], arrays[i]));
  return out;
}

/**
 * Decodes a blob written by encodeState into fresh, independent values. Throws LPC_CHECKPOINT naming
 * `source` (e.g. the checkpoint file name) when the bytes are not such a blob.
 */
export function decodeState(bytes: Uint8Array, source = 'state blob'): StateRecord {
  const fail = (problem: string): never => {
    throw new LpcError('LPC_CHECKPOINT', `${source} is not a valid state blob: ${problem}`);
  };
  if (!(bytes instanceof Uint8Array)) invalidArgument('bytes', 'a Uint8Array', bytes);
  if (bytes.length < PREFIX_BYTES || !MAGIC.equals(bytes.subarray(0, 8))) fail('it does not start with "LPCSTATE"');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== VERSION) fail(`version ${version}, expected ${VERSION}`);
  const headerBytes = view.getUint32(12, true);
  if (PREFIX_BYTES + headerBytes > bytes.length) fail(`its header claims ${headerBytes} bytes but the blob has ${bytes.length}`);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + PREFIX_BYTES, headerBytes).toString('utf8'));
  } catch (error) {
    fail(`its header is not JSON (${(error as Error).message})`);
  }
  const entries = checkHeader(header, fail);
  const layout = dataLayout(entries, PREFIX_BYTES + headerBytes);
  if (layout.end !== bytes.length) fail(`its header describes ${layout.end} bytes but the blob has ${bytes.length}`);
  let next = 0;
  return Object.fromEntries(
    entries.map((entry): [string, StateValue] => {
      if (entry.type === 'bigint') return [entry.name, BigInt(entry.value as string)];
      const i = next++;
      return [entry.name, readValue(bytes, view, layout.offsets[i], layout.kinds[i], entry.length ?? 1)];
    }),
  );
}

/**
 * The value called `name` in a decoded record, checked to be of `kind`; throws LPC_CHECKPOINT naming
 * `source` when it is absent or of another kind.
 *
 * @example
 * const m = stateValue(decodeState(bytes, 'optimizer.state'), 'm', 'float32', 'optimizer.state');
 */
export function stateValue<K extends StateKind>(record: StateRecord, name: string, kind: K, source = 'state blob'): StateKinds[K] {
  const value = Object.hasOwn(record, name) ? record[name] : undefined;
  if (value === undefined) throw new LpcError('LPC_CHECKPOINT', `${source} has no value named ${JSON.stringify(name)}`);
  const actual = kindOf(value);
  if (actual !== kind) throw new LpcError('LPC_CHECKPOINT', `${source}: ${JSON.stringify(name)} is ${actual}, expected ${kind}`);
  return value as StateKinds[K];
}

function kindOf(value: unknown): StateKind | null {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'bigint') return 'bigint';
  if (value instanceof Float32Array) return 'float32';
  if (value instanceof Float64Array) return 'float64';
  if (value instanceof Int32Array) return 'int32';
  if (value instanceof Uint32Array) return 'uint32';
  if (value instanceof Uint8Array) return 'uint8';
  return null;
}

/** Where each data entry starts (8-byte aligned, in header order) and where the blob ends. */
function dataLayout(entries: readonly HeaderEntry[], headerEnd: number): { offsets: number[]; kinds: Array<ArrayKind | 'number'>; end: number } {
  const offsets: number[] = [];
  const kinds: Array<ArrayKind | 'number'> = [];
  let end = headerEnd;
  for (const entry of entries) {
    if (entry.type === 'bigint') continue;
    end = Math.ceil(end / 8) * 8;
    offsets.push(end);
    kinds.push(entry.type);
    end += ITEM_BYTES[entry.type] * (entry.length ?? 1);
  }
  return { offsets, kinds, end: Math.ceil(end / 8) * 8 };
}

type ArrayConstructorOf = new (length: number) => Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;
const CONSTRUCTORS: Record<ArrayKind, ArrayConstructorOf> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  uint8: Uint8Array,
};

function writeValue(out: Uint8Array, view: DataView, offset: number, kind: ArrayKind | 'number', value: StateValue): void {
  if (kind === 'number') return view.setFloat64(offset, value as number, true);
  const array = value as Exclude<StateValue, number | bigint>;
  const target = out.subarray(offset, offset + array.byteLength);
  target.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  swapToLittleEndian(target, ITEM_BYTES[kind]);
}

function readValue(bytes: Uint8Array, view: DataView, offset: number, kind: ArrayKind | 'number', length: number): StateValue {
  if (kind === 'number') return view.getFloat64(offset, true);
  const out = new CONSTRUCTORS[kind](length);
  const target = new Uint8Array(out.buffer);
  target.set(bytes.subarray(offset, offset + target.length));
  swapToLittleEndian(target, ITEM_BYTES[kind]);
  return out;
}

/** Checks the decoded header entry by entry, so a damaged one fails here and not as a RangeError later. */
function checkHeader(header: unknown, fail: (problem: string) => never): HeaderEntry[] {
  const entries = (header as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) return fail('its header has no entries array');
  const seen = new Set<string>();
  return entries.map((entry: unknown, i): HeaderEntry => {
    const { name, type, length, value } = (entry ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || name.length === 0) fail(`entry ${i} has no name`);
    const where = `entry ${JSON.stringify(name)}`;
    if (seen.has(name as string)) fail(`${where} appears twice`);
    seen.add(name as string);
    if (type === 'bigint') {
      if (typeof value !== 'string' || !/^-?\d+$/.test(value)) fail(`${where} is a bigint without a decimal value`);
      return { name: name as string, type, value: value as string };
    }
    if (type === 'number') return { name: name as string, type };
    if (typeof type !== 'string' || !Object.hasOwn(ITEM_BYTES, type)) fail(`${where} has unknown type ${JSON.stringify(type)}`);
    if (!Number.isSafeInteger(length) || (length as number) < 0) fail(`${where} has no valid length`);
    return { name: name as string, type: type as ArrayKind, length: length as number };
  });
}
