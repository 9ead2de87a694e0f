/**
 * Applying a learned table (table.ts) to a text: the candidate rewrites at each word (phrase, whole word,
 * ending), then the thresholds; and the plain "most frequent target" baseline the evaluation compares with.
 * Every look-up by a word of the input is an own-property check (`own`): a word like `constructor` or
 * `__proto__` is a word, not a path into Object.prototype.
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import type { ParallelUtterance } from './pairs';
import { Direction, TableConfig, TableModel, sides, splitPunct } from './table';

/** `rec[key]` when `rec` has it as its own property, else undefined (never an inherited member). */
export const own = <T>(rec: Record<string, T>, key: string): T | undefined =>
  Object.prototype.hasOwnProperty.call(rec, key) ? rec[key] : undefined;

/** What happened to one input word, for explanations in the app and the notebook. */
export interface Step {
  from: string;
  to: string;
  level: 'phrase' | 'word' | 'ending' | 'kept';
  confidence: number;
}

/** The best non-identity target of an entry and its confidence, or null. */
function best(
  e: { n: number; to: [string, number, ...number[]][] } | undefined,
  source: string,
  minCount: number,
  smoothing: number,
): { to: string; conf: number; count: number } | null {
  if (!e) return null;
  const top = e.to.find(([t]) => t !== source);
  return top && top[1] >= minCount ? { to: top[0], conf: top[1] / (e.n + smoothing), count: top[1] } : null;
}

/** The candidate rewrites at one word position, found once and then thresholded (tuning tries many thresholds). */
interface Position {
  word: string;
  phrases: { n: number; to: string; conf: number }[];
  seen: boolean;
  word_to: { to: string; conf: number } | null;
  endings: { to: string; conf: number; types: number }[];
}

const targetSets = new WeakMap<TableModel, Set<string>>();
const targetSet = (m: TableModel) => {
  let t = targetSets.get(m);
  if (!t) {
    t = new Set(m.targets ?? []);
    targetSets.set(m, t);
  }
  return t;
};

/** Every candidate rewrite of a text under a table, before any threshold. */
export function analyseText(model: TableModel, text: string, cfg: Partial<TableConfig> = {}): Position[] {
  const c = { ...model.config, ...cfg };
  const words = text.split(/\s+/).filter(Boolean),
    bares = words.map((w) => splitPunct(w));
  return words.map((word, i) => {
    const phrases: Position['phrases'] = [];
    for (let n = Math.min(3, words.length - i); n >= 2; n--) {
      const src = bares
        .slice(i, i + n)
        .map((b) => b[0])
        .join(' ');
      const b = best(own(model.phrases, src), src, c.minCount, c.smoothing);
      if (b) phrases.push({ n, to: b.to + bares[i + n - 1][1], conf: b.conf });
    }
    const [bare, punct] = bares[i];
    const seen = own(model.words, bare);
    const wb = seen ? best(seen, bare, c.minCount, c.smoothing) : null;
    const endings: Position['endings'] = [];
    if (!seen) {
      const a = [...bare];
      for (let k = Math.min(c.maxSuffix, a.length - 1); k >= 1; k--) {
        const e = own(model.suffixes, a.slice(a.length - k).join(''));
        if (!e) continue;
        const top = e.to[0];
        if (c.attestedEndings && !targetSet(model).has(a.slice(0, a.length - k).join('') + top[0])) continue;
        endings.push({
          to: a.slice(0, a.length - k).join('') + top[0] + punct,
          conf: top[1] / (e.n + c.smoothing),
          types: top[2],
        });
      }
    }
    return { word, phrases, seen: Boolean(seen), word_to: wb ? { to: wb.to + punct, conf: wb.conf } : null, endings };
  });
}

/** Applies thresholds to an analysis: phrases, then words, then (for unseen words) the longest qualifying ending. */
export function renderAnalysis(
  pos: Position[],
  c: Pick<TableConfig, 'wordThreshold' | 'suffixThreshold' | 'minSuffixTypes'>,
): { output: string; steps: Step[] } {
  const out: string[] = [],
    steps: Step[] = [];
  for (let i = 0; i < pos.length;) {
    const p = pos[i];
    const ph = p.phrases.find((x) => x.conf >= c.wordThreshold);
    if (ph) {
      out.push(ph.to);
      steps.push({
        from: pos
          .slice(i, i + ph.n)
          .map((x) => x.word)
          .join(' '),
        to: ph.to,
        level: 'phrase',
        confidence: ph.conf,
      });
      i += ph.n;
      continue;
    }
    let step: Step = { from: p.word, to: p.word, level: 'kept', confidence: 1 };
    if (p.word_to && p.word_to.conf >= c.wordThreshold)
      step = { from: p.word, to: p.word_to.to, level: 'word', confidence: p.word_to.conf };
    else if (!p.seen) {
      const e = p.endings.find((x) => x.types >= c.minSuffixTypes && x.conf >= c.suffixThreshold);
      if (e) step = { from: p.word, to: e.to, level: 'ending', confidence: e.conf };
    }
    out.push(step.to);
    steps.push(step);
    i++;
  }
  return { output: out.join(' '), steps };
}

/** Applies a table to a text; returns the output and, per input word, what was done. */
export function applyTable(
  model: TableModel,
  text: string,
  cfg: Partial<TableConfig> = {},
): { output: string; steps: Step[] } {
  return renderAnalysis(analyseText(model, text, cfg), { ...model.config, ...cfg });
}

/**
 * The plain baseline the issue measures against: the most frequent target of every word the corpus ever
 * rewrote, applied to every occurrence (no threshold, no unchanged counts, no endings).
 */
export function mostFrequentTable(
  utts: ParallelUtterance[],
  label: number,
  direction: Direction,
): (text: string) => string {
  const [from, to] = sides(direction);
  const m = new Map<string, Map<string, number>>();
  for (const u of utts)
    if (u.label === label)
      for (const unit of u.units) {
        const [s] = splitPunct(unit[from]),
          [t] = splitPunct(unit[to]);
        if (s === t || s.includes(' ')) continue;
        const e = m.get(s) ?? new Map<string, number>();
        e.set(t, (e.get(t) ?? 0) + 1);
        m.set(s, e);
      }
  const top = new Map([...m].map(([s, e]) => [s, [...e].sort((x, y) => y[1] - x[1])[0][0]]));
  return (text) =>
    text
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => {
        const [b, p] = splitPunct(w);
        return top.has(b) ? top.get(b)! + p : w;
      })
      .join(' ');
}
