/**
 * Layer `course/`: the course's configs and presets, the training runner (baseline, tuned, ablations), `hai step`,
 * the Naive Bayes baseline on a config, and the report of `npm start`.
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js).
 * Introduced in notebooks/04_tuned.ipynb.
 */
export * from './configcheck';
export * from './config';
export * from './course';
export * from './step';
export * from './coursereport';
export * from './baseline';
