/**
 * Float32 -> float64 conversion of a whole model, so that gradient checks can run in double precision
 * where onnxruntime has double kernels for every operator of the graph (it lacks them for some, e.g.
 * Softplus and Conv; callers fall back to float32 then).
 */
import { dtypeCode } from './dtype.js';
import type { Attribute, Model, ValueInfo } from './ir.js';
import { makeTensor, type Tensor } from './tensor.js';

const FLOAT = dtypeCode('float32');
const DOUBLE = dtypeCode('float64');

function widen(t: Tensor): Tensor {
  return t.dtype === 'float32' ? makeTensor('float64', t.dims, Float64Array.from(t.data as Float32Array)) : t;
}

function widenInfo(v: ValueInfo): ValueInfo {
  return v.dtype === 'float32' ? { ...v, dtype: 'float64' } : v;
}

/** A float64 copy of a model: initializers, interface types, constants and Cast targets. */
export function toFloat64(model: Model): Model {
  const m = model.clone();
  const g = m.graph;
  for (const [k, t] of g.initializers) g.initializers.set(k, widen(t));
  g.inputs = g.inputs.map(widenInfo);
  g.outputs = g.outputs.map(widenInfo);
  for (const [k, v] of g.valueInfo) g.valueInfo.set(k, widenInfo(v));
  for (const n of g.nodes) {
    const attrs = new Map<string, Attribute>();
    for (const [k, a] of n.attrs) {
      if (a.kind === 'tensor') attrs.set(k, { kind: 'tensor', value: widen(a.value) });
      else if (n.opType === 'Cast' && k === 'to' && a.kind === 'int' && a.value === FLOAT) attrs.set(k, { kind: 'int', value: DOUBLE });
      else if (n.opType === 'Constant' && k === 'value_float' && a.kind === 'float') attrs.set('value', { kind: 'tensor', value: makeTensor('float64', [], Float64Array.of(a.value)) });
      else if (n.opType === 'Constant' && k === 'value_floats' && a.kind === 'floats')
        attrs.set('value', { kind: 'tensor', value: makeTensor('float64', [a.value.length], Float64Array.from(a.value)) });
      else attrs.set(k, a);
    }
    // ConstantOfShape without a value fills float32 zeros.
    if (n.opType === 'ConstantOfShape' && !attrs.has('value')) attrs.set('value', { kind: 'tensor', value: makeTensor('float64', [1], new Float64Array(1)) });
    n.attrs = attrs;
  }
  return m;
}
