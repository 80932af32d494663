/**
 * Export of trained networks: the current parameter values written into the model as it was read (or
 * built), so the file runs anywhere the original did. A learned likelihood scale is not part of a decoder
 * file; it lives in the energy model's parameters (and in checkpoints).
 */
import { exportModel } from '../onnx/export.js';
import type { Decoder, Encoder } from './networks.js';

/**
 * The .onnx bytes of a decoder with its current parameters.
 *
 * @example
 * writeFileSync('trained_decoder.onnx', exportDecoder(decoder));
 */
export function exportDecoder(decoder: Decoder): Uint8Array {
  return exportModel(decoder.source ?? decoder.model, decoder.params);
}

/** The .onnx bytes of an encoder with its current parameters. */
export function exportEncoder(encoder: Encoder): Uint8Array {
  return exportModel(encoder.source ?? encoder.model, encoder.params);
}
