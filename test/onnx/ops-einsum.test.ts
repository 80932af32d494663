import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../lib/onnx/autodiff/gradient.js';
import { inferTypes } from '../../lib/onnx/infer.js';
import type { Dim } from '../../lib/onnx/ir.js';
import { createSession, runSession } from '../../lib/onnx/runtime.js';
import type { Tensor } from '../../lib/onnx/tensor.js';
import { expectGradOk, opModel, randn } from './support.js';

/**
 * Einsum in float64 by brute force over every assignment of the letters, from an explicit equation whose
 * '...' the caller has spelled out as letters ('...' broadcasting: an axis of extent 1 reads index 0).
 */
function einsum(equation: string, operands: Tensor[]): { dims: number[]; data: number[] } {
  const [lhs, out] = equation.split('->');
  const terms = lhs.split(',');
  const extent = new Map<string, number>();
  terms.forEach((t, k) => [...t].forEach((l, a) => extent.set(l, Math.max(extent.get(l) ?? 1, operands[k].dims[a]))));
  const letters = [...extent.keys()];
  const dims = [...out].map((l) => extent.get(l)!);
  const data = new Array<number>(dims.reduce((p, d) => p * d, 1)).fill(0);
  const index = new Map<string, number>(letters.map((l) => [l, 0]));
  const flat = (term: string, shape: readonly number[]) => [...term].reduce((off, l, a) => off * shape[a] + (shape[a] === 1 ? 0 : index.get(l)!), 0);
  for (;;) {
    let product = 1;
    terms.forEach((t, k) => (product *= Number(operands[k].data[flat(t, operands[k].dims)])));
    data[flat(out, dims)] += product;
    let a = letters.length - 1;
    for (; a >= 0; a--) {
      const l = letters[a];
      index.set(l, index.get(l)! + 1);
      if (index.get(l)! < extent.get(l)!) break;
      index.set(l, 0);
    }
    if (a < 0) break;
  }
  return { dims, data };
}

interface Case {
  equation: string;
  /** The equation spelled out with letters for '...' and the implicit output, for the reference. */
  explicit?: string;
  shapes: Dim[][];
  /** Concrete shapes for the forward check (default: the declared ones). */
  concrete?: number[][];
  opsets?: number[];
}

const CASES: Case[] = [
  {
    equation: 'ij,jk->ik',
    shapes: [
      [3, 4],
      [4, 2],
    ],
  },
  {
    equation: 'bij,bjk->bik',
    shapes: [
      ['b', 3, 4],
      ['b', 4, 2],
    ],
    concrete: [
      [2, 3, 4],
      [2, 4, 2],
    ],
  },
  {
    equation: 'bhqd,bhkd->bhqk',
    shapes: [
      [2, 2, 3, 4],
      [2, 2, 5, 4],
    ],
  },
  { equation: 'i,i->', shapes: [[5], [5]] },
  { equation: 'ij->ji', shapes: [[3, 4]] },
  {
    equation: 'ij,jk',
    explicit: 'ij,jk->ik',
    shapes: [
      [3, 4],
      [4, 2],
    ],
  },
  { equation: 'ba', explicit: 'ba->ab', shapes: [[3, 4]] },
  { equation: 'ij->i', shapes: [[3, 4]] },
  { equation: 'i->', shapes: [[4]] },
  {
    equation: 'bi,bj->bij',
    shapes: [
      [2, 3],
      [2, 4],
    ],
  },
  {
    equation: 'ij,jk,kl->il',
    shapes: [
      [2, 3],
      [3, 4],
      [4, 2],
    ],
  },
  { equation: 'ii->i', shapes: [[4, 4]] },
  { equation: 'ii', explicit: 'ii->', shapes: [[3, 3]] },
  {
    equation: 'bii,bj->bij',
    shapes: [
      [2, 3, 3],
      [2, 2],
    ],
  },
  {
    equation: '...ij,...jk->...ik',
    explicit: 'abij,abjk->abik',
    shapes: [
      [2, 3, 3, 4],
      [2, 3, 4, 2],
    ],
  },
  // '...' axes of extent 1 broadcast (their gradient is summed back, which needs opset 13 for the runtime form).
  {
    equation: '...ij,...jk->...ik',
    explicit: 'abij,abjk->abik',
    shapes: [
      [2, 1, 3, 4],
      [1, 5, 4, 2],
    ],
  },
  { equation: '...i,i', explicit: 'abi,i->ab', shapes: [[2, 3, 4], [4]] },
  { equation: 'b...,b->...', explicit: 'bxy,b->xy', shapes: [['n', 2, 3], ['n']], concrete: [[2, 2, 3], [2]] },
];

describe('Einsum', () => {
  for (const c of CASES) {
    for (const opset of c.opsets ?? [12, 13, 21]) {
      const label = `'${c.equation}' on [${c.shapes.map((s) => `[${s.join(', ')}]`).join(', ')}] at opset ${opset}`;
      it(`${label}: forward against float64, inferred shape and gradients of every operand`, async () => {
        const m = opModel(opset, (b) => {
          const xs = c.shapes.map((s, k) => b.input(`x${k}`, 'float32', s));
          b.output(b.op('Einsum', xs, { equation: c.equation }), 'y');
        });
        const concrete = c.concrete ?? (c.shapes as number[][]);
        const feeds = Object.fromEntries(concrete.map((s, k) => [`x${k}`, randn(s, k + 1)]));
        const y = (await runSession(await createSession(m), feeds)).y;
        const want = einsum(c.explicit ?? c.equation, Object.values(feeds));
        expect(y.dims).toEqual(want.dims);
        want.data.forEach((v, i) => expect((y.data as Float32Array)[i]).toBeCloseTo(v, 4));
        const inferred = inferTypes(m).get('y')?.shape;
        expect(inferred?.length).toBe(y.dims.length);
        inferred!.forEach((d, i) => typeof d === 'number' && expect(d).toBe(y.dims[i]));
        const result = await expectGradOk(m, { batch: 2 });
        expect(result.tensors.map((t) => t.name)).toEqual(c.shapes.map((_, k) => `x${k}`));
      });
    }
  }

  it('an attention score with a parameter: bhqd,bhkd->bhqk on a projected input', async () => {
    const m = opModel(17, (b) => {
      const x = b.input('x', 'float32', ['n', 2, 3, 4]);
      const k = b.op('MatMul', [x, b.initializer('wk', randn([4, 4], 5))]);
      b.output(b.op('Einsum', [x, k], { equation: 'bhqd,bhkd->bhqk' }), 'y');
    });
    expect(inferTypes(m).get('y')?.shape).toEqual(['n', 2, 3, 3]);
    const result = await expectGradOk(m, { batch: 2 });
    expect(result.tensors.map((t) => t.name)).toEqual(['x', 'wk']);
  });

  it('keeps symbolic dims and implicit outputs in inference', () => {
    const m = opModel(12, (b) => {
      const x = b.input('x', 'float32', ['n', 3]);
      const w = b.input('w', 'float32', [3, 'k']);
      b.output(b.op('Einsum', [x, w], { equation: 'nj , jk' }), 'y');
    });
    // Implicit output: the letters used once, alphabetically: 'kn'.
    expect(inferTypes(m).get('y')?.shape).toEqual(['k', 'n']);
  });

  it('a diagonal gradient is the upstream gradient on the diagonal, through a constant delta', () => {
    const m = opModel(13, (b) => b.output(b.op('Einsum', [b.input('x', 'float32', [3, 3])], { equation: 'ii->i' }), 'y'));
    const nodes = buildGradientModel(m, { vjp: ['y'], inputs: ['x'] }).model.graph.nodes;
    expect(nodes.filter((n) => n.opType === 'Einsum').map((n) => n.attrs.get('equation'))).toContainEqual({ kind: 'string', value: 'i,ia->ia' });
  });

  const refusals: [string, Dim[][], RegExp][] = [
    [
      'ij,jk->il',
      [
        [2, 3],
        [3, 4],
      ],
      /output letter 'l' .* is in no input/,
    ],
    ['ij->ii', [[2, 2]], /repeats the letter 'i'/],
    ['i.j->ij', [[2, 3]], /character '\.'/],
    ['ij,jk->ik', [[2, 3]], /2 input terms for 1 inputs/],
    ['ijk->ij', [[2, 3]], /rank 2 but its term 'ijk' names 3 axes/],
    ['...i->i', [[2, 3]], /sums over the '\.\.\.' axes/],
    ['...ij,...j->...i', [[2, 3, 4], [4]], /'\.\.\.' stands for 1 axes in input 0 and 0 in input 1/],
  ];
  for (const [equation, shapes, message] of refusals) {
    it(`refuses '${equation}' with LPC_UNSUPPORTED_OP naming the equation`, () => {
      const m = opModel(13, (b) =>
        b.output(
          b.op(
            'Einsum',
            shapes.map((s, k) => b.input(`x${k}`, 'float32', s)),
            { equation },
          ),
          'y',
        ),
      );
      expect(() => inferTypes(m)).toThrow(
        expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringMatching(new RegExp(`'${equation.replace(/[.]/g, '\\.')}'[^]*${message.source}`)) }),
      );
    });
  }
  it('refuses letters whose extents disagree', () => {
    const m = opModel(13, (b) => b.output(b.op('Einsum', [b.input('a', 'float32', [2, 3]), b.input('b', 'float32', [4, 2])], { equation: 'ij,jk->ik' }), 'y'));
    expect(() => inferTypes(m)).toThrow(expect.objectContaining({ code: 'LPC_SHAPE_MISMATCH', message: expect.stringContaining("letter 'j' has extent 3 in one place and 4 in input 1") }));
  });
  it('is refused before opset 12', () => {
    const m = opModel(11, (b) => b.output(b.op('Einsum', [b.input('a', 'float32', [2, 3])], { equation: 'ij->ji' }), 'y'));
    expect(() => inferTypes(m)).toThrow(expect.objectContaining({ code: 'LPC_UNSUPPORTED_OP', message: expect.stringContaining('opsets 12-') }));
  });
});
