/**
 * Layer 5, `train/`: AdamW and the schedule, losses, batching and samplers, the generic trainer with named
 * callbacks.
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js and docs/architecture.md).
 * Introduced in notebooks/03_baseline.ipynb.
 */
export * from './callbacks';
export * from './losses';
export * from './optim';
export * from './batching';
export * from './trainer';
export * from './plan';
export * from './seed';
export * from './memory';
