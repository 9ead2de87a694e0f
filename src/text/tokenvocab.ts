/**
 * The vocabulary half of every tokenizer: token ↔ id maps, the special tokens and their ids, and `tokenize`,
 * which cuts special tokens out of the text (longest first, as HF's trie) before the model's own `_tokenize`.
 * The call forms (`encode`, `encodePlus`, `encodeBatch`, `call`) build on it in src/text/pretrainedtokenizer.ts.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */

export interface SpecialTokensConfig {
  unk_token: string;
  sep_token: string;
  pad_token: string;
  cls_token: string;
  mask_token: string;
  additional_special_tokens: string[];
  do_lower_case: boolean;
  /** Used when truncation or `padding: 'max_length'` is asked for without `max_length`. */
  model_max_length?: number;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * Python's per-character `.lower()` pass: Σ stays σ even at a word's end, as HF lowers one character at a time.
 */
const lowerChars = (s: string) => (s.includes('Σ') ? Array.from(s, (c) => c.toLowerCase()).join('') : s.toLowerCase());

/** Vocabulary, special tokens and `tokenize`: what `PreTrainedTokenizer`'s call forms turn into ids. */
export abstract class TokenVocabulary {
  readonly vocab = new Map<string, number>();
  readonly ids_to_tokens = new Map<number, string>();
  readonly all_special_tokens: string[];
  private readonly specialRe: RegExp;
  private readonly specialStarts: string[];

  constructor(
    vocabTokens: string[],
    readonly config: SpecialTokensConfig,
  ) {
    // a repeated line keeps its last index, as a Python dict does
    vocabTokens.forEach((t, i) => this.vocab.set(t, i));
    for (const [t, i] of this.vocab) this.ids_to_tokens.set(i, t);
    if (!this.vocab.has(config.unk_token)) throw new Error(`the vocabulary has no unknown token '${config.unk_token}'`);
    const c = config;
    this.all_special_tokens = [
      ...new Set([c.unk_token, c.sep_token, c.pad_token, c.cls_token, c.mask_token, ...c.additional_special_tokens]),
    ];
    // Special tokens are cut out before anything else (HF's trie): longest first, so one that contains another
    // wins.
    const alts = [...this.all_special_tokens].sort((a, b) => b.length - a.length).map(escapeRe);
    this.specialRe = new RegExp(`(${alts.join('|')})`);
    this.specialStarts = [...new Set(this.all_special_tokens.map((t) => t[0]))];
  }

  /** The model's tokenization of one special-token-free stretch of text. */
  protected abstract _tokenize(text: string): string[];

  get vocab_size() {
    return this.vocab.size;
  }
  private idOf(t: string) {
    const id = this.vocab.get(t);
    if (id === undefined) throw new Error(`special token '${t}' is not in the vocabulary`);
    return id;
  }
  get unk_token_id() {
    return this.idOf(this.config.unk_token);
  }
  get cls_token_id() {
    return this.idOf(this.config.cls_token);
  }
  get sep_token_id() {
    return this.idOf(this.config.sep_token);
  }
  get pad_token_id() {
    return this.idOf(this.config.pad_token);
  }
  get mask_token_id() {
    return this.idOf(this.config.mask_token);
  }

  /** Tokens without [CLS]/[SEP]; special tokens written in the text stay whole. */
  tokenize(text: string): string[] {
    if (this.config.do_lower_case) {
      text = text
        .split(this.specialRe)
        .map((p, i) => (i % 2 ? p : lowerChars(p)))
        .join('');
    }
    // no special token can be in it
    if (!this.specialStarts.some((c) => text.includes(c))) return text ? this._tokenize(text) : [];
    const out: string[] = [];
    text.split(this.specialRe).forEach((p, i) => {
      if (i % 2) out.push(p);
      else if (p) for (const t of this._tokenize(p)) out.push(t);
    });
    return out;
  }

  convert_tokens_to_ids(tokens: string[]): number[] {
    const unk = this.unk_token_id;
    return tokens.map((t) => this.vocab.get(t) ?? unk);
  }
  convert_ids_to_tokens(ids: number[]): string[] {
    return ids.map((i) => this.ids_to_tokens.get(i) ?? this.config.unk_token);
  }
}
