/**
 * Tokenizers with Hugging Face's names and results: `await AutoTokenizer.from_pretrained(folder)` gives a
 * `BertTokenizer` (KoELECTRA, BERT, DistilBERT: WordPiece, src/text/wordpiece.ts) or a `KoBertTokenizer`
 * (SentencePiece pieces, ids from vocab.txt: src/text/sentencepiece.ts). Both give the ids Python's slow tokenizers
 * give, through the same call forms: `tokenize`, `encode`, the callable form (`call`, HF's `__call__`) with
 * `max_length` / `padding` / `truncation`, batches, and tfjs tensors for the model.
 *
 * Those shared call forms (`PreTrainedTokenizer`), the encoding types and the course's helpers (`courseEncode`,
 * `padSequences`, `toTensors`, `tokenizeJsonl`) are in src/text/pretrainedtokenizer.ts, and the vocabulary half
 * (`TokenVocabulary`) in src/text/tokenvocab.ts, both re-exported below so that everything tokenizer-related
 * still comes from './tokenizer'. A folder's class is resolved as transformers 4.2x does it
 * (src/text/tokenizerclass.ts) and built by `tokenizerFromFolder`; hub ids are resolved one layer up, by
 * `AutoTokenizer.from_pretrained` (src/models/autotokenizer.ts).
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PreTrainedTokenizer } from './pretrainedtokenizer';
import { SpecialTokensConfig } from './tokenvocab';
import { readVocabLines } from './wordpiece';
import { BasicTokenizerConfig, WordPiece, basicWord, whitespaceWords } from './wordpiecetokenizer';
import { TokenizerClassResolution, readJson, resolveTokenizerClass, warnSentencePieceMismatch } from './tokenizerclass';
import {
  KoBertPreprocessConfig,
  SentencePieceLike,
  kobertPieces,
  kobertPreprocess,
  loadSentencePiece,
  pySplit,
  pyStrip,
} from './sentencepiece';

// pretrainedtokenizer.ts and tokenvocab.ts never import this file, so the re-exports are one-way: no require cycle
// under CommonJS.
export * from './pretrainedtokenizer';
export * from './tokenvocab';

/** Word → pieces, emptied when it reaches 200k words (about 40 MB) rather than tracking recency. */
class WordCache {
  private readonly map = new Map<string, string[]>();
  pieces(words: string[], compute: (w: string) => string[]): string[] {
    const out: string[] = [];
    for (const w of words) {
      let p = this.map.get(w);
      if (!p) {
        p = compute(w);
        if (this.map.size >= 200_000) this.map.clear();
        this.map.set(w, p);
      }
      for (const x of p) out.push(x);
    }
    return out;
  }
}

export interface BertTokenizerConfig extends SpecialTokensConfig, BasicTokenizerConfig {
  do_basic_tokenize: boolean;
  /** Words kept whole and passed through without WordPiece (HF's `never_split`). */
  never_split: string[];
  max_input_chars_per_word: number;
}
/**
 * HF BertTokenizer's defaults (note do_lower_case true: a cased model's tokenizer_config.json says false), as of
 * the course's transformers 4.2x: no NFC step (`normalize_nfc: true` for ≥ 4.29, see wordpiece.ts).
 */
export const bertTokenizerDefaults = (o: Partial<BertTokenizerConfig> = {}): BertTokenizerConfig => ({
  unk_token: '[UNK]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  cls_token: '[CLS]',
  mask_token: '[MASK]',
  additional_special_tokens: [],
  do_lower_case: true,
  strip_accents: null,
  tokenize_chinese_chars: true,
  normalize_nfc: false,
  do_basic_tokenize: true,
  never_split: [],
  max_input_chars_per_word: 100,
  ...o,
});

/** WordPiece tokenizer of BERT, ELECTRA and DistilBERT (HF's slow `BertTokenizer`). */
export class BertTokenizer extends PreTrainedTokenizer {
  declare readonly config: BertTokenizerConfig;
  private readonly wordpiece: WordPiece;
  private readonly neverSplit: Set<string>;
  private readonly neverSplitAll: Set<string>;
  /**
   * Whitespace word → its pieces: everything after the whitespace split is per word, and a corpus repeats its
   * words.
   */
  private readonly cache = new WordCache();
  constructor(vocabLines: string[], config: Partial<BertTokenizerConfig> = {}) {
    super(vocabLines, bertTokenizerDefaults(config));
    if (typeof this.config.normalize_nfc !== 'boolean')
      throw new Error(`normalize_nfc must be true or false, got ${JSON.stringify(this.config.normalize_nfc)}`);
    this.wordpiece = new WordPiece(this.vocab, this.config.unk_token, this.config.max_input_chars_per_word);
    this.neverSplit = new Set(this.config.never_split);
    this.neverSplitAll = new Set([...this.config.never_split, ...this.all_special_tokens]);
  }
  protected _tokenize(text: string): string[] {
    const basic = this.config.do_basic_tokenize;
    return this.cache.pieces(basic ? whitespaceWords(text, this.config) : pySplit(text), (w) => {
      if (!basic) return this.wordpiece.tokenize(w);
      const words: string[] = [];
      basicWord(w, this.config, this.neverSplitAll, words);
      return words.flatMap((x) => (this.neverSplit.has(x) ? [x] : this.wordpiece.tokenize(x)));
    });
  }
}

export interface KoBertTokenizerConfig extends SpecialTokensConfig, KoBertPreprocessConfig {}
export const kobertTokenizerDefaults = (o: Partial<KoBertTokenizerConfig> = {}): KoBertTokenizerConfig => ({
  unk_token: '[UNK]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  cls_token: '[CLS]',
  mask_token: '[MASK]',
  additional_special_tokens: [],
  do_lower_case: false,
  remove_space: true,
  keep_accents: false,
  ...o,
});

/** monologg's `KoBertTokenizer`: SentencePiece pieces, looked up in vocab.txt ([UNK]=0, [PAD]=1). */
export class KoBertTokenizer extends PreTrainedTokenizer {
  declare readonly config: KoBertTokenizerConfig;
  private readonly cache = new WordCache();
  private readonly perWord: boolean;
  constructor(
    vocabLines: string[],
    readonly sp: SentencePieceLike,
    config: Partial<KoBertTokenizerConfig> = {},
  ) {
    // KoBertTokenizer reads vocab.txt with token.strip()
    super(vocabLines.map(pyStrip), kobertTokenizerDefaults(config));
    // SentencePiece cuts text at spaces before segmenting (split_by_whitespace) and adds ▁ to every word, so a
    // space-separated word always gives the same pieces: cache them, one NFKD and one wasm call per new word
    // instead of per text. Only when the model really behaves so (a model trained otherwise fails these probes).
    const join = (...xs: string[]) => JSON.stringify(xs.flatMap((x) => sp.encodePieces(x)));
    this.perWord =
      this.config.remove_space &&
      join('한국어 모델을 12,3 a') === join('한국어', '모델을', '12,3', 'a') &&
      join('  가  나 ') === join('가', '나');
  }
  protected _tokenize(text: string): string[] {
    if (!this.perWord) return kobertPieces(this.sp, kobertPreprocess(text, this.config));
    // remove_space joins the words with single spaces, so preprocessing word by word is the same; NFKD may put a
    // space inside a word (¨ → space + U+0308), hence the split after it.
    return this.cache.pieces(pySplit(text), (w) =>
      kobertPreprocess(w, this.config)
        .split(' ')
        .filter(Boolean)
        .flatMap((x) => kobertPieces(this.sp, x)),
    );
  }
}

export const KOBERT_MODEL_FILE = 'tokenizer_78b3253a26.model';

/** HF's `DistilBertTokenizer`: a `BertTokenizer` by another name (same WordPiece, same defaults). */
export class DistilBertTokenizer extends BertTokenizer {}
/** HF's `ElectraTokenizer`: a `BertTokenizer` by another name. */
export class ElectraTokenizer extends BertTokenizer {}
const WORDPIECE_CLASSES: Record<string, typeof BertTokenizer> = {
  Bert: BertTokenizer,
  DistilBert: DistilBertTokenizer,
  Electra: ElectraTokenizer,
};

/** tokenizer_config.json and special_tokens_map.json may hold a token as an AddedToken object: use its text. */
function tokenSettings(dir: string): Record<string, any> {
  const merged = {
    ...readJson(path.join(dir, 'special_tokens_map.json')),
    ...readJson(path.join(dir, 'tokenizer_config.json')),
  };
  const text = (v: unknown): unknown => {
    const content = v && typeof v === 'object' ? (v as { content?: unknown }).content : undefined;
    return typeof content === 'string' ? content : v;
  };
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(merged))
    if (v !== null || k === 'strip_accents') out[k] = Array.isArray(v) ? v.map(text) : text(v);
  // HF's "no limit"
  if (typeof out.model_max_length === 'number' && out.model_max_length > 1e12) delete out.model_max_length;
  return out;
}

/** Options of `tokenizerFromFolder` / `AutoTokenizer.from_pretrained`: the config's settings, overridden. */
export type TokenizerOptions = Partial<BertTokenizerConfig & KoBertTokenizerConfig> & { tokenizer_class?: string };

const resolutions = new WeakMap<PreTrainedTokenizer, TokenizerClassResolution & { dir: string }>();
/** How `tokenizerFromFolder` chose this tokenizer's class (and from which folder); undefined for one built by hand. */
export const tokenizerResolution = (tok: PreTrainedTokenizer) => resolutions.get(tok);

/**
 * The tokenizer of a local hub-layout folder, its class resolved as transformers 4.2x does (`resolveTokenizerClass`,
 * src/text/tokenizerclass.ts): tokenizer_config.json's `tokenizer_class`, config.json's, then config.json's
 * `model_type`. A WordPiece class reads vocab.txt (and warns when the folder also holds a SentencePiece model, as
 * KoBERT's do); `KoBertTokenizer` — only when asked for — reads vocab.txt and `tokenizer_78b3253a26.model`.
 * `{ tokenizer_class: 'KoBertTokenizer' }` on the hub's DistilKoBERT folder gives the tokenizer its README asks
 * for; without it the folder gives what the course got (mostly [UNK]: that vocabulary has ▁ pieces, no ## pieces).
 * Other options override the config's settings. Hub ids are resolved one layer up, by `AutoTokenizer.from_pretrained`
 * (src/models/autotokenizer.ts).
 */
export async function tokenizerFromFolder(dir: string, options: TokenizerOptions = {}): Promise<PreTrainedTokenizer> {
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir}: expected a tokenizer folder, got a file`);
  const { tokenizer_class: option, ...overrides } = options;
  const files = () => fs.readdirSync(dir).join(', ') || 'nothing';
  const vocabFile = path.join(dir, 'vocab.txt'),
    spFile = path.join(dir, KOBERT_MODEL_FILE);
  if (!fs.existsSync(vocabFile))
    throw new Error(
      `${dir}: no vocab.txt (found: ${files()}); ` +
        'only WordPiece (BERT/ELECTRA/DistilBERT) and KoBERT folders are supported',
    );
  const r = resolveTokenizerClass(dir, option);
  const settings: Record<string, any> = { ...tokenSettings(dir), ...overrides };
  delete settings.tokenizer_class; // a class name, not a setting
  let tok: PreTrainedTokenizer;
  if (r.kind === 'kobert') {
    if (!fs.existsSync(spFile))
      throw new Error(`${dir}: tokenizer_class ${r.tokenizer_class} needs ${KOBERT_MODEL_FILE} (found: ${files()})`);
    tok = new KoBertTokenizer(readVocabLines(vocabFile), await loadSentencePiece(spFile), settings);
  } else {
    warnSentencePieceMismatch(dir, r);
    const Cls = WORDPIECE_CLASSES[r.tokenizer_class.replace(/Tokenizer(Fast)?$/, '')];
    // A bad setting (e.g. an unknown normalisation value) is named with the folder it came from.
    try {
      tok = new Cls(readVocabLines(vocabFile), settings);
    } catch (e) {
      throw new Error(`${dir} (tokenizer_config.json or options): ${(e as Error).message}`);
    }
  }
  resolutions.set(tok, { ...r, dir });
  return tok;
}
