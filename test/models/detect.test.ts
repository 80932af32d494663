import { describe, expect, it } from 'vitest';
import { findHead, readImageAxes } from '../../lib/models/detect.js';
import { GraphBuilder } from '../../lib/onnx/builder.js';
import { Graph, Model } from '../../lib/onnx/ir.js';
import { int64Vector, makeTensor } from '../../lib/onnx/tensor.js';
import { expectLpcError } from '../support/expect-error.js';

/** z -> Sigmoid -> `after` ops -> output (plus, when `leak`, a second output reading the Sigmoid's result). */
function headModel(after: string[], leak = false): Model {
  const model = new Model(new Graph(), 17);
  const b = new GraphBuilder(model);
  let h = b.op('Sigmoid', [b.input('z', 'float32', ['n', 4])], {}, { name: 'head' });
  if (leak) b.output(b.op('Identity', [h]), 'other');
  for (const op of after) {
    if (op === 'View') {
      // h.view(h.size(0), 2, 2) as torch.onnx.export writes it: the new shape built from Shape(h).
      const n = b.unsqueeze(b.op('Gather', [b.shapeOf(h), b.constant(makeTensor('int64', [], BigInt64Array.of(0n)))], { axis: 0 }), [0]);
      h = b.op('Reshape', [h, b.op('Concat', [n, b.constant(int64Vector([2, 2]))], { axis: 0 })]);
    } else h = op === 'Transpose' ? b.transpose(h, [1, 0]) : op === 'Reshape' ? b.reshape(h, [-1, 2, 2]) : b.op(op, [h]);
  }
  b.output(h, 'y');
  return model;
}

describe('detection', () => {
  it('finds a final Sigmoid through layout operators only, and only when nothing else reads them', () => {
    expect(findHead(headModel([]), 'y')).toEqual({ op: 'Sigmoid', node: 'head' });
    expect(findHead(headModel(['Reshape', 'Transpose', 'Identity']), 'y')).toEqual({ op: 'Sigmoid', node: 'head' });
    expect(findHead(headModel(['View', 'Identity']), 'y')).toEqual({ op: 'Sigmoid', node: 'head' }); // a Shape reader is no second reader
    expect(findHead(headModel(['Relu']), 'y')).toBeNull();
    expect(findHead(headModel(['Transpose'], true), 'y')).toBeNull();
  });

  it('reads image axes from the data shape, a forced layout, or the channel-size rule', () => {
    expect(readImageAxes('t', [1, 28, 28])).toEqual({ layout: 'nchw', imageShape: [1, 28, 28] });
    expect(readImageAxes('t', [32, 32, 3])).toEqual({ layout: 'nhwc', imageShape: [3, 32, 32] });
    expect(readImageAxes('t', [3, 32, 3], [3, 3, 32])).toEqual({ layout: 'nhwc', imageShape: [3, 3, 32] });
    expect(readImageAxes('t', [3, 5, 3], undefined, 'nhwc')).toEqual({ layout: 'nhwc', imageShape: [3, 3, 5] });
    expect(readImageAxes('t', [28, 28])).toEqual({ layout: 'nchw', imageShape: [1, 28, 28] });
    expect(readImageAxes('t', [784])).toEqual({ layout: 'flat', imageShape: [1, 28, 28] });
    expect(readImageAxes('t', [3072], [3, 32, 32])).toEqual({ layout: 'flat', imageShape: [3, 32, 32] });
    expectLpcError(() => readImageAxes('out', [3, 5, 3]), 'LPC_INVALID_ARGUMENT', 'out');
    expectLpcError(() => readImageAxes('out', [4, 4, 4], [4, 4, 4]), 'LPC_INVALID_ARGUMENT', 'layout');
    expectLpcError(() => readImageAxes('out', [3072]), 'LPC_INVALID_ARGUMENT', 'imageShape');
    expectLpcError(() => readImageAxes('out', [1, 28, 28], [1, 32, 32]), 'LPC_SHAPE_MISMATCH', '[1, 32, 32]');
    expectLpcError(() => readImageAxes('out', [1, 'h', 28]), 'LPC_INVALID_ARGUMENT', 'imageShape');
    expectLpcError(() => readImageAxes('out', [1, 2, 3, 4]), 'LPC_INVALID_MODEL', 'rank 5');
  });
});
