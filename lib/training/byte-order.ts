/**
 * Byte order for binary state: files are little-endian. Typed arrays are copied as raw bytes and, on
 * a big-endian host only, byte-swapped in place. Copying bytes (rather than reading and writing each
 * element through a DataView) keeps every bit, NaN payloads included: converting a float32 NaN to a
 * JS number and back may set its quiet bit, and whether it does depends on which V8 tier runs the code.
 */

/** True on little-endian hosts (x86-64, arm64 as Node runs them). */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Converts `bytes`, a run of `itemBytes`-wide elements, between host order and little-endian in place
 * (the conversion is its own inverse). A no-op on little-endian hosts; `hostIsLittleEndian` exists so
 * the big-endian path can be tested on any host.
 */
export function swapToLittleEndian(bytes: Uint8Array, itemBytes: number, hostIsLittleEndian = HOST_IS_LITTLE_ENDIAN): void {
  if (hostIsLittleEndian || itemBytes === 1) return;
  for (let start = 0; start < bytes.length; start += itemBytes) {
    for (let i = start, j = start + itemBytes - 1; i < j; i++, j--) {
      const t = bytes[i];
      bytes[i] = bytes[j];
      bytes[j] = t;
    }
  }
}
