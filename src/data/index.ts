/**
 * Layer 2, `data/`: the course's table. AI Hub JSON → `contents,label` rows, the bundled corpus, and the
 * inspection helpers (splits, balance, duplicates, twins, lengths).
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js and docs/architecture.md).
 * Introduced in notebooks/01_data.ipynb.
 */
export * from './aihub';
export * from './formrules';
export * from './bundledcorpus';
export * from './inspect';
export * from './rows';
export * from './csvcolumns';
export * from './convertstream';
