/**
 * WordPiece vocabularies: vocab.txt read as Python reads it, a WordPiece vocabulary trainer (as Hugging Face
 * tokenizers' `WordPieceTrainer`) for the offline stand-in models, and the hub-layout tokenizer folder written
 * from a vocabulary. Turning text into WordPiece tokens is in src/text/wordpiecetokenizer.ts.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/files';
import { BasicTokenizerConfig, basicTokenize } from './wordpiecetokenizer';

/** vocab.txt lines as Python's text-mode `readlines()` gives them: `\n`, `\r\n` or `\r` end a line. */
export function readVocabLines(file: string): string[] {
  const lines = fs.readFileSync(file, 'utf8').split(/\r\n|\r|\n/); // a BOM stays part of line 0, as in Python
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The 67 conjoining jamo that NFD (BertTokenizer's `strip_accents`) turns every Hangul syllable into:
 * 19 leading, 21 vowels, 27 trailing.
 */
export const CONJOINING_JAMO: string[] = [
  [0x1100, 0x1112],
  [0x1161, 0x1175],
  [0x11a8, 0x11c2],
].flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => String.fromCodePoint(a + i)));

/** KoELECTRA's special-token layout: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4. */
export const KOELECTRA_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

export interface WordPieceTrainerConfig extends BasicTokenizerConfig {
  vocab_size: number;
  /** A pair seen fewer times than this is never merged. */
  min_frequency: number;
  special_tokens: string[];
  model_max_length: number;
  tokenizer_class: string;
  /**
   * Characters put in the alphabet as `c` and `##c` even when the corpus lacks them (HF's `initial_alphabet`
   * adds only `c`).
   */
  alphabet: string[];
}
export const wordPieceTrainerDefaults = (o: Partial<WordPieceTrainerConfig> = {}): WordPieceTrainerConfig => ({
  vocab_size: 8000,
  min_frequency: 2,
  special_tokens: KOELECTRA_SPECIAL_TOKENS,
  do_lower_case: false,
  strip_accents: null,
  tokenize_chinese_chars: true,
  model_max_length: 512,
  tokenizer_class: 'BertTokenizer',
  alphabet: [],
  ...o,
});

/**
 * Trains a WordPiece vocabulary the way Hugging Face tokenizers' `WordPieceTrainer` does: words come from the
 * same basic tokenizer the model will use; the alphabet is every character (as `c`, and as `##c` where it
 * occurs inside a word); then the most frequent adjacent pair is merged, again and again, until the vocabulary
 * has `vocab_size` entries. Ties go to the pair whose parts entered the vocabulary first, so the result does
 * not depend on the corpus order. The alphabet is always kept whole, so a corpus with many distinct characters
 * can give more than `vocab_size` entries.
 */
export function trainWordPiece(corpus: Iterable<string>, config: Partial<WordPieceTrainerConfig> = {}): string[] {
  const cfg = wordPieceTrainerDefaults(config);
  const specials = new Set(cfg.special_tokens);
  const counts = new Map<string, number>();
  for (const line of corpus)
    for (const w of basicTokenize(line, cfg, specials)) if (!specials.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);

  const vocab = [...cfg.special_tokens],
    ids = new Map<string, number>(vocab.map((t, i) => [t, i]));
  const add = (t: string) => {
    let id = ids.get(t);
    if (id === undefined) {
      id = vocab.length;
      vocab.push(t);
      ids.set(t, id);
    }
    return id;
  };
  const initial = new Set<string>(),
    inner = new Set<string>();
  for (const w of counts.keys()) Array.from(w).forEach((c, i) => (i ? inner : initial).add(c));
  for (const c of cfg.alphabet)
    if (Array.from(c).length === 1) {
      initial.add(c);
      inner.add(c);
    } else throw new Error(`alphabet: ${JSON.stringify(c)} is not one character`);
  const byCodePoint = (a: string, b: string) => a.codePointAt(0)! - b.codePointAt(0)!;
  [...new Set([...initial, ...inner])].sort(byCodePoint).forEach(add);
  [...inner].sort(byCodePoint).forEach((c) => add(`##${c}`));

  const words = [...counts].map(([w, freq]) => ({
    syms: Array.from(w).map((c, i) => ids.get(i ? `##${c}` : c)!),
    freq,
  }));
  const SHIFT = 2 ** 21; // pair key = left * 2^21 + right: exact in a double for vocabularies under 2 M entries
  const pairCount = new Map<number, number>(),
    where = new Map<number, Set<number>>();
  const heap: [number, number][] = []; // [count, key], lazily invalidated: an entry counts only if its count is current
  const better = (a: [number, number], b: [number, number]) => a[0] > b[0] || (a[0] === b[0] && a[1] < b[1]);
  const push = (e: [number, number]) => {
    heap.push(e);
    for (let i = heap.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!better(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const pop = () => {
    const top = heap[0],
      last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1,
          r = l + 1;
        let m = i;
        if (l < heap.length && better(heap[l], heap[m])) m = l;
        if (r < heap.length && better(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  const countPairs = (wi: number, sign: number, touched: Set<number>) => {
    const { syms, freq } = words[wi];
    for (let i = 0; i + 1 < syms.length; i++) {
      const k = syms[i] * SHIFT + syms[i + 1];
      pairCount.set(k, (pairCount.get(k) ?? 0) + sign * freq);
      touched.add(k);
      if (sign > 0) {
        let s = where.get(k);
        if (!s) where.set(k, (s = new Set()));
        s.add(wi);
      }
    }
  };
  const touched = new Set<number>();
  words.forEach((_, wi) => countPairs(wi, 1, touched));
  for (const k of touched) push([pairCount.get(k)!, k]);

  while (vocab.length < cfg.vocab_size && heap.length) {
    const [count, key] = pop();
    if (pairCount.get(key) !== count) continue; // stale entry
    if (count < cfg.min_frequency) break;
    const a = Math.floor(key / SHIFT),
      b = key % SHIFT,
      right = vocab[b];
    const merged = add(vocab[a] + (right.startsWith('##') ? right.slice(2) : right));
    touched.clear();
    for (const wi of [...(where.get(key) ?? [])]) {
      const syms = words[wi].syms;
      if (!syms.some((x, i) => x === a && syms[i + 1] === b)) continue; // merged away by an earlier merge
      countPairs(wi, -1, touched);
      const next: number[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          next.push(merged);
          i++;
        } else next.push(syms[i]);
      }
      words[wi].syms = next;
      countPairs(wi, 1, touched);
    }
    where.delete(key);
    for (const k of touched) {
      const c = pairCount.get(k)!;
      if (c > 0) push([c, k]);
    }
  }
  return vocab;
}

/** Trains on `corpus` and writes the tokenizer folder; returns the vocabulary. */
export function trainWordPieceTokenizer(
  dir: string,
  corpus: Iterable<string>,
  config: Partial<WordPieceTrainerConfig> = {},
): string[] {
  const vocab = trainWordPiece(corpus, config);
  saveWordPieceTokenizer(dir, vocab, config);
  return vocab;
}

/** Writes a hub-layout WordPiece tokenizer folder (vocab.txt + tokenizer_config.json), each file atomically. */
export function saveWordPieceTokenizer(
  dir: string,
  vocab: string[],
  config: Partial<WordPieceTrainerConfig> = {},
): void {
  const cfg = wordPieceTrainerDefaults(config);
  for (const t of vocab)
    if (/[\r\n]/.test(t) || t === '')
      throw new Error(`vocabulary entry ${JSON.stringify(t)} cannot be written as a line of vocab.txt`);
  const role = (t: string) => (vocab.includes(t) ? t : undefined);
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
  const tc = {
    tokenizer_class: cfg.tokenizer_class,
    do_lower_case: cfg.do_lower_case,
    strip_accents: cfg.strip_accents,
    tokenize_chinese_chars: cfg.tokenize_chinese_chars,
    model_max_length: cfg.model_max_length,
    ...(cfg.normalize_nfc ? { normalize_nfc: true } : {}),
    unk_token: role('[UNK]'),
    sep_token: role('[SEP]'),
    pad_token: role('[PAD]'),
    cls_token: role('[CLS]'),
    mask_token: role('[MASK]'),
  };
  writeFileAtomic(path.join(dir, 'tokenizer_config.json'), JSON.stringify(tc, null, 2) + '\n');
}
