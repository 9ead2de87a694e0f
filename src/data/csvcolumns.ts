/**
 * The `contents,label` table as two columns, fast enough for the course's real size: 1.94 M rows in a few
 * seconds, where building a record per field and a `Row` per line took ~9 s and 1.5 GB. Lines without quotes are
 * split directly; a record with a quote (or a lone CR) goes through an RFC 4180 state machine. `readRowsCsv`
 * (src/data/rows.ts) is built on it, so both read the same strings and give the same errors, naming the file and
 * the row (test/data/csvcolumns.test.ts).
 *
 * Introduced in notebooks/04_tuned.ipynb.
 */
import * as fs from 'node:fs';

export interface CsvColumns {
  contents: string[];
  labels: number[];
}

/** One record from `p`: its fields and where the next one starts (RFC 4180, as `readRowsCsv` parses it). */
function record(text: string, p: number): [string[], number] {
  let nl = text.indexOf('\n', p);
  if (nl < 0) nl = text.length;
  let line = text.slice(p, nl);
  if (line.endsWith('\r')) line = line.slice(0, -1);
  if (!line.includes('"') && !line.includes('\r')) return [line.split(','), nl + 1];
  const rec: string[] = [];
  let field = '',
    quoted = false,
    i = p;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      rec.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      rec.push(field);
      return [rec, i + 1];
    } else field += ch;
  }
  if (quoted) throw new Error('unclosed');
  rec.push(field);
  return [rec, i + 1];
}

/** The `contents` and `label` columns of a `contents,label` CSV; same rules and error messages as `readRowsCsv`. */
export function readCsvColumns(file: string, o: { numLabels?: number; checkOnly?: boolean } = {}): CsvColumns {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read: ${(e as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const next = (p: number): [string[], number] => {
    try {
      return record(text, p);
    } catch {
      throw new Error(`${file}: a quoted field is not closed before the end of the file`);
    }
  };
  if (!text.length) throw new Error(`${file}: empty file`);
  let [head, p] = next(0);
  const ci = head.indexOf('contents'),
    li = head.indexOf('label');
  if (ci < 0 || li < 0)
    throw new Error(`${file}: expected a header with columns contents,label, got '${head.join(',')}'`);
  const contents: string[] = [],
    labels: number[] = [];
  let row = 1;
  while (p < text.length) {
    const [r, q] = next(p);
    p = q;
    row++; // blank lines count as rows (file lines), as in readRowsCsv
    if (r.length === 1 && r[0] === '') continue; // and are skipped
    if (r.length !== head.length)
      throw new Error(`${file}: row ${row} has ${r.length} fields, the header has ${head.length}`);
    const l = r[li];
    if (!/^\d+$/.test(l)) throw new Error(`${file}: row ${row}: label '${l}' is not a non-negative integer`);
    if (o.numLabels !== undefined && Number(l) >= o.numLabels)
      throw new Error(
        `${file}: row ${row}: label ${l}, but the course has ${o.numLabels} labels (0..${o.numLabels - 1})`,
      );
    if (!r[ci].trim()) throw new Error(`${file}: row ${row}: contents is empty (drop the row or fill it in)`);
    if (!o.checkOnly) {
      contents.push(r[ci]);
      labels.push(Number(l));
    }
  }
  return { contents, labels };
}

/**
 * Checks every row of a `contents,label` CSV (the errors of `readCsvColumns`, naming file and row) without keeping
 * them: `runCourse` calls it before the model loads, so a bad row costs seconds, not a model load.
 */
export function checkRowsCsv(file: string, numLabels?: number): void {
  readCsvColumns(file, { numLabels, checkOnly: true });
}
