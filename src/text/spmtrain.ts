/**
 * A KoBERT-style tokenizer trained here, in TypeScript, for the offline DistilKoBERT stand-in: a SentencePiece
 * unigram model (`tokenizer_78b3253a26.model`, read by the real SentencePiece through @agnai/sentencepiece-js) and
 * KoBERT's vocab.txt layout ([UNK] [PAD] [CLS] [SEP] [MASK], then every piece sorted, `▁` marking a word start).
 * npm has no SentencePiece trainer that runs offline, so this one is small and deterministic (a second or so on
 * the course corpus):
 *   1. the text as SentencePiece sees it from KoBertTokenizer (its preprocessing, the syllables composed back),
 *      cut at spaces, `▁` before every word, as SentencePiece's trainer does;
 *   2. candidate pieces by byte-pair merges (ties broken by the pieces' text), every character kept;
 *   3. unigram scores by three rounds of Viterbi re-estimation (log of each piece's share of the best
 *      segmentations); pieces no segmentation uses are dropped, single characters never.
 * Its normaliser composes Hangul only (src/text/darts.ts): the one thing KoBERT's nmt_nfkc does that matters
 * after KoBertTokenizer's NFKD. The same recipe as the kobert-tiny test fixture (spm_train), not the same code.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/files';
import { hangulComposeRules, precompiledCharsMap } from './darts';
import { kobertPreprocess, pySplit } from './sentencepiece';

export const KOBERT_SPECIAL_TOKENS = ['[UNK]', '[PAD]', '[CLS]', '[SEP]', '[MASK]'];
const WORD_START = '\u2581';

export interface UnigramTrainConfig {
  /** Pieces wanted, SentencePiece's own <unk> <s> </s> included (fewer when the corpus has no more pairs). */
  vocab_size: number;
  /** A merge needs a pair seen at least this often. */
  min_frequency: number;
  /** Viterbi re-estimation rounds. */
  em_rounds: number;
}
export const unigramTrainDefaults = (o: Partial<UnigramTrainConfig> = {}): UnigramTrainConfig => ({
  vocab_size: 4000,
  min_frequency: 2,
  em_rounds: 3,
  ...o,
});

/** Code-point order, as Python's `sorted` (JS's default compares UTF-16 units). */
const byCodePoint = (a: string, b: string) => {
  const x = Array.from(a),
    y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++)
    if (x[i] !== y[i]) return x[i].codePointAt(0)! - y[i].codePointAt(0)!;
  return x.length - y.length;
};

/** Word (with its ▁) → count, of the text SentencePiece gets from KoBertTokenizer. */
export function spmWordCounts(texts: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of texts) {
    const s = kobertPreprocess(t, { remove_space: true, keep_accents: false, do_lower_case: false }).normalize('NFC');
    for (const w of pySplit(s)) counts.set(WORD_START + w, (counts.get(WORD_START + w) ?? 0) + 1);
  }
  return counts;
}

/** Byte-pair merges over the words: the alphabet, then each merged piece in merge order. */
function bpePieces(words: [string, number][], target: number, minFreq: number): string[] {
  const syms = words.map(([w]) => Array.from(w));
  const alphabet = [...new Set(syms.flat())].sort(byCodePoint);
  const pieces = new Set(alphabet);
  // SentencePiece's split_by_unicode_script and split_by_number: no piece mixes Hangul, letters, digits and the
  // rest (▁ joins anything); so 하니? is 하니 + ?, as in KoBERT's vocabulary.
  const cls = (p: string) => {
    const ch = Array.from(p).find((x) => x !== WORD_START);
    return ch === undefined
      ? ''
      : /\p{Script=Hangul}/u.test(ch)
        ? 'h'
        : /\p{L}/u.test(ch)
          ? 'l'
          : /\p{N}/u.test(ch)
            ? 'n'
            : 'o';
  };
  const clsOf = new Map<string, string>();
  const mergeable = (a: string, b: string) => {
    for (const p of [a, b]) if (!clsOf.has(p)) clsOf.set(p, cls(p));
    const x = clsOf.get(a)!,
      y = clsOf.get(b)!;
    return x === '' || x === y;
  };
  const key = (a: string, b: string) => `${a}\u0000${b}`;
  const counts = new Map<string, number>(),
    where = new Map<string, Set<number>>();
  const add = (i: number, sign: number) => {
    const s = syms[i];
    for (let j = 0; j + 1 < s.length; j++) {
      if (!mergeable(s[j], s[j + 1])) continue;
      const k = key(s[j], s[j + 1]);
      const n = (counts.get(k) ?? 0) + sign * words[i][1];
      if (n > 0) counts.set(k, n);
      else counts.delete(k);
      if (sign > 0) {
        let set = where.get(k);
        if (!set) where.set(k, (set = new Set()));
        set.add(i);
      }
    }
  };
  syms.forEach((_, i) => add(i, 1));
  const order: string[] = [];
  while (pieces.size < target) {
    let best = '',
      bestN = 0,
      bestPiece = '';
    for (const [k, n] of counts) {
      if (n < bestN || n < minFreq) continue;
      const piece = k.replace('\u0000', '');
      if (n > bestN || byCodePoint(piece, bestPiece) < 0) {
        best = k;
        bestN = n;
        bestPiece = piece;
      }
    }
    if (!bestN) break;
    const [a, b] = best.split('\u0000');
    for (const i of where.get(best) ?? []) {
      add(i, -1);
      const s = syms[i],
        out: string[] = [];
      for (let j = 0; j < s.length; j++) {
        if (j + 1 < s.length && s[j] === a && s[j + 1] === b) {
          out.push(a + b);
          j++;
        } else out.push(s[j]);
      }
      syms[i] = out;
      add(i, 1);
    }
    counts.delete(best);
    if (!pieces.has(bestPiece)) {
      pieces.add(bestPiece);
      order.push(bestPiece);
    }
  }
  return [...alphabet, ...order];
}

/** The best segmentation of `word` (code points) under `logp`; every single character is a piece. */
function viterbi(word: string[], logp: Map<string, number>, maxLen: number): string[] {
  const n = word.length,
    best = new Float64Array(n + 1).fill(-Infinity),
    from = new Int32Array(n + 1);
  best[0] = 0;
  for (let end = 1; end <= n; end++) {
    for (let start = Math.max(0, end - maxLen); start < end; start++) {
      const lp = logp.get(word.slice(start, end).join(''));
      if (lp === undefined) continue;
      const s = best[start] + lp;
      if (s > best[end]) {
        best[end] = s;
        from[end] = start;
      }
    }
  }
  const out: string[] = [];
  for (let end = n; end > 0; end = from[end]) out.push(word.slice(from[end], end).join(''));
  return out.reverse();
}

/** Pieces and unigram scores (natural-log probabilities), best first, trained on `texts`. */
export function trainUnigram(
  texts: string[],
  config: Partial<UnigramTrainConfig> = {},
): { piece: string; score: number }[] {
  const c = unigramTrainDefaults(config);
  const words = [...spmWordCounts(texts)].sort((x, y) => byCodePoint(x[0], y[0]));
  if (!words.length) throw new Error('trainUnigram: no words in the corpus');
  const candidates = bpePieces(words, c.vocab_size - 3, c.min_frequency);
  const chars = new Set(candidates.filter((p) => Array.from(p).length === 1));
  let logp = new Map(candidates.map((p) => [p, 0])); // uniform start: the first round prefers the fewest pieces
  const split = words.map(([w, n]) => [Array.from(w), n] as const);
  for (let round = 0; round < c.em_rounds; round++) {
    const maxLen = Math.max(...[...logp.keys()].map((p) => Array.from(p).length));
    const counts = new Map<string, number>();
    for (const [w, n] of split) for (const p of viterbi(w, logp, maxLen)) counts.set(p, (counts.get(p) ?? 0) + n);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const next = new Map<string, number>();
    for (const p of logp.keys()) {
      const k = counts.get(p) ?? 0;
      if (k > 0) next.set(p, Math.log(k / total));
      else if (chars.has(p)) next.set(p, Math.log(0.5 / total)); // unused characters stay, below every used piece
    }
    logp = next;
  }
  return [...logp]
    .map(([piece, score]) => ({ piece, score: Math.fround(score) }))
    .sort((a, b) => b.score - a.score || byCodePoint(a.piece, b.piece));
}

// --- protobuf (sentencepiece_model.proto), the few fields a unigram model needs ---
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
const tag = (field: number, wire: number) => varint(field * 8 + wire);
const vField = (field: number, n: number) => Buffer.from([...tag(field, 0), ...varint(n)]);
const bField = (field: number, b: Uint8Array) =>
  Buffer.concat([Buffer.from([...tag(field, 2), ...varint(b.length)]), b]);
const sField = (field: number, s: string) => bField(field, Buffer.from(s, 'utf8'));
const fField = (field: number, x: number) => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x, 0);
  return Buffer.concat([Buffer.from(tag(field, 5)), b]);
};

/**
 * A SentencePiece ModelProto: <unk> <s> </s>, the pieces, a unigram trainer spec and the Hangul-composing
 * normaliser.
 */
export function unigramModelProto(pieces: { piece: string; score: number }[]): Buffer {
  const sp = (piece: string, score: number, type?: number) =>
    bField(1, Buffer.concat([sField(1, piece), fField(2, score), ...(type ? [vField(3, type)] : [])]));
  const trainer = Buffer.concat([
    sField(2, 'hai_kobert_style'),
    vField(3, 1 /* UNIGRAM */),
    vField(4, pieces.length + 3),
    fField(10, 1),
  ]);
  const normalizer = Buffer.concat([
    sField(1, 'hai_hangul_compose'),
    bField(2, precompiledCharsMap(hangulComposeRules())),
    vField(3, 1),
    vField(4, 1),
    vField(5, 1),
  ]);
  return Buffer.concat([
    sp('<unk>', 0, 2 /* UNKNOWN */),
    sp('<s>', 0, 3 /* CONTROL */),
    sp('</s>', 0, 3),
    ...pieces.map((p) => sp(p.piece, p.score)),
    bField(2, trainer),
    bField(3, normalizer),
  ]);
}

/**
 * Trains on `texts` and writes a KoBERT-layout folder: `tokenizer_78b3253a26.model`, vocab.txt and the hub's
 * tokenizer_config.json for DistilKoBERT (no tokenizer_class, as there). Returns vocab.txt's lines.
 */
export function trainKoBertTokenizer(dir: string, texts: string[], config: Partial<UnigramTrainConfig> = {}): string[] {
  const pieces = trainUnigram(texts, config);
  const vocab = [...KOBERT_SPECIAL_TOKENS, ...pieces.map((p) => p.piece).sort(byCodePoint)];
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, 'tokenizer_78b3253a26.model'), unigramModelProto(pieces));
  writeFileAtomic(path.join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
  writeFileAtomic(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({ do_lower_case: false, model_max_length: 512 }) + '\n',
  );
  return vocab;
}
