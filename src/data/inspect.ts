/**
 * Session 2: look at the table before training on it. Train/valid splits (the course's way, by rows, and
 * by conversation), label balance, duplicates, standard/dialect twins and length distributions. Every
 * helper returns plain data; `htmlTable` renders any of it in a notebook cell.
 *
 * Helpers take either `Row[]` or a danfojs DataFrame with `contents` and `label` columns; `lengthStats` and
 * `longestLabelRun` also take the two columns of `readCsvColumns`, which hold the course's 1.94 M rows without a
 * `Row` per line.
 *
 * Introduced in notebooks/02_inspect.ipynb.
 */
import { LABELS, Row } from './rows';
import type { CsvColumns } from './csvcolumns';
import { rng } from '../util/random';

type Frame = { columns: string[]; values: unknown[][] };
export type Table = Row[] | Frame;

/** Rows of a danfo DataFrame (or the rows themselves). */
export function rowsOf(t: Table): Row[] {
  if (Array.isArray(t)) return t;
  const ci = t.columns.indexOf('contents'),
    li = t.columns.indexOf('label'),
    si = t.columns.indexOf('source');
  if (ci < 0 || li < 0) throw new Error(`expected columns 'contents' and 'label', got [${t.columns.join(', ')}]`);
  return t.values.map((v, i) => {
    const label = Number(v[li]);
    if (!Number.isInteger(label)) throw new Error(`row ${i}: label '${v[li]}' is not an integer`);
    return { contents: String(v[ci]), label, ...(si >= 0 ? { source: String(v[si]) } : {}) };
  });
}

/** The contents and label columns of any table (columns as they are; rows without copying a record per row). */
function columnsOf(t: Table | CsvColumns): CsvColumns {
  if (!Array.isArray(t) && 'labels' in t && 'contents' in t && !('values' in t)) return t;
  const rows = rowsOf(t as Table);
  return { contents: rows.map((r) => r.contents), labels: rows.map((r) => r.label) };
}

/** A danfo DataFrame of rows (danfojs-node is loaded on first use: it is slow to import). */
export function toDataFrame(rows: Row[]): any {
  const dfd = require('danfojs-node');
  return new dfd.DataFrame(
    rows.map((r) => ({ contents: r.contents, label: r.label, ...(r.source ? { source: r.source } : {}) })),
  );
}

export interface SplitConfig {
  validFraction: number;
  seed: number;
}
export const splitDefaults = (o: Partial<SplitConfig> = {}): SplitConfig => ({ validFraction: 0.2, seed: 42, ...o });
export interface Split {
  train: Row[];
  valid: Row[];
  /** valid rows whose twin (same utterance) is in train */ leakedTwins: number;
}

/** The conversation a row comes from: the utterance id up to its first dot (AI Hub ids are `<file id>.1.1.<n>`). */
export const conversationOf = (r: Row) => (r.source ?? '').split(/[.#]/)[0];

function split(rows: Row[], key: (r: Row, i: number) => string, cfg: SplitConfig): Split {
  if (!(cfg.validFraction > 0 && cfg.validFraction < 1))
    throw new Error(`validFraction must be in (0, 1), got ${cfg.validFraction}`);
  const keys = [...new Set(rows.map(key))];
  const rand = rng(cfg.seed);
  // Fisher-Yates over the keys, then the first share goes to valid; rows keep their order on both sides,
  // so a label-sorted table stays label-sorted (what the sequential-sampler lesson is about).
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  const nValid =
    keys.length < 2 ? 0 : Math.min(keys.length - 1, Math.max(1, Math.round(keys.length * cfg.validFraction)));
  const validKeys = new Set(keys.slice(0, nValid));
  const train: Row[] = [],
    valid: Row[] = [];
  rows.forEach((r, i) => (validKeys.has(key(r, i)) ? valid : train).push(r));
  const trainSources = new Set(train.map((r) => r.source).filter(Boolean));
  return { train, valid, leakedTwins: valid.filter((r) => r.source && trainSources.has(r.source)).length };
}

/** The course's way: rows drawn at random, so an utterance's standard and dialect twins can land on both sides. */
export const splitByRows = (t: Table, cfg = splitDefaults()) => split(rowsOf(t), (_, i) => String(i), cfg);
/** By conversation: every row of a conversation on one side, so no twin, speaker or topic leaks into valid. */
export function splitByConversation(t: Table, cfg = splitDefaults()): Split {
  const rows = rowsOf(t);
  const missing = rows.findIndex((r) => !r.source);
  if (missing >= 0)
    throw new Error(
      `row ${missing} has no source utterance id: split by conversation needs rows from convertFiles, not a bare CSV`,
    );
  return split(rows, conversationOf, cfg);
}

export interface LabelCount {
  label: number;
  name: string;
  count: number;
  share: number;
}
export function labelCounts(t: Table): LabelCount[] {
  const rows = rowsOf(t);
  const c = new Map<number, number>();
  for (const r of rows) c.set(r.label, (c.get(r.label) ?? 0) + 1);
  return [...c]
    .sort((a, b) => a[0] - b[0])
    .map(([label, count]) => ({ label, name: LABELS[label] ?? String(label), count, share: count / rows.length }));
}

/** The text with spaces and punctuation removed: what "near duplicate" compares. */
export const normalise = (s: string) => s.replace(/[\s.,!?~…'"()\-]/g, '');

export interface DuplicateReport {
  exact: { contents: string; label: number; count: number }[];
  /** Same text under more than one label: no model can get all of these right. */
  conflicting: { contents: string; labels: number[] }[];
  /** Different raw texts that are equal once spaces and punctuation are removed. */
  near: { key: string; variants: string[] }[];
}
export function duplicates(t: Table): DuplicateReport {
  const rows = rowsOf(t);
  const byText = new Map<string, Map<number, number>>();
  const byNorm = new Map<string, Set<string>>();
  for (const r of rows) {
    const m = byText.get(r.contents) ?? new Map<number, number>();
    m.set(r.label, (m.get(r.label) ?? 0) + 1);
    byText.set(r.contents, m);
    const k = normalise(r.contents);
    byNorm.set(k, (byNorm.get(k) ?? new Set()).add(r.contents));
  }
  const exact = [...byText].flatMap(([contents, m]) =>
    [...m].filter(([, n]) => n > 1).map(([label, count]) => ({ contents, label, count })),
  );
  const conflicting = [...byText]
    .filter(([, m]) => m.size > 1)
    .map(([contents, m]) => ({ contents, labels: [...m.keys()].sort() }));
  const near = [...byNorm].filter(([, v]) => v.size > 1).map(([key, v]) => ({ key, variants: [...v] }));
  return { exact: exact.sort((a, b) => b.count - a.count), conflicting, near };
}

/** Standard/dialect twins (rows of one utterance) and how many characters tell them apart. */
export function twins(t: Table): {
  pairs: number;
  medianCharsChanged: number;
  examples: { standard: string; dialect: string; label: number }[];
} {
  const bySource = new Map<string, Row[]>();
  for (const r of rowsOf(t)) if (r.source) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r]);
  const pairs = [...bySource.values()].filter(
    (g) => g.length === 2 && g.some((r) => r.label === 0) && g.some((r) => r.label !== 0),
  );
  const changed = pairs
    .map(([a, b]) => {
      let i = 0;
      while (i < a.contents.length && a.contents[i] === b.contents[i]) i++;
      let j = 0;
      while (
        j < a.contents.length - i &&
        j < b.contents.length - i &&
        a.contents[a.contents.length - 1 - j] === b.contents[b.contents.length - 1 - j]
      )
        j++;
      return Math.max(a.contents.length, b.contents.length) - i - j;
    })
    .sort((x, y) => x - y);
  return {
    pairs: pairs.length,
    medianCharsChanged: changed.length ? changed[changed.length >> 1] : 0,
    examples: pairs.slice(0, 5).map((g) => ({
      standard: g.find((r) => r.label === 0)!.contents,
      dialect: g.find((r) => r.label !== 0)!.contents,
      label: g.find((r) => r.label !== 0)!.label,
    })),
  };
}

export interface LengthStats {
  label: number;
  name: string;
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
/**
 * Length distribution per label; `measure` defaults to characters (pass a tokenizer's length for tokens). It is
 * called once per row, with the row's index, so lengths measured already can be passed as `(_, i) => lengths[i]`.
 */
export function lengthStats(
  t: Table | CsvColumns,
  measure: (s: string, i: number) => number = (s) => [...s].length,
): LengthStats[] {
  const { contents, labels } = columnsOf(t);
  const by = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    // pushed in place: 1.94 M rows in about a second (a copy of the list per row is quadratic)
    let xs = by.get(labels[i]);
    if (!xs) by.set(labels[i], (xs = []));
    xs.push(measure(contents[i], i));
  }
  const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  return [...by]
    .sort((a, b) => a[0] - b[0])
    .map(([label, xs]) => {
      xs.sort((a, b) => a - b);
      return {
        label,
        name: LABELS[label] ?? String(label),
        count: xs.length,
        mean: xs.reduce((a, b) => a + b, 0) / xs.length,
        min: xs[0],
        p50: q(xs, 0.5),
        p90: q(xs, 0.9),
        p99: q(xs, 0.99),
        max: xs[xs.length - 1],
      };
    });
}

/** Longest run of consecutive rows with the same label: what a sequential sampler feeds the model. */
export function longestLabelRun(t: Table | CsvColumns): { label: number; length: number; start: number } {
  const { labels } = columnsOf(t);
  let best = { label: -1, length: 0, start: 0 };
  for (let i = 0, s = 0; i <= labels.length; i++) {
    if (i === labels.length || labels[i] !== labels[s]) {
      if (i - s > best.length) best = { label: labels[s], length: i - s, start: s };
      s = i;
    }
  }
  return best;
}
