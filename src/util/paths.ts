/**
 * Where the checkout is, for the files the library ships beside its code (data/, bench/, bin/). Compiled code
 * runs from dist/<layer>/, sources (tests, tsx) from src/<layer>/: both are two folders below the root.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as path from 'node:path';

/** The checkout (the folder with package.json). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** A path inside the checkout: `repoPath('data', 'rows')`. */
export const repoPath = (...parts: string[]) => path.join(REPO_ROOT, ...parts);

/** Whether an npm package resolves from here (its package.json is found), without loading it. */
export function isInstalled(module: string): boolean {
  try {
    require.resolve(`${module}/package.json`);
    return true;
  } catch {
    return false;
  }
}
