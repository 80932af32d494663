/**
 * Every TensorProto of a decoded model, wherever it sits: initializers (dense and sparse), tensor attributes,
 * and the same inside the subgraphs of control flow (If, Loop, Scan: GRAPH and GRAPHS attributes), model
 * functions and training information, at any depth. Checks that must see all stored data (external data)
 * walk this list instead of the IR, which keeps subgraphs opaque.
 */
import type { AttributeProto, GraphProto, ModelProto, NodeProto, SparseTensorProto, TensorProto } from 'onnx-buf';

/** A tensor of the model and a phrase that locates it for messages ("initializer 'w' of the then_branch of node 'If_0' (If)"). */
export interface LocatedTensor {
  readonly tensor: TensorProto;
  readonly where: string;
}

/** The model's TensorProtos in file order, subgraphs included (the codec bounds their depth). */
export function modelTensors(model: ModelProto): LocatedTensor[] {
  const found: LocatedTensor[] = [];
  if (model.graph !== undefined) graphTensors(model.graph, '', found);
  for (const f of model.functions) nodesTensors(f.node, ` of function '${f.name}'`, found);
  for (const [i, info] of model.trainingInfo.entries()) {
    if (info.initialization !== undefined) graphTensors(info.initialization, ` of the initialization graph of training_info ${i}`, found);
    if (info.algorithm !== undefined) graphTensors(info.algorithm, ` of the algorithm graph of training_info ${i}`, found);
  }
  return found;
}

function graphTensors(graph: GraphProto, suffix: string, found: LocatedTensor[]): void {
  for (const t of graph.initializer) found.push({ tensor: t, where: `initializer '${t.name}'${suffix}` });
  for (const s of graph.sparseInitializer) sparseTensors(s, `sparse initializer '${s.values?.name ?? ''}'${suffix}`, found);
  nodesTensors(graph.node, suffix, found);
}

function nodesTensors(nodes: readonly NodeProto[], suffix: string, found: LocatedTensor[]): void {
  for (const [index, node] of nodes.entries()) {
    const nodeName = `node '${node.name !== '' ? node.name : `#${index}`}' (${node.opType})${suffix}`;
    for (const a of node.attribute) attributeTensors(a, `attribute '${a.name}' of ${nodeName}`, found);
  }
}

function attributeTensors(a: AttributeProto, where: string, found: LocatedTensor[]): void {
  // Every field is walked whatever `type` says: a runtime may read a field the type does not announce.
  if (a.t !== undefined) found.push({ tensor: a.t, where });
  for (const [i, t] of a.tensors.entries()) found.push({ tensor: t, where: `tensor ${i} of ${where}` });
  if (a.sparseTensor !== undefined) sparseTensors(a.sparseTensor, where, found);
  for (const [i, s] of a.sparseTensors.entries()) sparseTensors(s, `sparse tensor ${i} of ${where}`, found);
  if (a.g !== undefined) graphTensors(a.g, ` in the subgraph of ${where}`, found);
  for (const [i, g] of a.graphs.entries()) graphTensors(g, ` in subgraph ${i} of ${where}`, found);
}

function sparseTensors(s: SparseTensorProto, where: string, found: LocatedTensor[]): void {
  if (s.values !== undefined) found.push({ tensor: s.values, where: `the values of ${where}` });
  if (s.indices !== undefined) found.push({ tensor: s.indices, where: `the indices of ${where}` });
}
