/**
 * Layer `translate/`: the dialect translator of session 4 (11-24): parallel text from AI Hub files, the
 * corpus tables and their routing, translation metrics (BLEU, chrF, exact match, change-F1), evaluation
 * against copying, and the hub models' path behind the same interface.
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js and docs/architecture.md).
 * Introduced in notebooks/07_translator.ipynb.
 */
export * from './pairs';
export * from './metrics';
export * from './table';
export * from './apply';
export * from './evaluate';
export * from './corpustranslator';
export * from './kobart';
export * from './routetable';
