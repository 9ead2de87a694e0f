/**
 * Small file-system helpers every layer may use.
 *
 * Introduced in notebooks/01_data.ipynb (the converted table is written this way).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes through a temporary file in the same folder and renames it, so a crash never leaves half a file. */
export function writeFileAtomic(file: string, data: string | NodeJS.ArrayBufferView): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
