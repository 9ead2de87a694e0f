/**
 * The corpus translator: rewrites learned from aligned AI Hub units, for one region and one direction
 * (dialect → standard or standard → dialect), applied only where the evidence says so.
 *
 * Three levels, tried in order for each word of the input:
 * 1. phrases (2–3 source words that the corpus rewrote as one unit, e.g. Jeju 이레 왕 → 이리 와서);
 * 2. whole words (eojeol): how often this exact word was rewritten to its most frequent target, over every
 *    time it occurred in training (unchanged occurrences count against the change);
 * 3. endings: a suffix rewrite (`당께 → 다니까`) learned from at least `minSuffixTypes` different words,
 *    for words never seen in training. A word seen in training and left alone there is never rewritten by
 *    an ending rule: the corpus already said "keep it".
 * A rewrite is made only when its confidence (rewrites / occurrences) reaches the threshold and it was seen
 * `minCount` times; `tuneThreshold` (evaluate.ts) picks the thresholds on held-out conversations, and
 * a threshold above 1 (never change) is always a candidate, so the translator can do no worse than copying there.
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import type { ParallelUtterance, Unit } from './pairs';
import { colloquialOnly } from '../data/formrules';

export type Direction = 'to_standard' | 'from_standard';

export interface TableConfig {
  /** Confidence needed for a phrase or word rewrite (rewrites / occurrences of the source). */
  wordThreshold: number;
  /** Confidence needed for an ending rewrite (rewrites / words ending that way). */
  suffixThreshold: number;
  /** Times a rewrite must have been seen. */
  minCount: number;
  /** Distinct words an ending rewrite must have been seen in. */
  minSuffixTypes: number;
  /** Longest ending (syllables) considered. */
  maxSuffix: number;
  /** Pseudo-occurrences added to every count's denominator, so rare evidence is trusted less (1/1 → 0.5). */
  smoothing: number;
  /**
   * An ending rewrite must produce a word seen on the target side in training (no invented forms like
   * 싶았어). Off by default: measured on held-out bundled conversations it cost 2–7 chrF to standard, and
   * on the real Jeolla sample it still did not reach copying.
   */
  attestedEndings: boolean;
  /**
   * Whole-word rewrites that are colloquial only (tensed initials 좀 → 쫌, ㅗ → ㅜ raising 하고 → 하구: any Korean
   * speaker's casual speech, not a region's; `colloquialOnly`, the clean rules' test) take their evidence from
   * every region's utterances, not this region's alone. The bundled corpus writes 쫌 in all three regions but
   * marks it unevenly (Gyeongsang 10 of 10, Jeolla 2 of 6); pooled, the evidence says "rewrite". On held-out bundled
   * conversations it changes chrF by at most 0.1; on the real Jeolla file, where 40 of the 86 changed words are
   * (쫌)/(좀), it turns 1.4 chrF under copying into 0.3 over (README, "Translator and web app").
   */
  poolColloquial: boolean;
}
export const tableDefaults = (o: Partial<TableConfig> = {}): TableConfig => ({
  wordThreshold: 0.5,
  suffixThreshold: 0.6,
  minCount: 1,
  minSuffixTypes: 3,
  maxSuffix: 4,
  smoothing: 1,
  attestedEndings: false,
  poolColloquial: true,
  ...o,
});

/** A learned table, plain JSON (saved as `table-<label>-<direction>.json` by `saveTranslator`). */
export interface TableModel {
  label: number;
  direction: Direction;
  config: TableConfig;
  /** source word → [target, count][] (identity included), and total occurrences */
  words: Record<string, { n: number; to: [string, number][] }>;
  /** source phrase (space-joined words) → targets, and how often the phrase occurred at all */
  phrases: Record<string, { n: number; to: [string, number][] }>;
  /** source ending → targets (with how many distinct words showed each), and words ending so */
  suffixes: Record<string, { n: number; to: [string, number, number][] }>;
  /** Every word of the target side in training (what `attestedEndings` checks). */
  targets: string[];
}

const PUNCT = /^(.*?)([.,?!~…]*)$/u;
/** A word without its trailing punctuation, and the punctuation (re-attached after rewriting). */
export const splitPunct = (w: string): [string, string] => {
  const m = PUNCT.exec(w)!;
  return m[1] ? [m[1], m[2]] : [w, ''];
};
export const sides = (d: Direction) =>
  d === 'to_standard' ? (['dialect', 'standard'] as const) : (['standard', 'dialect'] as const);

const bump = <K>(m: Map<K, number>, k: K, by = 1) => m.set(k, (m.get(k) ?? 0) + by);
/** Targets by count, most frequent first; ties in code-unit order, so a table does not depend on input order. */
const sorted = (m: Map<string, number>): [string, number][] =>
  [...m].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));

/** The longest common prefix, in code points. */
const lcp = (a: string[], b: string[]) => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};

/** Learns a table from one region's utterances for one direction. */
export function trainTable(
  utts: ParallelUtterance[],
  label: number,
  direction: Direction,
  cfg: Partial<TableConfig> = {},
): TableModel {
  const [from, to] = sides(direction);
  const c = tableDefaults(cfg);
  const words = new Map<string, Map<string, number>>(),
    wordN = new Map<string, number>();
  const phrases = new Map<string, Map<string, number>>();
  const suffixTo = new Map<string, Map<string, Set<string>>>(),
    suffixN = new Map<string, number>(),
    suffixCount = new Map<string, Map<string, number>>();
  const sourceSeqs: string[][] = [];
  const targets = new Set<string>();
  for (const u of utts) {
    if (u.label !== label) continue;
    const seq: string[] = [];
    for (const unit of u.units as Unit[]) {
      const s = unit[from],
        t = unit[to];
      for (const w of t.split(' ')) if (w) targets.add(splitPunct(w)[0]);
      const sw = s.split(' ').filter(Boolean);
      seq.push(...sw.map((w) => splitPunct(w)[0]));
      if (sw.length !== 1) {
        if (sw.length > 1) {
          const k = sw.map((w) => splitPunct(w)[0]).join(' ');
          const m = phrases.get(k) ?? new Map();
          bump(m, splitPunct(t)[0]);
          phrases.set(k, m);
        }
        continue;
      }
      const [sBare] = splitPunct(s),
        [tBare] = splitPunct(t);
      const m = words.get(sBare) ?? new Map();
      bump(m, tBare);
      words.set(sBare, m);
      bump(wordN, sBare);
      const a = [...sBare],
        b = [...tBare];
      const p = tBare === sBare ? a.length : Math.min(lcp(a, b), a.length - 1);
      for (let k = 1; k <= Math.min(c.maxSuffix, a.length - 1); k++) {
        const suf = a.slice(a.length - k).join('');
        bump(suffixN, suf);
        // the rewrite is attributed to every ending long enough to contain the changed syllables
        if (tBare !== sBare && a.length - k <= p) {
          const rep = b.slice(a.length - k).join('');
          if (b.slice(0, a.length - k).join('') !== a.slice(0, a.length - k).join('')) continue;
          const tm = suffixTo.get(suf) ?? new Map<string, Set<string>>();
          const ws = tm.get(rep) ?? new Set<string>();
          ws.add(sBare);
          tm.set(rep, ws);
          suffixTo.set(suf, tm);
          const cm = suffixCount.get(suf) ?? new Map<string, number>();
          bump(cm, rep);
          suffixCount.set(suf, cm);
        }
      }
    }
    sourceSeqs.push(seq);
  }
  // How often each learned phrase occurs in the source side at all (rewritten or not).
  const phraseN = new Map<string, number>(),
    byFirst = new Map<string, string[][]>();
  for (const k of phrases.keys()) {
    const pw = k.split(' ');
    byFirst.set(pw[0], [...(byFirst.get(pw[0]) ?? []), pw]);
  }
  for (const seq of sourceSeqs)
    seq.forEach((w, i) => {
      for (const pw of byFirst.get(w) ?? [])
        if (i + pw.length <= seq.length && pw.every((x, j) => seq[i + j] === x)) bump(phraseN, pw.join(' '));
    });
  const model: TableModel = {
    label,
    direction,
    config: c,
    words: {},
    phrases: {},
    suffixes: {},
    targets: [...targets].sort(),
  };
  // own properties even for a corpus word like `__proto__` (an assignment would set the prototype instead)
  const put = <T>(rec: Record<string, T>, k: string, v: T) =>
    Object.defineProperty(rec, k, { value: v, enumerable: true, writable: true, configurable: true });
  for (const [w, m] of words) put(model.words, w, { n: wordN.get(w)!, to: sorted(m) });
  if (c.poolColloquial) for (const [w, e] of pooledColloquial(utts, direction)) put(model.words, w, e);
  for (const [k, m] of phrases)
    put(model.phrases, k, {
      n: Math.max(
        phraseN.get(k) ?? 0,
        [...m.values()].reduce((x, y) => x + y, 0),
      ),
      to: sorted(m),
    });
  for (const [s, tm] of suffixTo) {
    const cm = suffixCount.get(s)!;
    put(model.suffixes, s, {
      n: suffixN.get(s)!,
      to: [...tm]
        .map(([rep, ws]) => [rep, cm.get(rep)!, ws.size] as [string, number, number])
        .sort((x, y) => y[1] - x[1]),
    });
  }
  return model;
}

/**
 * Every dialect region's single-word units, counted together; kept for the source words whose most frequent
 * rewrite is colloquial only (see `poolColloquial`). Unchanged occurrences count too, as in every table.
 */
function pooledColloquial(
  utts: ParallelUtterance[],
  direction: Direction,
): Map<string, { n: number; to: [string, number][] }> {
  const [from, to] = sides(direction);
  const counts = new Map<string, Map<string, number>>();
  for (const u of utts) {
    if (u.label === 0) continue;
    for (const unit of u.units as Unit[]) {
      if (unit[from].split(' ').filter(Boolean).length !== 1) continue;
      const [s] = splitPunct(unit[from]),
        [t] = splitPunct(unit[to]);
      const m = counts.get(s) ?? new Map<string, number>();
      bump(m, t);
      counts.set(s, m);
    }
  }
  const out = new Map<string, { n: number; to: [string, number][] }>();
  for (const [s, m] of counts) {
    const targets = sorted(m);
    const top = targets.find(([t]) => t !== s);
    if (!top || !(direction === 'to_standard' ? colloquialOnly(s, top[0]) : colloquialOnly(top[0], s))) continue;
    out.set(s, { n: targets.reduce((a, x) => a + x[1], 0), to: targets });
  }
  return out;
}
