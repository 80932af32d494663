/**
 * An independent JavaScript reference for the native RNG: Philox4x32-10 on 16-bit limbs and the
 * Box-Muller transform of native/core/fastmath.h with every float32 operation rounded by Math.fround,
 * so it reproduces the native bits exactly (IEEE float ops equal double ops rounded once to float).
 */
const f = Math.fround;

function mulhilo(a: number, b: number): [number, number] {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const lo0 = a0 * b0;
  const m1 = a1 * b0;
  const m2 = a0 * b1;
  const carry = (lo0 >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
  const hi = (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + Math.floor(carry / 65536)) >>> 0;
  return [hi, Math.imul(a, b) >>> 0];
}

/** One Philox4x32-10 block for counter words c0..c3 and key words k0, k1 (all uint32). */
export function philoxBlock(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): number[] {
  for (let round = 0; round < 10; round++) {
    const [hi0, lo0] = mulhilo(0xd2511f53, c0);
    const [hi1, lo1] = mulhilo(0xcd9e8d57, c2);
    const n0 = (hi1 ^ c1 ^ k0) >>> 0;
    const n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 = (k0 + 0x9e3779b9) >>> 0;
    k1 = (k1 + 0xbb67ae85) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** The block `block` of stream `stream` under 64-bit key `seed`. */
export function blockAt(seed: bigint, stream: bigint, block: bigint): number[] {
  const lo = (x: bigint) => Number(x & 0xffffffffn);
  const hi = (x: bigint) => Number((x >> 32n) & 0xffffffffn);
  return philoxBlock(lo(block), hi(block), lo(stream), hi(stream), lo(seed), hi(seed));
}

const view = new DataView(new ArrayBuffer(4));
const floatBits = (x: number) => (view.setFloat32(0, x, true), view.getUint32(0, true));
const bitsFloat = (u: number) => (view.setUint32(0, u >>> 0, true), view.getFloat32(0, true));

export function fastLogf(x: number): number {
  const bits = floatBits(x) | 0;
  const e = (bits - 0x3f3504f3) >> 23;
  const m = bitsFloat((bits - (e << 23)) >>> 0);
  const fm = f(m - 1);
  const s = f(fm / f(2 + fm));
  const w = f(s * s);
  const r = f(f(0.666667759) + f(w * f(f(0.399773777) + f(w * f(0.298753023)))));
  const ef = e;
  const ln2Hi = f(0.693145751953125);
  const ln2Lo = f(1.42860682030941723e-6);
  return f(f(ef * ln2Hi) + f(f(f(2 * s) + f(f(s * w) * r)) + f(ef * ln2Lo)));
}

function sinQuarter(p: number): number {
  const w = f(p * p);
  const poly = f(f(-0.166666538) + f(w * f(f(0.00833214819) + f(w * f(-0.000195139321)))));
  return f(p + f(f(p * w) * poly));
}

function cosQuarter(p: number): number {
  const w = f(p * p);
  const poly = f(f(0.0416666456) + f(w * f(f(-0.00138872897) + f(w * f(0.0000244305738)))));
  return f(f(1 - f(0.5 * w)) + f(f(w * w) * poly));
}

/** Box-Muller exactly as native: two float32 normals from two 32-bit words. */
export function boxMuller(a: number, b: number): [number, number] {
  const u1 = f(f(f(a >>> 1) * 4.656612873077393e-10) + 2.3283064365386963e-10);
  const r = f(Math.sqrt(f(-2 * fastLogf(u1))));
  const quadrant = b >>> 30;
  const t = f(((b >>> 6) & 0xffffff) - 0x800000 + 0.5);
  const p = f(t * f(9.362675707309822e-8));
  const s = sinQuarter(p);
  const c = cosQuarter(p);
  const odd = (quadrant & 1) === 1;
  let cx = odd ? s : c;
  let sx = odd ? c : s;
  if (quadrant === 1 || quadrant === 2) cx = -cx;
  if (quadrant >= 2) sx = -sx;
  return [f(r * cx), f(r * sx)];
}

/** The same two normals computed in float64 from the same words (the exact transform). */
export function boxMullerExact(a: number, b: number): [number, number] {
  const u1 = f(f(f(a >>> 1) * 4.656612873077393e-10) + 2.3283064365386963e-10);
  const r = Math.sqrt(-2 * Math.log(u1));
  const t = ((b >>> 6) & 0xffffff) - 0x800000 + 0.5;
  const theta = (b >>> 30) * (Math.PI / 2) + t * (Math.PI / 2 / 2 ** 24);
  return [r * Math.cos(theta), r * Math.sin(theta)];
}

/** Normals for elements [first, first + n) of a request starting at block `base`. */
export function referenceNormals(seed: bigint, stream: bigint, base: bigint, first: number, n: number): Float32Array {
  const out = new Float32Array(n);
  let cached = -1;
  let four: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = first + i;
    const block = Math.floor(e / 4);
    if (block !== cached) {
      const w = blockAt(seed, stream, base + BigInt(block));
      four = [...boxMuller(w[0], w[1]), ...boxMuller(w[2], w[3])];
      cached = block;
    }
    out[i] = four[e % 4];
  }
  return out;
}

/** Uniforms in (0, 1) for elements [first, first + n). */
export function referenceUniforms(seed: bigint, stream: bigint, base: bigint, first: number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const e = first + i;
    const w = blockAt(seed, stream, base + BigInt(Math.floor(e / 4)));
    out[i] = ((w[e % 4] >>> 8) + 0.5) * 2 ** -24;
  }
  return out;
}
