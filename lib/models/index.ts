/**
 * Decoders and encoders: builders (MLP, beta-VAE-style convolutional), loaders for pretrained ONNX networks
 * (layout, range and scale detected or forced), the encoder runtime, and export of trained parameters.
 *
 * @module models
 */
export { imageElements, latentShapeOf, rangeValues, type Decoder, type DecoderHead, type Encoder, type EncoderScale, type OutputRange, type ParameterGradients } from './networks.js';
export { BUILD_OPSET, type DecoderOutput } from './built-network.js';
export { mlpDecoder, mlpEncoder, type MlpDecoderOptions, type MlpOptions } from './mlp.js';
export { convDecoder, convEncoder, convPlan, type ConvDecoderOptions, type ConvOptions, type ConvPlan } from './conv.js';
export { convSpatialDecoder, convSpatialEncoder, type ConvSpatialDecoderOptions, type ConvSpatialOptions } from './conv-spatial.js';
export { ACTIVATIONS, type Activation } from './layers.js';
export { initStd, WeightInit, type InitScheme } from './init.js';
export { loadDecoder, type LoadDecoderOptions } from './load-decoder.js';
export { loadEncoder, type LoadEncoderOptions } from './load-encoder.js';
export type { ModelSource } from './load-source.js';
export { findHead, readImageAxes, type ImageAxes } from './detect.js';
export { buildEncoderGraph } from './encoder-graph.js';
export { EncoderModel, type EncoderModelOptions, type EncoderOutput } from './encoder-model.js';
export { GraphRunner, type GraphRunnerOptions } from './graph-runner.js';
export { SessionOwner } from './session-owner.js';
export { DecoderMeans, type DecoderMeansOptions } from './decoder-means.js';
export { exportDecoder, exportEncoder } from './export.js';
