/**
 * Layer 10, `bench/`: `hai bench`, step and end-to-end rows, side by side with PyTorch.
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js and docs/architecture.md).
 * Introduced in notebooks/00_setup.ipynb.
 */
export * from './bench';
export * from './benchconfig';
export * from './child';
export * from './data';
export * from './endtoend';
export * from './torch';
export * from './worker';
export * from './repeat';
