/**
 * Graph order and reachability: topological sorting with cycle reports, and dead-node removal.
 */
import { LpcError } from '../errors.js';
import { readValues } from './captures.js';
import { describeNode, type Graph, type Node } from './ir.js';

/**
 * The nodes in an order where every node follows the producers of what it reads (its inputs and the values
 * its subgraphs capture, lib/onnx/captures.ts). Nodes already in order keep it (the sort is stable), so files
 * from exporters come back unchanged. Throws LPC_INVALID_MODEL naming the nodes of a cycle.
 */
export function sortNodes(graph: Graph): Node[] {
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.outputs.forEach((o) => o !== '' && producer.set(o, i)));
  // What each node reads, values its subgraphs capture included: a branch runs after what it reads.
  const reads = graph.nodes.map(readValues);
  const pending = reads.map((inputs) => {
    let count = 0;
    for (const i of inputs) if (i !== '' && producer.has(i)) count++;
    return count;
  });
  const users: number[][] = graph.nodes.map(() => []);
  graph.nodes.forEach((n, i) => {
    for (const input of reads[i]) {
      const p = input === '' ? undefined : producer.get(input);
      if (p !== undefined) users[p].push(i);
    }
  });
  // Ready nodes are taken lowest index first, which keeps the order of a graph that is already sorted.
  const order: Node[] = [];
  const ready = new MinHeap();
  pending.forEach((c, i) => c === 0 && ready.push(i));
  const done = new Array<boolean>(graph.nodes.length).fill(false);
  while (ready.size > 0) {
    const i = ready.pop();
    done[i] = true;
    order.push(graph.nodes[i]);
    for (const u of users[i]) if (--pending[u] === 0) ready.push(u);
  }
  if (order.length < graph.nodes.length) {
    const stuck = graph.nodes.filter((_, i) => !done[i]);
    const names = stuck.slice(0, 6).map(describeNode).join(', ');
    throw new LpcError('LPC_INVALID_MODEL', `the graph has a cycle through ${stuck.length} node(s): ${names}${stuck.length > 6 ? ', ...' : ''}`);
  }
  return order;
}

/** The values the graph outputs depend on (node inputs, subgraph captures and outputs, transitively). */
export function liveValues(graph: Graph, roots: Iterable<string> = graph.outputs.map((o) => o.name)): Set<string> {
  const producers = graph.producers();
  const live = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const v = stack.pop() as string;
    if (live.has(v)) continue;
    live.add(v);
    const p = producers.get(v);
    if (p) for (const i of readValues(p)) if (i !== '' && !live.has(i)) stack.push(i);
  }
  return live;
}

/**
 * Removes nodes none of whose outputs the graph outputs need, then initializers and value infos nothing
 * reads any more (graph inputs stay: they are the model's interface). Returns the number of nodes removed.
 */
export function removeDeadNodes(graph: Graph): number {
  const live = liveValues(graph);
  const before = graph.nodes.length;
  graph.nodes = graph.nodes.filter((n) => n.outputs.some((o) => o !== '' && live.has(o)));
  for (const name of [...graph.initializers.keys()]) {
    if (!live.has(name) && !graph.input(name)) graph.initializers.delete(name);
  }
  for (const name of [...graph.valueInfo.keys()]) if (!live.has(name)) graph.valueInfo.delete(name);
  return before - graph.nodes.length;
}

/** A binary min-heap of node indices. */
class MinHeap {
  private items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(v: number): void {
    const a = this.items;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent] <= a[i]) break;
      [a[parent], a[i]] = [a[i], a[parent]];
      i = parent;
    }
  }

  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a.pop() as number;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
