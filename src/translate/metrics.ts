/**
 * Translation metrics, written to sacrebleu's definitions (2.x defaults) so numbers compare with papers:
 * corpus BLEU (13a tokenisation, 4-grams, `exp` smoothing, brevity penalty), chrF (character n-grams up to
 * 6, β = 2, whitespace removed, statistics summed over the corpus, precision and recall averaged over the
 * orders that occur, then F-β: sacrebleu's `eps_smoothing=False`), exact match, and change-F1: the word
 * edits (a word diff of source → output) that equal the reference's edits, so copying scores 0 and a
 * translator is rewarded only for the changes it gets right.
 *
 * Introduced in notebooks/07_translator.ipynb.
 */

/** sacrebleu's `13a` tokeniser (mteval-v13a): punctuation and symbols split off, then whitespace normalised. */
export function tokenize13a(line: string): string[] {
  let s = line
    .replace(/<skipped>/g, '')
    .replace(/-\n/g, '')
    .replace(/\n/g, ' ');
  if (s.includes('&'))
    s = s
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>');
  s = ` ${s} `;
  s = s.replace(/([{-~[-` -&(-+:-@/])/g, ' $1 ');
  s = s.replace(/([^0-9])([.,])/g, '$1 $2 ');
  s = s.replace(/([.,])([^0-9])/g, ' $1 $2');
  s = s.replace(/([0-9])(-)/g, '$1 $2 ');
  return s.split(/\s+/).filter(Boolean);
}

function ngrams(tokens: string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const k = tokens.slice(i, i + n).join('\u0001');
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}
const clipped = (h: Map<string, number>, r: Map<string, number>) => {
  let c = 0;
  for (const [k, v] of h) c += Math.min(v, r.get(k) ?? 0);
  return c;
};
const total = (m: Map<string, number>) => {
  let c = 0;
  for (const v of m.values()) c += v;
  return c;
};

/**
 * References as sacrebleu takes them: one stream (`string[]`) or several (`string[][]`, one per reference set),
 * per hypothesis.
 */
export type References = string[] | string[][];
function perSentence(hyps: string[], refs: References, what: string): string[][] {
  const streams = (refs.length && Array.isArray(refs[0]) ? refs : [refs]) as string[][];
  for (const s of streams)
    if (s.length !== hyps.length)
      throw new Error(`${what}: ${hyps.length} hypotheses but a reference stream of ${s.length}`);
  return hyps.map((_, i) => streams.map((s) => s[i]));
}

/**
 * Corpus BLEU, 0–100, as `sacrebleu.corpus_bleu(hyps, refs)` with its defaults (13a, exp smoothing, closest
 * reference length).
 */
export function corpusBleu(hyps: string[], refs: References): number {
  const per = perSentence(hyps, refs, 'corpusBleu');
  const correct = [0, 0, 0, 0],
    tot = [0, 0, 0, 0];
  let sysLen = 0,
    refLen = 0;
  hyps.forEach((h, i) => {
    const ht = tokenize13a(h),
      rts = per[i].map(tokenize13a);
    sysLen += ht.length;
    // closest reference length; a tie goes to the shorter
    refLen += rts
      .map((r) => r.length)
      .reduce((best, l) =>
        Math.abs(l - ht.length) < Math.abs(best - ht.length) ||
        (Math.abs(l - ht.length) === Math.abs(best - ht.length) && l < best)
          ? l
          : best,
      );
    for (let n = 1; n <= 4; n++) {
      const hn = ngrams(ht, n),
        maxRef = new Map<string, number>();
      for (const rt of rts) for (const [k, v] of ngrams(rt, n)) maxRef.set(k, Math.max(v, maxRef.get(k) ?? 0));
      correct[n - 1] += clipped(hn, maxRef);
      tot[n - 1] += total(hn);
    }
  });
  if (!correct.some((c) => c > 0)) return 0;
  // exp smoothing: the k-th order with no match gets precision 100 / (2^k · total)
  let smooth = 1,
    logSum = 0;
  for (let n = 0; n < 4; n++) {
    if (tot[n] === 0) {
      logSum += -9999999999;
      continue;
    }
    if (correct[n] === 0) {
      smooth *= 2;
      logSum += Math.log(100 / (smooth * tot[n]));
    } else logSum += Math.log((100 * correct[n]) / tot[n]);
  }
  const bp = sysLen >= refLen ? 1 : sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0;
  return bp * Math.exp(logSum / 4);
}

const statsCache = new Map<string, number[]>();
/** Per-order [hyp, ref, match] counts; memoised (threshold tuning scores the same pairs many times). */
function charStats(h: string, r: string, order: number): number[] {
  const key = `${order}\u0000${h}\u0000${r}`;
  const hit = statsCache.get(key);
  if (hit) return hit;
  const st = computeCharStats(h, r, order);
  if (statsCache.size > 200_000) statsCache.clear();
  statsCache.set(key, st);
  return st;
}
function computeCharStats(h: string, r: string, order: number): number[] {
  const hc = [...h.replace(/\s+/g, '')],
    rc = [...r.replace(/\s+/g, '')];
  const out: number[] = [];
  for (let n = 1; n <= order; n++) {
    const hn = ngrams(hc, n),
      rn = ngrams(rc, n);
    out.push(total(hn), total(rn), clipped(hn, rn));
  }
  return out;
}

function chrfFromStats(st: number[], order: number, factor: number): number {
  let p = 0,
    r = 0,
    eff = 0;
  for (let n = 0; n < order; n++) {
    const [nh, nr, nm] = st.slice(3 * n, 3 * n + 3);
    if (nh > 0 && nr > 0) {
      p += nm / nh;
      r += nm / nr;
      eff++;
    }
  }
  if (!eff) return 0;
  p /= eff;
  r /= eff;
  return p + r ? (100 * (1 + factor) * p * r) / (factor * p + r) : 0;
}

/**
 * Corpus chrF, 0–100, as `sacrebleu.corpus_chrf(hyps, refs)` (char_order 6, word_order 0, β 2; per sentence
 * the best-scoring reference).
 */
export function corpusChrf(hyps: string[], refs: References, o: { order?: number; beta?: number } = {}): number {
  const per = perSentence(hyps, refs, 'corpusChrf');
  const order = o.order ?? 6,
    factor = (o.beta ?? 2) ** 2;
  const st = new Array(order * 3).fill(0);
  hyps.forEach((h, i) => {
    let best: number[] = [],
      bestF = -1;
    for (const r of per[i]) {
      const s = charStats(h, r, order),
        f = chrfFromStats(s, order, factor);
      if (f > bestF) {
        bestF = f;
        best = s;
      }
    }
    best.forEach((v, j) => (st[j] += v));
  });
  return chrfFromStats(st, order, factor);
}

/** A word edit: source words [start, end) replaced by `to` (space-joined). */
export interface Edit {
  start: number;
  end: number;
  to: string;
}

/** The edits that turn `src` into `out`, from a longest-common-subsequence diff of their words. */
export function wordEdits(src: string, out: string): Edit[] {
  const a = src.split(/\s+/).filter(Boolean),
    b = out.split(/\s+/).filter(Boolean);
  const L = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const edits: Edit[] = [];
  let i = 0,
    j = 0,
    open: { start: number; to: string[] } | null = null;
  const close = () => {
    if (open) {
      edits.push({ start: open.start, end: i, to: open.to.join(' ') });
      open = null;
    }
  };
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      close();
      i++;
      j++;
      continue;
    }
    open ??= { start: i, to: [] };
    if (j < b.length && (i >= a.length || L[i][j + 1] >= L[i + 1][j])) open.to.push(b[j++]);
    else i++;
  }
  close();
  return edits;
}

export interface ChangeScore {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  predicted: number;
  gold: number;
}

/** Change-F1 over utterances: an output edit counts when the reference makes exactly that edit. */
export function changeF1(srcs: string[], hyps: string[], refs: string[]): ChangeScore {
  let tp = 0,
    predicted = 0,
    gold = 0;
  srcs.forEach((s, i) => {
    const key = (e: Edit) => `${e.start}:${e.end}:${e.to}`;
    const g = new Set(wordEdits(s, refs[i]).map(key));
    const h = wordEdits(s, hyps[i]).map(key);
    gold += g.size;
    predicted += h.length;
    tp += h.filter((k) => g.has(k)).length;
  });
  const precision = predicted ? tp / predicted : 0,
    recall = gold ? tp / gold : 0;
  return {
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    tp,
    predicted,
    gold,
  };
}

export interface TranslationScores {
  n: number;
  bleu: number;
  chrf: number;
  exact: number;
  change: ChangeScore;
}

/** Every metric at once; `srcs` are the inputs (for change-F1). */
export function scoreTranslations(srcs: string[], hyps: string[], refs: string[]): TranslationScores {
  const exact = hyps.filter((h, i) => h.trim().replace(/\s+/g, ' ') === refs[i].trim().replace(/\s+/g, ' ')).length;
  return {
    n: hyps.length,
    bleu: corpusBleu(hyps, refs),
    chrf: corpusChrf(hyps, refs),
    exact: hyps.length ? exact / hyps.length : 0,
    change: changeF1(srcs, hyps, refs),
  };
}
