/**
 * WordPiece tokenizing as Hugging Face's slow `BertTokenizer` does it (KoELECTRA, BERT, DistilBERT): the basic
 * tokenizer (clean text, space out CJK ideographs, NFC only with `normalize_nfc`, split on whitespace,
 * lower-case and strip accents when configured, split off punctuation), then greedy longest-match-first
 * WordPiece with `##`. WordPiece vocabularies (vocab.txt, the trainer) are in src/text/wordpiece.ts.
 *
 * Python iterates strings by code point and JavaScript by UTF-16 unit, so every loop here walks code points:
 * an emoji is one character, as in Python. Character classes use the same Unicode categories as Python's
 * `unicodedata`; they differ only for characters added to Unicode after the Python build's tables.
 *
 * Why not @xenova/transformers' BertTokenizer (a dependency already): the package is ESM only, so CommonJS can
 * load it only through require(esm) (Node ≥ 20.19), and version 2.17 follows the fast tokenizer, not the slow one
 * the course's ids come from. It has no NFC step (as our default), does not space out CJK ideographs outside the
 * BMP (it walks UTF-16 units), keeps unassigned code points (HF drops all of C*), strips only U+0300–U+036F rather
 * than every Mn mark, lower-cases whole words (final Σ → ς), and cuts a text pair at max_length after adding [SEP],
 * losing the last [SEP]. On Korean text it agrees with this file; test/tokenizer.test.ts checks both facts.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */

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
  // With NFC (transformers ≥ 4.29) a decomposed 한 (ᄒ+ᅡ+ᆫ) is the syllable again; without it, it stays
  // three jamo.
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
