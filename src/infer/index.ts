/**
 * Layer `infer/`, between models/ and train/: batches of an encoding, the one predict loop for every runtime
 * (tfjs and ONNX), metrics, the encodings cache, loading a saved classifier, and `hai eval` / `hai predict`.
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js).
 * Introduced in notebooks/06_inference.ipynb.
 */
export * from './batches';
export * from './metrics';
export * from './predict';
export * from './encodecache';
export * from './load';
export * from './runtime';
export * from './classify';
export * from './graph';
