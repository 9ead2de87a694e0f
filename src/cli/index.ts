/**
 * Layer 12, `cli/`: the `hai` command and `hai doctor`. Nothing imports it but bin/hai.js.
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js and docs/architecture.md).
 * Introduced in notebooks/00_setup.ipynb.
 */
export * from './cli';
export * from './doctor';
export * from './tools';
export * from './assigncmd';
export * from './sandboxopts';
export * from './translate';
export * from './export';
export * from './modelcmds';
export * from './notebookcmds';
export * from './benchcmd';
export * from './args';
export * from './gradecmd';
export * from './bookcmd';
