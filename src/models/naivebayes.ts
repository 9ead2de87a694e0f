/**
 * "Do we even need BERT?": a character n-gram multinomial Naive Bayes classifier of the four varieties,
 * the offline baseline for auto-detection. Dialect shows in endings and particles (당께, 허고, 수꽈), which
 * character 1–3-grams catch; it trains in a second on the bundled rows and needs no model download.
 *
 * Introduced in notebooks/05_further.ipynb ("do we even need BERT?"); the app's auto-detection uses it in
 * notebooks/07_translator.ipynb.
 */
import * as fs from 'node:fs';
import { LABELS, Row } from '../data/rows';
import { writeFileAtomic } from '../util/files';

export interface NaiveBayesConfig {
  minN: number;
  maxN: number;
  alpha: number;
}
export const naiveBayesDefaults = (o: Partial<NaiveBayesConfig> = {}): NaiveBayesConfig => ({
  minN: 1,
  maxN: 3,
  alpha: 1,
  ...o,
});

export interface NaiveBayesModel {
  kind: 'char-ngram-naive-bayes';
  config: NaiveBayesConfig;
  classes: number;
  docs: number[];
  totals: number[];
  counts: Record<string, number[]>;
}

/** Character n-grams of a text, words padded with spaces so a gram can mark a word's start or end. */
export function charNgrams(text: string, minN: number, maxN: number): string[] {
  const s = ` ${text.normalize('NFC').replace(/\s+/g, ' ').trim()} `;
  const cs = [...s],
    out: string[] = [];
  for (let n = minN; n <= maxN; n++)
    for (let i = 0; i + n <= cs.length; i++) {
      const g = cs.slice(i, i + n).join('');
      if (g.trim()) out.push(g);
    }
  return out;
}

export function trainNaiveBayes(rows: Row[], cfg: Partial<NaiveBayesConfig> = {}): NaiveBayesModel {
  const c = naiveBayesDefaults(cfg);
  const classes = Math.max(LABELS.length, ...rows.map((r) => r.label + 1));
  const m: NaiveBayesModel = {
    kind: 'char-ngram-naive-bayes',
    config: c,
    classes,
    docs: new Array(classes).fill(0),
    totals: new Array(classes).fill(0),
    counts: {},
  };
  for (const r of rows) {
    m.docs[r.label]++;
    for (const g of charNgrams(r.contents, c.minN, c.maxN)) {
      (m.counts[g] ??= new Array(classes).fill(0))[r.label]++;
      m.totals[r.label]++;
    }
  }
  return m;
}

/** Class probabilities (softmax of the log posterior; priors from the training rows, add-α smoothing). */
export function naiveBayesProbs(m: NaiveBayesModel, text: string): number[] {
  const V = Object.keys(m.counts).length,
    D = m.docs.reduce((a, b) => a + b, 0);
  const logp = m.docs.map((d) => Math.log((d + m.config.alpha) / (D + m.config.alpha * m.classes)));
  for (const g of charNgrams(text, m.config.minN, m.config.maxN)) {
    const row = m.counts[g];
    if (!row) continue; // unseen grams carry no evidence for any class
    for (let k = 0; k < m.classes; k++)
      logp[k] += Math.log((row[k] + m.config.alpha) / (m.totals[k] + m.config.alpha * V));
  }
  const mx = Math.max(...logp),
    e = logp.map((x) => Math.exp(x - mx)),
    z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

/** Label (argmax over all classes), its name and the probabilities, as `predictTexts` returns them. */
export function naiveBayesPredict(
  m: NaiveBayesModel,
  text: string,
): { text: string; label: number; name: string; probs: number[] } {
  const probs = naiveBayesProbs(m, text);
  const label = probs.indexOf(Math.max(...probs));
  return { text, label, name: LABELS[label] ?? String(label), probs };
}

export const saveNaiveBayes = (m: NaiveBayesModel, file: string) => writeFileAtomic(file, JSON.stringify(m));
export function loadNaiveBayes(file: string): NaiveBayesModel {
  let j: unknown;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read a Naive Bayes model: ${(e as Error).message}`);
  }
  const kind = (j as { kind?: unknown } | null)?.kind;
  if (kind !== 'char-ngram-naive-bayes') throw new Error(`${file}: not a Naive Bayes model (kind '${kind}')`);
  return j as NaiveBayesModel;
}
