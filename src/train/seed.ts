/**
 * The default seed of every run: set once (`setSeed`), read by each config's defaults.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
let defaultSeed = 42;
/**
 * The seed every later config takes by default (trainer, course runs): samplers, dropout masks and new head
 * weights all derive from it, so the same config twice on the same backend gives the same numbers (tested on
 * wasm and cpu). tfjs has no global random state to seed; every random op here takes an explicit seed.
 * Not deterministic: tfjs-node-gpu, whose CUDA/cuDNN reductions may sum in a different order each run.
 */
export function setSeed(n: number): void {
  if (!Number.isInteger(n)) throw new Error(`setSeed: expected an integer, got ${n}`);
  defaultSeed = n;
}
export const currentSeed = () => defaultSeed;
