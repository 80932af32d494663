/**
 * Values a node reads through its subgraphs: a branch of If or the body of Loop or Scan may name any value of
 * the enclosing graphs without listing it among the node's inputs (ONNX outer-scope references). The IR keeps
 * subgraphs opaque, so analyses that follow data flow (which nodes a gradient passes through, which values
 * the outputs need) add these names to the node's inputs; otherwise a value read only inside a branch looks
 * unused, and a gradient through it silently zero.
 */
import type { AttributeProto, GraphProto } from 'onnx-buf';
import type { Node } from './ir.js';

/** The names the node's subgraphs read from outside themselves, at any depth (none for most nodes). */
export function capturedValues(node: Node): string[] {
  const names = new Set<string>();
  for (const a of node.attrs.values()) if (a.kind === 'opaque') attributeCaptures(a.proto, new Set(), names);
  return [...names];
}

/** The node's inputs followed by what its subgraphs capture: everything it reads. */
export function readValues(node: Node): readonly string[] {
  const captured = capturedValues(node);
  return captured.length === 0 ? node.inputs : [...node.inputs, ...captured];
}

function attributeCaptures(a: AttributeProto, outer: ReadonlySet<string>, names: Set<string>): void {
  for (const g of a.g === undefined ? a.graphs : [a.g, ...a.graphs]) graphCaptures(g, outer, names);
}

/** Adds to `names` what `g` reads that neither it nor the subgraphs between it and the node define (`outer`). */
function graphCaptures(g: GraphProto, outer: ReadonlySet<string>, names: Set<string>): void {
  const local = new Set(outer);
  for (const v of g.input) local.add(v.name);
  for (const t of g.initializer) local.add(t.name);
  for (const s of g.sparseInitializer) if (s.values !== undefined) local.add(s.values.name);
  for (const n of g.node) for (const o of n.output) local.add(o);
  for (const n of g.node) {
    for (const i of n.input) if (i !== '' && !local.has(i)) names.add(i);
    for (const a of n.attribute) attributeCaptures(a, local, names);
  }
}
