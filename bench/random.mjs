// The seeded uniform stream the robustness scripts draw their cases and moments from (mulberry32 on the raw
// seed, so that a figure's `--seed` names the same cases as when it was measured).

/** A function returning the next uniform in [0, 1) of the stream fixed by `seed`. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
