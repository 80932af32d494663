/**
 * onnxruntime's own profile of a graph, summarised per node: the median kernel time of each node over the
 * timed runs, and the median of the whole run as onnxruntime sees it (without onnxruntime-node's copying of
 * outputs into JavaScript arrays). Used by bench/onnx-mlp.mjs (the `gradients` suite) when BENCH_PROFILE is set.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

import { median } from './stats.mjs';

/**
 * Profiles `bytes` on `threads` intra-op threads with the given feeds over `runs` runs after warm-up:
 * `{ runUs, nodes: [{ node, op, medianUs }] }`, the nodes slowest first.
 */
export async function profileGraph(bytes, feeds, threads, runs) {
  const dir = mkdtempSync(join(tmpdir(), 'lpc-profile-'));
  try {
    const options = {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      enableProfiling: true,
      profileFilePrefix: join(dir, 'p'),
    };
    const session = await ort.InferenceSession.create(bytes, options);
    const warmup = 3;
    for (let i = 0; i < warmup + runs; i++) await session.run(feeds);
    session.endProfiling();
    await session.release();
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    if (file === undefined) throw new Error('onnxruntime wrote no profile');
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const byNode = new Map();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const node = e.name.slice(0, -'_kernel_time'.length);
      const entry = byNode.get(node) ?? { op: e.args?.op_name ?? '?', times: [] };
      entry.times.push(e.dur);
      byNode.set(node, entry);
    }
    const runTimes = events
      .filter((e) => e.cat === 'Session' && e.name === 'model_run')
      .map((e) => e.dur)
      .slice(warmup);
    const nodes = [...byNode].map(([node, { op, times }]) => ({ node, op, medianUs: median(times.slice(warmup)) })).sort((a, b) => b.medianUs - a.medianUs);
    return { runUs: median(runTimes), nodes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
