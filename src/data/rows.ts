/**
 * The course's table: labels, the `contents,label` row, and its CSV form (RFC 4180, as pandas and danfo read
 * and write it).
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import * as fs from 'node:fs';

/** The course's labels. */
export const LABELS = ['표준어', '경상도', '제주도', '전라도'] as const;
export const LABELS_EN = ['standard', 'Gyeongsang', 'Jeju', 'Jeolla'] as const;

/** A table row; `source` (the utterance id) is kept in memory for splits and inspection, not written to CSV. */
export interface Row { contents: string; label: number; source?: string }

/** RFC 4180 CSV that pandas.read_csv and danfo read back to the same strings. */
export function toCsv(rows: Row[]): string {
  const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return ['contents,label', ...rows.map((r) => `${q(r.contents)},${r.label}`)].join('\n') + '\n';
}

/**
 * Reads a `contents,label` CSV (RFC 4180, as `toCsv`, pandas and danfo write it). Errors name the file
 * and the row (1-based, the header is row 1): a label that is not an integer (or, given `numLabels`, not
 * below it), and an empty `contents`, which pandas reads as NaN (the course's tokenizer then fails) and
 * which would otherwise train as a "[CLS] [SEP]" row without a word.
 */
export function readRowsCsv(file: string, o: { numLabels?: number } = {}): Row[] {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { throw new Error(`${file}: cannot read: ${(e as Error).message}`); }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records: string[][] = [];
  let field = '', rec: string[] = [], quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') { rec.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      rec.push(field); records.push(rec); rec = []; field = '';
    } else field += ch;
  }
  if (quoted) throw new Error(`${file}: a quoted field is not closed before the end of the file`);
  if (field !== '' || rec.length) { rec.push(field); records.push(rec); }
  if (!records.length) throw new Error(`${file}: empty file`);
  const head = records[0];
  const ci = head.indexOf('contents'), li = head.indexOf('label');
  if (ci < 0 || li < 0) throw new Error(`${file}: expected a header with columns contents,label, got '${head.join(',')}'`);
  const rows: Row[] = [];
  records.forEach((r, i) => {
    if (i === 0 || (r.length === 1 && r[0] === '')) return;   // the header; blank lines (still counted as rows)
    const label = Number(r[li]), at = `${file}: row ${i + 1}`;
    if (r.length !== head.length) throw new Error(`${at} has ${r.length} fields, the header has ${head.length}`);
    if (!/^\d+$/.test(r[li] ?? '')) throw new Error(`${at}: label '${r[li] ?? ''}' is not a non-negative integer`);
    if (o.numLabels !== undefined && label >= o.numLabels) throw new Error(`${at}: label ${label}, but the course has ${o.numLabels} labels (0..${o.numLabels - 1})`);
    if (!r[ci].trim()) throw new Error(`${at}: contents is empty (drop the row or fill it in)`);
    rows.push({ contents: r[ci], label });
  });
  return rows;
}
