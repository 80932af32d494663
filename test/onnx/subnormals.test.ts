/**
 * onnxruntime runs flush subnormal floats to zero by default (lib/onnx/runtime.ts): on the JavaScript thread
 * for the duration of the run and on onnxruntime's own pool threads, while JavaScript's arithmetic keeps IEEE
 * subnormals before, between and after runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { flushDenormals, setDenormals, setFlushDenormals } from '../../lib/native/runtime.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import { makeTensor } from '../../lib/onnx/tensor.js';
import { opModel } from './support.js';

afterEach(() => {
  setFlushDenormals(false);
  setDenormals('flush');
});

const product = (a: number, b: number) => a * b;
const jsKeepsSubnormals = () => product(1e-300, 1e-10) > 0;

// y = x * 1e-10: for x = 1e-30 the exact product, 1e-40, is a float32 subnormal.
const scaleModel = () =>
  opModel(17, (b) => {
    b.output(b.op('Mul', [b.input('x', 'float32', ['n']), b.scalar(1e-10, 'float32')]), 'y');
  });

async function scaled(n: number, options: Parameters<typeof createSession>[1]): Promise<Float32Array> {
  const session = await createSession(scaleModel(), options);
  try {
    const out = await runSession(session, { x: makeTensor('float32', [n], new Float32Array(n).fill(1e-30)) });
    return out.y!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('subnormal floats in onnxruntime runs', () => {
  it("are flushed to zero by default and kept with flushDenormals: false or under setDenormals('keep')", async () => {
    const flushed = await scaled(8, { threads: 1 });
    expect([...flushed]).toEqual(new Array(8).fill(0));
    const kept = await scaled(8, { threads: 1, flushDenormals: false });
    for (const v of kept) expect(v / 1e-40).toBeCloseTo(1, 2);
    setDenormals('keep');
    expect((await scaled(8, { threads: 1 })).every((v) => v > 0)).toBe(true);
    expect(jsKeepsSubnormals()).toBe(true);
  });

  it("are flushed on onnxruntime's pool threads too", async () => {
    // 2^20 elements: onnxruntime splits the product over its two threads.
    const n = 1 << 20;
    const flushed = await scaled(n, { threads: 2 });
    expect(flushed.every((v) => v === 0)).toBe(true);
    expect((await scaled(n, { threads: 2, flushDenormals: false })).every((v) => v > 0)).toBe(true);
  });

  it('leave the JavaScript thread as they found it, also when runs overlap', async () => {
    const session = await createSession(scaleModel(), { threads: 1 });
    expect(flushDenormals()).toBe(false);
    expect(jsKeepsSubnormals()).toBe(true);
    const x = makeTensor('float32', [4], new Float32Array(4).fill(1e-30));
    const runs = await Promise.all([runSession(session, { x }), runSession(session, { x }), runSession(session, { x })]);
    for (const r of runs) expect([...(r.y!.data as Float32Array)]).toEqual([0, 0, 0, 0]);
    expect(flushDenormals()).toBe(false);
    expect(jsKeepsSubnormals()).toBe(true);
    setFlushDenormals(true);
    await runSession(session, { x });
    expect(flushDenormals()).toBe(true);
    await session.release();
  });

  it('refuse a flushDenormals that is not a boolean', async () => {
    await expect(createSession(scaleModel(), { flushDenormals: 'yes' as unknown as boolean })).rejects.toMatchObject({ code: 'LPC_INVALID_ARGUMENT' });
  });
});
