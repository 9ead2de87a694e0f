/**
 * The course's table: labels, the `contents,label` row, and its CSV form (RFC 4180, as pandas and danfo read
 * and write it).
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import { readCsvColumns } from './csvcolumns';

/** The course's labels. */
export const LABELS = ['표준어', '경상도', '제주도', '전라도'] as const;
export const LABELS_EN = ['standard', 'Gyeongsang', 'Jeju', 'Jeolla'] as const;

/** A table row; `source` (the utterance id) is kept in memory for splits and inspection, not written to CSV. */
export interface Row {
  contents: string;
  label: number;
  source?: string;
}

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
  // One parser for both readers: the columns of src/data/csvcolumns.ts, as row objects.
  const { contents, labels } = readCsvColumns(file, o);
  return contents.map((c, i) => ({ contents: c, label: labels[i] }));
}
