/**
 * Seeded random numbers, so splits, samplers and dropout draws are the same on every machine.
 *
 * Introduced in notebooks/02_inspect.ipynb (the split) and notebooks/03_baseline.ipynb (the sampler).
 */
/** mulberry32: a small seeded generator, so a split is the same on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** splitmix32: spreads a small integer seed over 32 bits (used to seed xoshiro128** below). */
function splitmix32(state: { z: number }): number {
  state.z = (state.z + 0x9e3779b9) | 0;
  let t = state.z ^ (state.z >>> 16);
  t = Math.imul(t, 0x21f0aaad);
  t ^= t >>> 15;
  t = Math.imul(t, 0x735a2d97);
  return t ^ (t >>> 15);
}

/**
 * A dropout multiplier drawn in plain JS: `n` values, each 1/(1 − rate) with probability 1 − rate and 0 otherwise,
 * the distribution of `tf.dropout`'s mask (floor(U + keep) / keep), from one seed. The draws are xoshiro128**'s
 * 32-bit outputs compared with keep·2³² (exact to 2⁻³²), seeded through splitmix32, so a seed always gives the
 * same mask and nearby seeds (a layer's seed, seed + 1, …) give unrelated ones.
 *
 * Why not tfjs: drawing the masks of a KoELECTRA-small training step (36 masks, 19 M values at batch 32 × 64) took
 * 225 ms on tfjs-backend-wasm, a fifth of the native step (src/engine/nativelayer.ts); this loop takes about 50 ms
 * and its arrays go to onnxruntime-node without a copy off the wasm heap.
 *
 * Introduced in notebooks/00_setup.ipynb (the native training step).
 */
export function dropoutMask(n: number, rate: number, seed: number): Float32Array {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  const out = new Float32Array(n);
  const keep = 1 - rate,
    value = Math.fround(1 / Math.fround(keep)),
    below = Math.floor(keep * 4294967296);
  const st = { z: seed | 0 };
  let a = splitmix32(st),
    b = splitmix32(st),
    c = splitmix32(st),
    d = splitmix32(st);
  for (let i = 0; i < n; i++) {
    const b5 = Math.imul(b, 5);
    const r = Math.imul((b5 << 7) | (b5 >>> 25), 9);
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    out[i] = r >>> 0 < below ? value : 0;
  }
  return out;
}
