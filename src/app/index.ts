/**
 * Layer `app/`: `hai serve`, the translator web app of session 4 (11-24): the http server and its JSON API,
 * the Korean page, and the classifiers behind "자동" (a checkpoint, or the Naive Bayes baseline).
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js and docs/architecture.md).
 * Introduced in notebooks/07_translator.ipynb.
 */
export * from './detect';
export * from './page';
export * from './server';
export * from './provenance';
