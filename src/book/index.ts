/**
 * Layer `book/`: `hai book`, the course as a static site (executed sessions, their slides, the results report).
 * It sits above app/ and below cli/ (.dependency-cruiser.js).
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
export { buildBook, bookDefaults } from './site';
export type { BookConfig, BookResult } from './site';
export { sessionInfo } from './page';
export type { SessionInfo } from './page';
