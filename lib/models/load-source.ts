/** Reading a network from a path, bytes or IR, and probing output shapes that inference leaves open. */
import * as ort from 'onnxruntime-node';
import { LpcError } from '../errors.js';
import { readModel } from '../onnx/convert.js';
import { readModelFile } from '../onnx/external-data.js';
import type { Dim, Model } from '../onnx/ir.js';
import { createSession, runOrt } from '../onnx/runtime.js';

/** A network to load: an .onnx path, its bytes, or a model already read. */
export type ModelSource = string | Uint8Array | Model;

/** The model and, when it came from a file, its bytes (exports write into them), external data embedded. */
export function readSource(source: ModelSource, what: string): { model: Model; bytes?: Uint8Array } {
  if (typeof source === 'string') {
    let bytes: Uint8Array;
    try {
      bytes = readModelFile(source);
    } catch (error) {
      if (error instanceof LpcError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new LpcError(code === 'ENOENT' ? 'LPC_NOT_FOUND' : 'LPC_INVALID_ARGUMENT', `cannot read the ${what} file '${source}': ${(error as Error).message}`, { cause: error });
    }
    return { model: readModel(bytes), bytes };
  }
  if (source instanceof Uint8Array) return { model: readModel(source), bytes: source };
  if (source !== null && typeof source === 'object' && 'graph' in source) return { model: source };
  throw new LpcError('LPC_INVALID_ARGUMENT', `the ${what} must be a path, the bytes of an .onnx file or a Model; received ${typeof source}`);
}

/** Runs the model once on zeros (`inputDims` static) and returns the dims of each output. */
export async function probeOutputDims(model: Model, input: string, inputDims: number[]): Promise<Map<string, Dim[]>> {
  const session = await createSession(model, { threads: 1 });
  try {
    const count = inputDims.reduce((p, d) => p * d, 1);
    const result = await runOrt(session, { [input]: new ort.Tensor('float32', new Float32Array(count), inputDims) });
    return new Map(Object.entries(result).map(([k, v]) => [k, v.dims.map(Number)]));
  } catch (error) {
    throw new LpcError(
      'LPC_INVALID_MODEL',
      `running the model on zeros of shape [${inputDims.join(', ')}] (to find its output shapes) failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  } finally {
    await session.release();
  }
}
