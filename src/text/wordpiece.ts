/**
 * WordPiece as Hugging Face's slow `BertTokenizer` does it (KoELECTRA, BERT, DistilBERT): the basic
 * tokenizer (clean text, space out CJK ideographs, NFC only with `normalize_nfc`, split on whitespace,
 * lower-case and strip accents when configured, split off punctuation), then greedy longest-match-first WordPiece with `##`. Also a
 * WordPiece vocabulary trainer for the offline stand-in models.
 *
 * Python iterates strings by code point and JavaScript by UTF-16 unit, so every loop here walks code points:
 * an emoji is one character, as in Python. Character classes use the same Unicode categories as Python's
 * `unicodedata`; they differ only for characters added to Unicode after the Python build's tables.
 *
 * Why not @xenova/transformers' BertTokenizer (a dependency already): the package is ESM only, so CommonJS can
 * load it only through require(esm) (Node ≥ 20.19), and version 2.17 follows the fast tokenizer, not the slow one
 * the course's ids come from. It has no NFC step (as our default), does not space out CJK ideographs outside the BMP (it walks
 * UTF-16 units), keeps unassigned code points (HF drops all of C*), strips only U+0300–U+036F rather than every
 * Mn mark, lower-cases whole words (final Σ → ς), and cuts a text pair at max_length after adding [SEP], losing
 * the last [SEP]. On Korean text it agrees with this file; test/tokenizer.test.ts checks both facts.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/files';

const KNOWN = 128,
  REMOVE = 1,
  SPACE = 2,
  PUNCT = 4,
  CJK = 8;
const classes = new Uint8Array(0x110000); // filled lazily: 0 = not classified yet

/** HF's `_is_chinese_char`: the CJK Unified Ideographs blocks only (Hangul and kana are not in them). */
export const isChineseChar = (cp: number) =>
  (cp >= 0x4e00 && cp <= 0x9fff) ||
  (cp >= 0x3400 && cp <= 0x4dbf) ||
  (cp >= 0x20000 && cp <= 0x2a6df) ||
  (cp >= 0x2a700 && cp <= 0x2b73f) ||
  (cp >= 0x2b740 && cp <= 0x2b81f) ||
  (cp >= 0x2b820 && cp <= 0x2ceaf) ||
  (cp >= 0xf900 && cp <= 0xfaff) ||
  (cp >= 0x2f800 && cp <= 0x2fa1f);

function classify(cp: number): number {
  if (cp === 0 || cp === 0xfffd) return REMOVE;
  if (cp === 9 || cp === 10 || cp === 13 || cp === 32) return SPACE; // whitespace before the control check, as HF
  const ch = String.fromCodePoint(cp);
  if (/\p{C}/u.test(ch)) return REMOVE; // `_is_control`: every category C* (Cc, Cf, Co, Cs, Cn unassigned)
  if (/\p{Zs}/u.test(ch)) return SPACE; // `_is_whitespace`
  let c = 0;
  // `_is_punctuation`: all non-alphanumeric ASCII (so `$`, `^`, `+` count) plus every category P*.
  if (
    (cp >= 33 && cp <= 47) ||
    (cp >= 58 && cp <= 64) ||
    (cp >= 91 && cp <= 96) ||
    (cp >= 123 && cp <= 126) ||
    /\p{P}/u.test(ch)
  )
    c |= PUNCT;
  if (isChineseChar(cp)) c |= CJK;
  return c;
}
const cls = (cp: number) => classes[cp] || (classes[cp] = classify(cp) | KNOWN);

/** Python's `str.split()` separators left after cleaning: U+2028/U+2029 (Zl, Zp) are neither control nor Zs. */
const PY_SPLIT = /[ \u2028\u2029]+/;

export interface BasicTokenizerConfig {
  do_lower_case: boolean;
  /** null: follow do_lower_case (as original BERT); true/false force it. */
  strip_accents: boolean | null;
  tokenize_chinese_chars: boolean;
  /**
   * NFC-normalise the text before splitting it, as the slow BasicTokenizer of transformers ≥ 4.29 does (PR #22280).
   * Off by default, as in transformers ≤ 4.28 (the course ran 4.2x) and every fast tokenizer: decomposed Hangul
   * (ᄒ+ᅡ+ᆫ…, as macOS file names hold it) then stays conjoining jamo, which KoELECTRA's vocab.txt lacks: [UNK].
   * `"normalize_nfc": true` in tokenizer_config.json or the constructor's options gives the newer behaviour.
   */
  normalize_nfc?: boolean;
}

/** HF `_run_strip_accents`: NFD, then drop every nonspacing mark (Mn), not only the Latin combining block. */
export const stripAccents = (s: string) => s.normalize('NFD').replace(/\p{Mn}/gu, '');

/** HF `BasicTokenizer.tokenize`; words in `neverSplit` are kept whole, not lower-cased and not split. */
export function basicTokenize(
  text: string,
  cfg: BasicTokenizerConfig,
  neverSplit: ReadonlySet<string> = new Set(),
): string[] {
  const out: string[] = [];
  for (const w of whitespaceWords(text, cfg)) basicWord(w, cfg, neverSplit, out);
  return out;
}

/** The first half of the basic tokenizer: clean, space out CJK, NFC (with `normalize_nfc`), split on whitespace. */
export function whitespaceWords(text: string, cfg: BasicTokenizerConfig): string[] {
  // Printable ASCII and Hangul syllables need no cleaning, no CJK spacing and are already NFC: most course
  // text. Such text is split at spaces in one pass; the first other character sends it the long way.
  const words: string[] = [];
  let start = 0,
    i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) {
      if (i > start) words.push(text.slice(start, i));
      start = i + 1;
    } else if (!((c > 32 && c < 127) || (c >= 0xac00 && c <= 0xd7a3))) break;
  }
  if (i === text.length) {
    if (i > start) words.push(text.slice(start));
    return words;
  }
  let s = '';
  for (i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    const c = cls(cp);
    if (c & REMOVE) continue;
    if (c & SPACE) s += ' ';
    else if (c & CJK && cfg.tokenize_chinese_chars) s += ` ${String.fromCodePoint(cp)} `;
    else s += cp > 0xffff ? String.fromCodePoint(cp) : text[i];
  }
  // With NFC (transformers ≥ 4.29) a decomposed 한 (ᄒ+ᅡ+ᆫ) is the syllable again; without it, it stays three jamo.
  return (cfg.normalize_nfc ? s.normalize('NFC') : s).split(PY_SPLIT).filter(Boolean);
}

/** The second half, per whitespace word: lower-case / strip accents as configured, split off punctuation. */
export function basicWord(
  word: string,
  cfg: BasicTokenizerConfig,
  neverSplit: ReadonlySet<string>,
  out: string[],
): void {
  if (neverSplit.has(word)) {
    out.push(word);
    return;
  }
  if (cfg.do_lower_case) {
    word = word.toLowerCase();
    if (cfg.strip_accents !== false) word = stripAccents(word);
  } else if (cfg.strip_accents) word = stripAccents(word);
  if (!word) return;
  if (neverSplit.has(word))
    out.push(word); // HF checks never_split again before splitting punctuation
  else if (NO_PUNCT.test(word)) out.push(word);
  else splitPunctuation(word, out);
}
const NO_PUNCT = /^[0-9A-Za-z\uac00-\ud7a3]+$/;

/** HF `_run_split_on_punc`: every punctuation character becomes a word of its own. */
function splitPunctuation(word: string, out: string[]): void {
  let start = 0;
  for (let i = 0; i < word.length; i++) {
    const cp = word.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    if (cls(cp) & PUNCT) {
      if (i > start) out.push(word.slice(start, i));
      out.push(word.slice(i, i + w));
      start = i + w;
    }
    i += w - 1;
  }
  if (start < word.length) out.push(word.slice(start));
}

/**
 * Greedy longest-match-first WordPiece (HF `WordpieceTokenizer`): a word that cannot be covered entirely by
 * vocabulary pieces, or is longer than `max_input_chars_per_word` characters, becomes `[UNK]` as a whole.
 */
export class WordPiece {
  private readonly longest: number;
  constructor(
    readonly vocab: ReadonlyMap<string, number>,
    readonly unk_token = '[UNK]',
    readonly max_input_chars_per_word = 100,
  ) {
    // No piece is longer than the longest vocabulary entry, so candidates beyond it need not be looked up.
    let longest = 1;
    for (const t of vocab.keys()) longest = Math.max(longest, [...(t.startsWith('##') ? t.slice(2) : t)].length);
    this.longest = longest;
  }

  tokenize(word: string): string[] {
    const chars = /[\ud800-\udfff]/.test(word) ? Array.from(word) : null; // code points only when needed
    const n = chars ? chars.length : word.length;
    if (n > this.max_input_chars_per_word) return [this.unk_token];
    const sub = (a: number, b: number) => (chars ? chars.slice(a, b).join('') : word.slice(a, b));
    const pieces: string[] = [];
    for (let start = 0; start < n;) {
      let end = Math.min(n, start + this.longest),
        found: string | null = null;
      for (; end > start; end--) {
        const piece = start > 0 ? `##${sub(start, end)}` : sub(start, end);
        if (this.vocab.has(piece)) {
          found = piece;
          break;
        }
      }
      if (found === null) return [this.unk_token];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }
}

/** vocab.txt lines as Python's text-mode `readlines()` gives them: `\n`, `\r\n` or `\r` end a line. */
export function readVocabLines(file: string): string[] {
  const lines = fs.readFileSync(file, 'utf8').split(/\r\n|\r|\n/); // a BOM stays part of line 0, as in Python
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The 67 conjoining jamo that NFD (BertTokenizer's `strip_accents`) turns every Hangul syllable into: 19 leading, 21 vowels, 27 trailing. */
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
  /** Characters put in the alphabet as `c` and `##c` even when the corpus lacks them (HF's `initial_alphabet` adds only `c`). */
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
