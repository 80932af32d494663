/**
 * Checks a Chains state (from getState()) before it reaches the addon: each field is read once (a getter
 * runs once, here, not inside the native call), checked for kind and length against the chains it is
 * restored into, and returned as a plain object holding exactly what was checked.
 */
import { LpcError, shapeMismatch } from '../errors.js';
import type { NativeChainsState } from './binding.js';
import { checkFloat32, checkInteger, checkU64 } from '../checks.js';

/** The shape a state must fit: the chains' n, d and which preconditioner arrays they keep. */
export interface ChainsStateShape {
  n: number;
  d: number;
  hasV: boolean;
  hasM: boolean;
}

function typed<T>(name: string, value: unknown, ctor: { new (n: number): T; name: string }, length: number, what: string): T {
  if (!(value instanceof ctor) || (value as { length: number }).length !== length) {
    shapeMismatch(name, `a ${ctor.name} of length ${what}`, value);
  }
  return value as T;
}

function optionalFloat32(name: string, value: unknown, keep: boolean, length: number, what: string): Float32Array | null {
  if (!keep) {
    if (value !== null && value !== undefined) shapeMismatch(name, 'null for these chains', value);
    return null;
  }
  return checkFloat32(name, value, length, what);
}

export function checkChainsState(state: unknown, shape: ChainsStateShape): NativeChainsState {
  if (typeof state !== 'object' || state === null) {
    throw new LpcError('LPC_INVALID_ARGUMENT', 'state must be an object returned by getState()');
  }
  const s = state as Record<keyof NativeChainsState, unknown>;
  const { n, d } = shape;
  const total = n * d;
  const nd = `n*d = ${total}`;
  const nn = `n = ${n}`;
  const out: NativeChainsState = {
    counter: checkU64('state.counter', s.counter),
    z: checkFloat32('state.z', s.z, total, nd),
    previous: checkFloat32('state.previous', s.previous, total, nd),
    v: optionalFloat32('state.v', s.v, shape.hasV, total, nd),
    m: optionalFloat32('state.m', s.m, shape.hasM, total, nd),
    t: typed('state.t', s.t, Int32Array, n, nn),
    scale: checkFloat32('state.scale', s.scale, n, nn),
    restarts: typed('state.restarts', s.restarts, Int32Array, n, nn),
    consecutiveRestarts: typed('state.consecutiveRestarts', s.consecutiveRestarts, Int32Array, n, nn),
    previousValid: typed('state.previousValid', s.previousValid, Uint8Array, n, nn),
    lastRestored: typed('state.lastRestored', s.lastRestored, Uint8Array, n, nn),
    accepted: typed('state.accepted', s.accepted, Float64Array, n, nn),
    proposed: typed('state.proposed', s.proposed, Float64Array, n, nn),
    malaSteps: checkInteger('state.malaSteps', s.malaSteps, 0, 2 ** 52),
    nonFiniteProposals: checkInteger('state.nonFiniteProposals', s.nonFiniteProposals, 0, 2 ** 52),
    energy: s.energy === null ? null : checkFloat32('state.energy', s.energy, n, nn),
    grad: s.grad === null ? null : checkFloat32('state.grad', s.grad, total, nd),
  };
  if ((out.energy === null) !== (out.grad === null)) {
    throw new LpcError('LPC_INVALID_ARGUMENT', 'state.energy and state.grad must both be arrays or both be null');
  }
  if (out.v !== null) {
    const bad = out.v.findIndex((x) => !(x >= 0 && x < Infinity));
    if (bad >= 0) {
      throw new LpcError('LPC_INVALID_ARGUMENT', `state.v[${bad}] must be a finite number >= 0 (a second moment); received ${out.v[bad]}`);
    }
  }
  return out;
}
