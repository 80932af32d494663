/**
 * PNG encoding and decoding for 8-bit grey or RGB pixels, on top of pngjs. Pixels here are
 * interleaved per row (HWC), as PNG stores them; callers convert from and to NCHW.
 */
import { PNG } from 'pngjs';
import { LpcError } from '../errors.js';

/** A decoded PNG: `rgba` holds 4 bytes per pixel whatever the file's colour type. */
export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  /** True for grey and grey+alpha files (colour types 0 and 4). */
  readonly grey: boolean;
  readonly rgba: Uint8Array;
}

/** PNG's fixed 8-byte signature. */
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Header facts read from the first 26 bytes: the signature and the IHDR chunk. */
export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly colorType: number;
}

/** Parses the signature and IHDR; LPC_CORRUPT_DATA naming `file` when they are not a PNG's. */
export function parsePngHeader(bytes: Uint8Array, file: string): PngHeader {
  if (bytes.length < 26 || !SIGNATURE.equals(bytes.subarray(0, 8))) {
    throw new LpcError('LPC_CORRUPT_DATA', `${file}: not a PNG file (bad signature)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 26);
  if (String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]) !== 'IHDR') {
    throw new LpcError('LPC_CORRUPT_DATA', `${file}: bad header (the first PNG chunk is not IHDR)`);
  }
  return { width: view.getUint32(16, false), height: view.getUint32(20, false), colorType: bytes[25] };
}

/** Decodes a whole PNG (any colour type, 16-bit scaled to 8); LPC_CORRUPT_DATA naming `file` on failure. */
export function decodePng(bytes: Buffer, file: string): DecodedPng {
  const header = parsePngHeader(bytes, file);
  try {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, grey: header.colorType === 0 || header.colorType === 4, rgba: png.data };
  } catch (error) {
    throw new LpcError('LPC_CORRUPT_DATA', `${file}: PNG cannot be decoded (${(error as Error).message})`, { cause: error });
  }
}

/** Encodes interleaved 8-bit pixels (1 byte per pixel for grey, 3 for RGB) as a PNG. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Buffer {
  if (pixels.length !== width * height * channels) {
    throw new LpcError('LPC_SHAPE_MISMATCH', `pixels has ${pixels.length} bytes; a ${width}x${height} image with ${channels} channels needs ${width * height * channels}`);
  }
  const png = new PNG();
  png.width = width;
  png.height = height;
  png.data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.length);
  const colorType = channels === 1 ? 0 : 2;
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: false });
}
