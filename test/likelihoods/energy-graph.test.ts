import { describe, expect, it } from 'vitest';
import { buildEnergyGraph } from '../../lib/likelihoods/energy-graph.js';
import { EnergyModel } from '../../lib/likelihoods/energy-model.js';
import { energyRunModel, type EnergyRun } from '../../lib/likelihoods/energy-runs.js';
import type { LikelihoodSpec } from '../../lib/likelihoods/spec.js';
import { mlpDecoder } from '../../lib/models/mlp.js';
import type { Decoder } from '../../lib/models/networks.js';
import { GraphBuilder } from '../../lib/onnx/builder.js';
import type { Model } from '../../lib/onnx/ir.js';
import { ParameterSet } from '../../lib/onnx/params.js';
import { expectLpcError } from '../support/expect-error.js';
import { batch, expectClose, smallDecoder } from './support.js';

const SPECS: LikelihoodSpec[] = [
  { kind: 'bernoulli' },
  { kind: 'gaussian', sigma: { mode: 'optimal' } },
  { kind: 'gaussian', sigma: { mode: 'learned' } },
  { kind: 'discretized', sigma: { mode: 'fixed', sigma: 0.1 } },
];
const RUNS: EnergyRun[] = ['sample', 'theta', 'full', 'eval'];

/** Values computed from `source` (transitively). */
function dependents(model: Model, source: string): Set<string> {
  const out = new Set([source]);
  for (const n of model.graph.nodes) if (n.inputs.some((i) => out.has(i))) n.outputs.forEach((o) => out.add(o));
  return out;
}

/** The decoder's output followed by a transpose to NHWC, described as an NHWC decoder. */
function nhwcVariant(decoder: Decoder): Decoder {
  const model = decoder.model.clone();
  const b = new GraphBuilder(model);
  const g = model.graph;
  g.outputs = [];
  b.output(b.transpose(decoder.output, [0, 2, 3, 1]), 'image_nhwc');
  return { ...decoder, model, output: 'image_nhwc', layout: 'nhwc' };
}

describe('energy graphs', () => {
  it('never copy x K times: no Tile or Expand reads anything computed from x, in any graph of any likelihood', () => {
    for (const spec of SPECS) {
      const decoder = smallDecoder(spec.kind === 'discretized' ? 'tanh' : 'sigmoid');
      const graph = buildEnergyGraph(decoder, spec);
      const names = [...decoder.params.names, ...graph.likelihoodParams.map((p) => p.name)];
      for (const run of RUNS) {
        const model = energyRunModel(graph, run, names, true);
        const fromX = dependents(model, 'x');
        const copies = model.graph.nodes.filter((n) => (n.opType === 'Tile' || n.opType === 'Expand') && n.inputs.some((i) => fromX.has(i)));
        expect(
          copies.map((n) => n.name),
          `${spec.kind} ${run}`,
        ).toEqual([]);
        // x is read once, by the Reshape to [B, 1, D] that broadcasting works from (and by Shape for B).
        const readers = model.graph.nodes
          .filter((n) => n.inputs.includes('x'))
          .map((n) => n.opType)
          .sort();
        expect(readers, `${spec.kind} ${run}`).toEqual(['Reshape', 'Shape']);
      }
    }
  });

  it('broadcasts x over the K chains of its datapoint: chain b*K + k sees datapoint b', async () => {
    for (const spec of SPECS) {
      const decoder = smallDecoder(spec.kind === 'discretized' ? 'tanh' : 'sigmoid');
      const { x, z, B, K, D } = batch(decoder, 3, 4, spec.kind === 'discretized' ? 'levels' : 'grey');
      await using model = await EnergyModel.create(decoder, { likelihood: spec });
      const chained = await model.evaluateMetrics(x, B, z);
      // The same chains as B*K datapoints with one chain each, x repeated explicitly.
      const repeated = new Float32Array(B * K * D);
      for (let c = 0; c < B * K; c++) repeated.set(x.subarray(Math.floor(c / K) * D, (Math.floor(c / K) + 1) * D), c * D);
      const single = await model.evaluateMetrics(repeated, B * K, z);
      // Identical arithmetic per chain, up to float32 summation order: 1e-6 relative.
      expectClose(chained.energy, single.energy, 1e-6, 1e-6, `${spec.kind} energy`);
      expectClose(chained.mean, single.mean, 1e-6, 1e-7, `${spec.kind} mean`);
    }
  });

  it('names inputs and outputs per the contract, with parameters as inputs only when trainable', () => {
    const decoder = smallDecoder();
    const graph = buildEnergyGraph(decoder, { kind: 'gaussian', sigma: { mode: 'learned' } });
    const g = graph.model.graph;
    expect(g.inputs.map((v) => [v.name, v.shape])).toEqual([
      ['z', ['chains', 3]],
      ['x', ['batch', 1, 4, 4]],
    ]);
    expect(g.outputs.map((v) => [v.name, v.shape])).toEqual([
      ['energy', ['chains']],
      ['nll', ['chains']],
      ['sse', ['chains']],
      ['mean', ['chains', 16]],
    ]);
    const names = [...decoder.params.names, 'likelihood/log_sigma'];
    const trainable = energyRunModel(graph, 'full', names, true).graph;
    expect(trainable.inputs.map((v) => v.name)).toEqual(['z', 'x', ...names]);
    expect(trainable.outputs.map((v) => v.name)).toEqual(['energy', 'nll', 'grad_z', ...names.map((n) => `grad/${n}`)]);
    const frozen = energyRunModel(graph, 'sample', names, false).graph;
    expect(frozen.inputs.map((v) => v.name)).toEqual(['z', 'x']);
    expect(frozen.outputs.map((v) => v.name)).toEqual(['energy', 'grad_z']);
    for (const n of names) expect(frozen.initializers.has(n)).toBe(true);
    expect(energyRunModel(graph, 'theta', names, true).graph.outputs.map((v) => v.name)).toEqual(names.map((n) => `grad/${n}`));
  });

  it('transposes an NHWC decoder output inside the graph: energies equal those of the NCHW decoder', async () => {
    const nchw = mlpDecoder({ latentDim: 2, imageShape: [3, 2, 5], hidden: [6], seed: 4 });
    const nhwc = nhwcVariant(nchw);
    const { x, z, B } = batch(nchw, 2, 2, 'grey');
    for (const spec of SPECS.slice(0, 2)) {
      await using a = await EnergyModel.create(nchw, { likelihood: spec });
      await using b = await EnergyModel.create(nhwc, { likelihood: spec });
      const ma = await a.evaluateMetrics(x, B, z);
      const mb = await b.evaluateMetrics(x, B, z);
      expectClose(mb.energy, ma.energy, 1e-6, 1e-6, `${spec.kind} energy`);
      expectClose(mb.mean, ma.mean, 0, 0, `${spec.kind} mean (NCHW order)`);
      expectClose((await b.evaluate(x, B, z)).gradZ, (await a.evaluate(x, B, z)).gradZ, 1e-5, 1e-6, `${spec.kind} grad_z`);
    }
  });

  it('renames decoder values that collide with the interface names, keeping the decoder intact', async () => {
    const base = smallDecoder();
    const model = base.model.clone();
    const g = model.graph;
    // The latent input becomes 'x', the image output 'energy' (through the head) and a hidden value 'z'.
    const rename = (from: string, to: string) => {
      for (const n of g.nodes) {
        n.inputs = n.inputs.map((v) => (v === from ? to : v));
        n.outputs = n.outputs.map((v) => (v === from ? to : v));
      }
      for (const v of [...g.inputs, ...g.outputs]) if (v.name === from) v.name = to;
    };
    rename('z', 'x');
    rename('x_mean', 'energy');
    rename(g.nodes.find((n) => n.opType === 'Relu')!.outputs[0], 'z');
    const clashing: Decoder = { ...base, model, latentInput: 'x', output: 'energy' };
    const data = batch(base, 2, 2, 'binary');
    await using a = await EnergyModel.create(base, { likelihood: { kind: 'bernoulli' } });
    await using b = await EnergyModel.create(clashing, { likelihood: { kind: 'bernoulli' } });
    expectClose((await b.evaluate(data.x, data.B, data.z)).energy, (await a.evaluate(data.x, data.B, data.z)).energy, 0, 0, 'energy');
  });

  it('refuses a parameter named like an interface value, and decoders with other inputs', () => {
    const base = smallDecoder();
    const model = base.model.clone();
    const w = model.graph.initializers.get('fc1.weight')!;
    model.graph.initializers.delete('fc1.weight');
    model.graph.initializers.set('energy', w);
    for (const n of model.graph.nodes) n.inputs = n.inputs.map((v) => (v === 'fc1.weight' ? 'energy' : v));
    const bad: Decoder = { ...base, model, params: ParameterSet.fromModel(model) };
    expectLpcError(() => buildEnergyGraph(bad, { kind: 'bernoulli' }), 'LPC_INVALID_MODEL', "'energy'");
    const extra = base.model.clone();
    extra.graph.inputs.push({ name: 'temperature', dtype: 'float32', shape: [1] });
    expectLpcError(() => buildEnergyGraph({ ...base, model: extra }, { kind: 'bernoulli' }), 'LPC_INVALID_MODEL', 'temperature');
    expectLpcError(() => buildEnergyGraph(base, { kind: 'poisson' } as unknown as LikelihoodSpec), 'LPC_INVALID_ARGUMENT', 'poisson');
  });
});
