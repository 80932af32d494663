/**
 * The ONNX toolkit: codec, graph IR and builder, shape inference, parameters, reverse-mode autodiff into
 * standard ONNX operators, gradient checks and export. Higher layers (models, likelihoods, inference)
 * import from here; the package exports it as the namespace `onnx` (`import { onnx } from 'langevin-pc'`).
 *
 * @example
 * const model = readModel(readFileSync('decoder.onnx'));
 * const params = ParameterSet.fromModel(model);
 * const { model: grad } = buildGradientModel(model, { vjp: ['x_mean'], inputs: ['z'], params: params.names });
 * const session = await createSession(grad, { threads: 1 });
 *
 * @module onnx
 */
export { decodeModel, encodeModel, MAX_NESTING } from './codec.js';
export { modelFromProto, modelToProto, readModel, validateGraph, writeModel } from './convert.js';
export { allocate, dtypeCode, dtypeFromCode, isFloat, isIntegral, type DType, type TypedArrayOf } from './dtype.js';
export { Graph, Model, describeNode, type Attribute, type Dim, type ModelMeta, type Node, type OpsetImport, type Shape, type ValueInfo } from './ir.js';
export { makeTensor, int64Vector, scalarTensor, sizeOf, tensorOf, toNumbers, type Tensor } from './tensor.js';
export { GraphBuilder, floatAttr, floatsAttr, type AttrInput, type NodeOptions } from './builder.js';
export { inferTypes, type InferOptions, type TypeMap } from './infer.js';
export { foldConstants } from './fold.js';
export { liveValues, removeDeadNodes, sortNodes } from './topo.js';
export { cutGraph } from './cut-graph.js';
export { ParameterSet, isTrainableInitializer, promoteParameters, type Parameter, type ParameterOptions } from './params.js';
export { weightInitializers } from './weights.js';
export { buildGradientModel, inputGradName, paramGradName, upstreamName, type GradientModel, type GradientRequest } from './autodiff/gradient.js';
export { rewriteSoftplus } from './autodiff/rewrite.js';
export { findOp, requireOp, supportedOps, MAX_OPSET, MIN_OPSET } from './ops/index.js';
export type { AttrReader, AttrSpec, Grad, GradContext, GradRule, InferContext, Kink, KinkContext, KinkRule, KinkWriter, OpDef, ValueType } from './ops/types.js';
export { chooseDims, fixDims, formatSizes, openDims, sizedDims, type DimChoice, type OpenDim } from './open-dims.js';
export { checkGradients, type DirectionCheck, type GradCheckOptions, type GradCheckResult, type TensorCheck } from './check-grad.js';
export type { CheckStatus, NodeCheck } from './check-grad-nodes.js';
export { exportModel, type ParameterValues } from './export.js';
export { createSession, fromOrt, runOrt, runSession, toOrt, type SessionOptions } from './runtime.js';
export { toFloat64 } from './precision.js';
export { Mulberry32 } from './mulberry32.js';
