/**
 * The notebook JSON (nbformat 4) as the kit reads and writes it: one type for every module that handles `.ipynb`
 * files (the runner, the grader, `hai assign`), so a cell's fields are checked by the compiler, not guessed.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */

/** A cell output as nbformat stores it (stream, display_data, execute_result, error). */
export interface NbOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
/** The kit's own cell metadata: `hai.exercise` / `hai.tests` (src/grade/assign.ts), the grader's marks. */
export interface CellMetadata {
  hai?: { exercise?: string; tests?: string; [k: string]: unknown };
  [k: string]: unknown;
}
export interface Cell {
  cell_type: 'code' | 'markdown' | 'raw' | string;
  id?: string;
  source: string | string[];
  metadata?: CellMetadata;
  outputs?: NbOutput[];
  execution_count?: number | null;
  attachments?: Record<string, unknown>;
}
export interface Notebook {
  cells: Cell[];
  metadata: { hai?: { notebook?: string; [k: string]: unknown }; [k: string]: unknown };
  nbformat?: number;
  nbformat_minor?: number;
  [k: string]: unknown;
}

/** A cell's source as one string (nbformat allows a list of lines). */
export const cellText = (c: Pick<Cell, 'source'>): string =>
  Array.isArray(c.source) ? c.source.join('') : (c.source ?? '');

/** Parsed JSON that claims to be a notebook: a clear error naming `file` unless it has a cells array. */
export function asNotebook(j: unknown, file: string): Notebook {
  const nb = j as Notebook | null;
  if (!nb || typeof nb !== 'object' || !Array.isArray(nb.cells))
    throw new Error(`${file}: not a notebook (no "cells" array)`);
  if (!nb.metadata || typeof nb.metadata !== 'object') nb.metadata = {};
  return nb;
}
