/**
 * Layer 7, `course/`: the course's presets and runner (baseline, tuned, ablations), eval/predict/step, the
 * report of `npm start`.
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js and the README).
 * Introduced in notebooks/04_tuned.ipynb.
 */
export * from './configcheck';
export * from './course';
export * from './coursereport';
export * from './encodecache';
export * from './onnxeval';
export * from './baseline';
