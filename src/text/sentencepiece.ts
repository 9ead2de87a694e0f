/**
 * KoBERT's tokenizer (`monologg/kobert`, `monologg/distilkobert`), as monologg's `KoBertTokenizer` does it:
 * collapse whitespace, NFKD and drop combining marks, cut the text into SentencePiece pieces with the real
 * SentencePiece (compiled to WebAssembly, from @agnai/sentencepiece-js), then split pieces that end in
 * "digit + comma" as that tokenizer does. Ids come from vocab.txt, not from the SentencePiece model: that is
 * why [UNK] is 0 and [PAD] is 1 in KoBERT.
 *
 * NFKD turns every Hangul syllable into conjoining jamo (한 → ᄒ ᅡ ᆫ); SentencePiece's own NFKC normaliser
 * composes them back, so the pieces are syllables again. Compatibility jamo such as ㅋ become choseong ᄏ.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';

/** The one call the tokenizer needs; tests stand a fake piece list in for the wasm model. */
export interface SentencePieceLike {
  encodePieces(text: string): string[];
}

interface WasmProcessor {
  load(file: string): Promise<void>;
  encodePieces(text: string): string[];
  processor?: { status?: () => { ToString?: () => string; delete?: () => void } };
}

/** Loads a `.model` file with the real SentencePiece. The 750 kB wasm bundle is required only here, on first use. */
export async function loadSentencePiece(file: string): Promise<SentencePieceLike> {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such SentencePiece model file`);
  const { SentencePieceProcessor } = require('@agnai/sentencepiece-js') as {
    SentencePieceProcessor: new () => WasmProcessor;
  };
  const sp = new SentencePieceProcessor();
  await sp.load(file);
  // The package ignores the load status, so a corrupt file would load and then give no pieces at all.
  const status = sp.processor?.status?.();
  const msg = status?.ToString?.();
  status?.delete?.();
  if ((msg !== undefined && msg !== 'OK') || sp.encodePieces('a').length === 0) {
    throw new Error(`${file}: not a valid SentencePiece model${msg && msg !== 'OK' ? ` (${msg})` : ''}`);
  }
  return { encodePieces: (text) => sp.encodePieces(text) };
}

/**
 * Python's whitespace (`str.isspace`), which `strip()` and `split()` use: not JS `\s` (it adds U+FEFF, lacks
 * U+001C–U+001F, U+0085).
 */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_SPACES = new RegExp(`[${PY_SPACE}]+`);
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');
export const pyStrip = (s: string) => s.replace(PY_STRIP, '');
/** Python's `s.split()`: runs of Python whitespace, no empty words. */
export const pySplit = (s: string) => s.split(PY_SPACES).filter(Boolean);

const combiningCache = new Map<number, boolean>();
/**
 * Python's `unicodedata.combining(c) != 0` for a character of NFD/NFKD output. JavaScript has no API for the
 * canonical combining class, but normalisation reorders marks by it: a mark with class 1..239 moves in front of
 * U+0345 (class 240), a mark with class 2..240 moves behind U+0334 (class 1); a class-0 character never moves.
 */
export function isCombining(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  let r = combiningCache.get(cp);
  if (r === undefined) {
    r = `\u0345${ch}`.normalize('NFD') !== `\u0345${ch}` || `${ch}\u0334`.normalize('NFD') !== `${ch}\u0334`;
    combiningCache.set(cp, r);
  }
  return r;
}

export interface KoBertPreprocessConfig {
  remove_space: boolean;
  keep_accents: boolean;
  do_lower_case: boolean;
}

/** `KoBertTokenizer.preprocess_text`. */
export function kobertPreprocess(text: string, cfg: KoBertPreprocessConfig): string {
  let s = cfg.remove_space ? pySplit(text).join(' ') : text;
  s = s.replaceAll('``', '"').replaceAll("''", '"');
  if (!cfg.keep_accents) {
    s = s.normalize('NFKD');
    if (/\p{M}/u.test(s))
      s = Array.from(s)
        .filter((c) => !/\p{M}/u.test(c) || !isCombining(c))
        .join(''); // every combining class > 0 is a mark
  }
  if (cfg.do_lower_case) s = s.toLowerCase();
  return s;
}

/** Python's `str.isdigit`: Nd, plus the digits that are not Nd (superscripts, circled and dingbat digits, ...). */
const PY_DIGIT = new RegExp(
  String.raw`[\p{Nd}\u00b2\u00b3\u00b9\u1369-\u1371\u19da\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247c` +
    String.raw`\u2488-\u2490\u24ea\u24f5-\u24fd\u24ff\u2776-\u277e\u2780-\u2788\u278a-\u2792\u{10a40}-\u{10a43}` +
    String.raw`\u{10e60}-\u{10e68}\u{11052}-\u{1105a}\u{1f100}-\u{1f10a}]`,
  'u',
);
const UNDERLINE = '\u2581'; // ▁, SentencePiece's word-start mark

/**
 * `KoBertTokenizer._tokenize` after preprocessing: the pieces, where a piece ending in digit + comma ("▁3,")
 * is encoded again without its comma and word mark and the comma appended on its own (so "3," and "3" share ids).
 */
export function kobertPieces(sp: SentencePieceLike, text: string): string[] {
  const out: string[] = [];
  for (const piece of sp.encodePieces(text)) {
    const chars = Array.from(piece);
    if (chars.length > 1 && chars[chars.length - 1] === ',' && PY_DIGIT.test(chars[chars.length - 2])) {
      let cur = sp.encodePieces(chars.slice(0, -1).join('').replaceAll(UNDERLINE, ''));
      if (chars[0] !== UNDERLINE && cur.length && cur[0][0] === UNDERLINE) {
        if (Array.from(cur[0]).length === 1) cur = cur.slice(1);
        else cur[0] = cur[0].slice(1);
      }
      out.push(...cur, ',');
    } else out.push(piece);
  }
  return out;
}
