/**
 * Layer 0, `util/`: helpers every layer may use (atomic file writes, HTML, seeded random numbers, environment switches,
 * the progress line, the checkout's paths). Imports nothing of the library.
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js and docs/architecture.md).
 * Introduced in notebooks/00_setup.ipynb.
 */
export * from './env';
export * from './files';
export * from './html';
export * from './paths';
export * from './progress';
export * from './random';
export * from './onnxproto';
