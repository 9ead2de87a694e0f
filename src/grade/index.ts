/**
 * Layer 9, `grade/`: re-running and grading students' notebooks; hidden checks; the report.
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js and docs/architecture.md).
 * Introduced in notebooks/06_inference.ipynb.
 */
export * from './grade';
export * from './gradecheck';
export * from './gradereport';
export * from './reporttypes';
export * from './exercises';
export * from './assign';
export * from './byexercise';
export * from './classrun';
export * from './leaderboard';
export * from './gradebox';
export * from './sandbox';
export * from './sandboxbox';
export * from './sandboxinfo';
export * from './gradeone';
export * from './exgrade';
export * from './isolate';
export * from './feedback';
export * from './exports';
export * from './workdir';
// Not exported: exhost.ts and testhost.ts are the entry points of the exercise's two processes (they run on load).
