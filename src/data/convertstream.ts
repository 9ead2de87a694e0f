/**
 * `convertFiles` for AI Hub's full release (~26k JSON files, ~2.4 M rows): the same rows in the same order, written
 * to the CSV file by file instead of collected, so memory stays bounded by one file (plus, in `clean` mode, the set
 * of rows already written, which its de-duplication needs). A progress bar counts files. The CSV goes to a
 * temporary file renamed at the end; with unreadable files and no `skipBad`, nothing is written, as `hai data
 * convert` promises. The output is byte for byte `toCsv(convertFiles(…).rows)` (test/data/csvcolumns.test.ts).
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConvertConfig, FileReport, convertDefaults, convertOneFile, listJsonFiles } from './aihub';
import { CleanStats, emptyCleanStats } from './formrules';
import { toCsv } from './rows';
import { Progress } from '../util/progress';

export interface ConvertStreamOptions {
  /** Write the good files' rows even when some files are malformed (each is still reported). */
  skipBad: boolean;
  /** A progress bar over files; 'auto': for 2,000 files or more. */
  progress: boolean | 'auto';
  write: (s: string) => void;
}
export interface ConvertStreamResult {
  out: string;
  written: boolean;
  rows: number;
  files: FileReport[];
  label_counts: Map<number, number>;
  stats?: CleanStats;
}

const HEADER = toCsv([]);

export function convertFilesToCsv(
  inputs: string[],
  out: string,
  cfg: ConvertConfig = convertDefaults(),
  o: Partial<ConvertStreamOptions> = {},
): ConvertStreamResult {
  const opt: ConvertStreamOptions = { skipBad: false, progress: 'auto', write: (s) => process.stderr.write(s), ...o };
  const list = listJsonFiles(inputs);
  const files: FileReport[] = [],
    counts = new Map<number, number>();
  // The same clean statistics convertFiles keeps: convertFile fills them file by file.
  const stats: CleanStats | undefined = cfg.mode === 'clean' ? emptyCleanStats() : undefined;
  const seen = new Set<string>();
  const tmp = path.join(path.dirname(path.resolve(out)), `.${path.basename(out)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  let rows = 0,
    dropped = 0,
    buf: string[] = [],
    bytes = 0;
  const flush = () => {
    if (buf.length) {
      fs.writeSync(fd, buf.join(''));
      buf = [];
      bytes = 0;
    }
  };
  const bar = (opt.progress === 'auto' ? list.length >= 2000 : opt.progress)
    ? new Progress({ desc: 'convert', write: opt.write, showLoss: false })
    : null;
  try {
    buf.push(HEADER);
    list.forEach((file, k) => {
      bar?.update(k, list.length);
      const one = convertOneFile(file, cfg, stats);
      files.push(one.report);
      let r = one.rows;
      if (stats) {
        r = r.filter((x) => {
          const key = `${x.label}\u0000${x.contents}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
        dropped += files[files.length - 1].rows - r.length;
      }
      for (const x of r) counts.set(x.label, (counts.get(x.label) ?? 0) + 1);
      rows += r.length;
      const text = toCsv(r).slice(HEADER.length);
      buf.push(text);
      bytes += text.length;
      if (bytes > 1 << 20) flush();
    });
    if (bar) {
      bar.update(list.length, list.length);
      bar.close();
    }
    flush();
    fs.closeSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  const written = !files.some((f) => f.error) || opt.skipBad;
  if (written) fs.renameSync(tmp, out);
  else fs.rmSync(tmp, { force: true });
  if (stats) stats.duplicates_dropped = dropped;
  return { out, written, rows, files, label_counts: counts, stats };
}
