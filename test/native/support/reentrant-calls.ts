/**
 * Calls the native classes with arguments whose getters run user code in the middle of the call: they
 * detach (transfer) or shrink a buffer read earlier, or dispose the object being called. Prints, as JSON,
 * how each call ended. Run in a child process by reentrant.test.ts: a crash shows as a signal instead.
 */
import { LpcError } from '../../../lib/errors.js';
import { binding } from '../../../lib/native/binding.js';
import { Chains, Optimizer, Rng, globalNorm } from '../../../lib/native/index.js';

const results: Record<string, string> = {};
function attempt(name: string, fn: () => unknown): void {
  try {
    fn();
    results[name] = 'no error';
  } catch (caught) {
    // The typed binding wraps what the addon threw in an LpcError LPC_NATIVE: report the addon's own error.
    const e = caught instanceof LpcError && caught.code === 'LPC_NATIVE' ? caught.cause : caught;
    const code = (e as { code?: unknown }).code;
    results[name] = e instanceof Error ? e.constructor.name + (typeof code === 'string' && code !== 'LPC_NATIVE' ? `:${code}` : '') : typeof e;
  }
}

const detach = (a: Float32Array) => structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
// Resizable ArrayBuffers (ES2024; Node 20 has them, this project's TypeScript lib does not declare them).
type ResizableBufferConstructor = new (bytes: number, options: { maxByteLength: number }) => ArrayBuffer & { resize(bytes: number): void };
const ResizableBuffer = ArrayBuffer as unknown as ResizableBufferConstructor;
// A Float32Array over a resizable buffer whose length follows the buffer.
const resizable = (length: number) => new Float32Array(new ResizableBuffer(length * 4, { maxByteLength: length * 8 }));
const shrink = (a: Float32Array) => (a.buffer as InstanceType<ResizableBufferConstructor>).resize(0);

// An array whose element `index` is a getter that calls `act` on its `when`-th read (1: the first read,
// in the TypeScript checks; 2: the second, inside the native call) and then returns `value`.
function trap<T>(items: T[], index: number, value: T, act: () => void, when = 2): T[] {
  let reads = 0;
  Object.defineProperty(items, index, {
    enumerable: true,
    get() {
      if (++reads === when) act();
      return value;
    },
  });
  return items;
}

const big = 1 << 16; // large enough that a dangling pointer would read unmapped or reused memory

// Optimizer.step: a later gradient's getter detaches, shrinks or disposes.
for (const when of [1, 2]) {
  {
    const opt = new Optimizer([new Float32Array(big), new Float32Array(4)]);
    const g0 = new Float32Array(big).fill(1);
    attempt(`Optimizer.step detaches grads[0] (read ${when})`, () => opt.step(trap([g0, g0], 1, new Float32Array(4), () => detach(g0), when)));
  }
  {
    const opt = new Optimizer([new Float32Array(big), new Float32Array(4)]);
    const g0 = resizable(big).fill(1);
    attempt(`Optimizer.step shrinks grads[0] (read ${when})`, () => opt.step(trap([g0, g0], 1, new Float32Array(4), () => shrink(g0), when)));
  }
  {
    const p0 = new Float32Array(big);
    const opt = new Optimizer([p0, new Float32Array(4)]);
    attempt(`Optimizer.step detaches params[0] (read ${when})`, () => opt.step(trap([new Float32Array(big), new Float32Array(4)], 1, new Float32Array(4), () => detach(p0), when)));
  }
  {
    const opt = new Optimizer([new Float32Array(big), new Float32Array(4)]);
    attempt(`Optimizer.step disposes the optimizer (read ${when})`, () => opt.step(trap([new Float32Array(big), new Float32Array(4)], 1, new Float32Array(4), () => opt.dispose(), when)));
  }
}

// Optimizer.setState: a getter in s1 detaches s0[0] or disposes.
{
  const opt = new Optimizer([new Float32Array(big)]);
  const state = opt.getState();
  const s0 = state.s0[0];
  attempt('Optimizer.setState detaches s0[0]', () => opt.setState({ ...state, s1: trap([state.s1[0]], 0, state.s1[0], () => detach(s0)) }));
  const again = opt.getState();
  attempt('Optimizer.setState disposes the optimizer', () => opt.setState({ ...again, s1: trap([again.s1[0]], 0, again.s1[0], () => opt.dispose()) }));
}

// globalNorm: a later array's getter detaches or shrinks an earlier one.
{
  const a = new Float32Array(big).fill(1);
  attempt('globalNorm detaches arrays[0]', () => globalNorm(trap([a, a], 1, new Float32Array(3), () => detach(a), 1)));
  const r = resizable(big).fill(1);
  attempt('globalNorm shrinks arrays[0]', () => globalNorm(trap([r, r], 1, new Float32Array(3), () => shrink(r), 1)));
}

// Chains.setState through the public class (each field is read once, in TypeScript) and on the raw addon
// (the addon reads the properties itself).
const chainsOptions = { n: 64, d: 32, stepSize: 0.1, preconditioner: 'rmsprop' as const, seed: 1 };
{
  const chains = new Chains(chainsOptions);
  chains.initPrior();
  const state = chains.getState();
  attempt('Chains.setState disposes the chains', () =>
    chains.setState(
      Object.defineProperty({ ...state }, 'grad', {
        get() {
          chains.dispose();
          return null;
        },
      }),
    ),
  );
  const other = new Chains(chainsOptions);
  const z = Float32Array.from(state.z);
  attempt('Chains.setState detaches state.z', () =>
    other.setState(
      Object.defineProperty({ ...state, z }, 'grad', {
        get() {
          detach(z);
          return null;
        },
      }),
    ),
  );
}
const rawOptions = {
  n: 64,
  d: 32,
  preconditioner: 'rmsprop',
  beta1: 0.9,
  beta2: 0.99,
  eps: 1e-8,
  gMax: 10,
  momentum: false,
  stepSize: 0.1,
  seed: 1n,
  stream: 0n,
  device: 'cpu',
  warmup: 0,
  adapt: false,
  targetAccept: 0.57,
  adaptRate: 0.05,
} as const;
for (const key of ['counter', 'z', 'v', 'scale', 'energy', 'grad']) {
  const raw = new binding.Chains({ ...rawOptions });
  raw.initPrior();
  const state = raw.getState() as unknown as Record<string, unknown>;
  attempt(`raw Chains.setState disposes in the ${key} getter`, () =>
    raw.setState(
      Object.defineProperty({ ...state }, key, {
        get() {
          raw.dispose();
          return state[key];
        },
      }) as never,
    ),
  );
}
{
  const raw = new binding.Chains({ ...rawOptions });
  const state = raw.getState();
  const z = Float32Array.from(state.z);
  const scale = resizable(64).fill(1);
  attempt('raw Chains.setState detaches z in a later getter', () => raw.setState(Object.defineProperty({ ...state, z }, 'grad', { get: () => (detach(z), null) }) as never));
  attempt('raw Chains.setState shrinks scale in a later getter', () => raw.setState(Object.defineProperty({ ...state, scale }, 'grad', { get: () => (shrink(scale), null) }) as never));
}

// A setter on Object.prototype never runs inside a native method (results are own data properties).
{
  const chains = new Chains(chainsOptions);
  chains.initPrior();
  let ran = false;
  Object.defineProperty(Object.prototype, 'v', {
    configurable: true,
    set() {
      ran = true;
      chains.dispose();
    },
  });
  attempt('Chains.getState with a disposing Object.prototype setter', () => chains.getState());
  delete (Object.prototype as Record<string, unknown>).v;
  results['Object.prototype setter ran'] = String(ran);
}

// Rng.setState: a getter disposes.
{
  const rng = new binding.Rng({ seed: 1n, stream: 0n, device: 'cpu' });
  attempt('raw Rng.setState disposes', () => rng.setState(Object.defineProperty({ seed: 1n, stream: 0n }, 'counter', { get: () => (rng.dispose(), 0n) }) as never));
  const pub = new Rng({ seed: 1 });
  attempt('Rng after the raw one was disposed', () => pub.normal(new Float32Array(8)));
}

// Size products that overflow 64 bits are refused, not wrapped.
attempt('weightedMeanRows rows*cols*dim overflows', () => binding.weightedMeanRows(new Float32Array(1), new Float32Array(1), 2 ** 22, 2 ** 21, 2 ** 21));

process.stdout.write(JSON.stringify(results));
