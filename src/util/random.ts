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
