/**
 * What every tokenizer does once it has tokens, whatever the model: `PreTrainedTokenizer` (vocabulary, special
 * tokens, and Hugging Face's call forms: `encode`, `encodePlus`, `encodeBatch`, `call` with `max_length` /
 * `padding` / `truncation`, [CLS] … [SEP] and type ids), the `Encoding` shapes they return, and what the course
 * does with the ids: `toTensors` for the model, Keras' `padSequences`, `courseEncode`, and `tokenizeJsonl` for
 * `hai tokenize`. The vocabulary half (token ↔ id, special tokens, `tokenize`) is `TokenVocabulary` in
 * src/text/tokenvocab.ts. The model-specific halves (WordPiece, SentencePiece) and the folder loader are in
 * src/text/tokenizer.ts, which re-exports all of this: import from './tokenizer' as before. Split out, as HF keeps
 * `tokenization_utils_base.py` apart from `tokenization_bert.py`, so both files stay short; this one imports
 * nothing from tokenizer.ts, so CommonJS loads them without a cycle.
 *
 * `courseEncode` is the original notebook's own recipe instead ("[CLS] " + text + " [SEP]", Keras
 * `pad_sequences` post/post with 0), because the maxlen lesson is about what that recipe cut off.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import { TokenVocabulary } from './tokenvocab';

export type Padding = boolean | 'longest' | 'max_length' | 'do_not_pad';
export type Truncation = boolean | 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';
export interface EncodeOptions {
  add_special_tokens?: boolean;
  max_length?: number;
  padding?: Padding;
  truncation?: Truncation;
}
export interface Encoding {
  input_ids: number[];
  attention_mask: number[];
  token_type_ids: number[];
}
export interface BatchEncoding {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
}

/** What both tokenizers share: vocabulary, special tokens (`TokenVocabulary`), and the HF call forms. */
export abstract class PreTrainedTokenizer extends TokenVocabulary {
  /** HF `encode`: the input ids alone. */
  encode(text: string, text_pair?: string, options: EncodeOptions = {}): number[] {
    return this.encodePlus(text, { ...options, text_pair }).input_ids;
  }

  /** HF `encode_plus` (the callable form on one text). */
  encodePlus(text: string, options: EncodeOptions & { text_pair?: string } = {}): Encoding {
    const o = this.resolve(options);
    const [a, b] = this.prepare(text, options.text_pair, o);
    return this.assemble(a, b, o.add, o.padding === 'max_length' ? o.max_length! : 0);
  }

  /** HF `batch_encode_plus`: plain arrays, padded to the longest row (`padding: true`) or to `max_length`. */
  encodeBatch(texts: string[], options: EncodeOptions & { text_pair?: string[] } = {}): BatchEncoding {
    const pairs = options.text_pair;
    if (pairs && pairs.length !== texts.length)
      throw new Error(`text_pair has ${pairs.length} entries for ${texts.length} texts`);
    const o = this.resolve(options);
    const seqs = texts.map((t, i) => this.prepare(t, pairs?.[i], o));
    const specials = (b?: number[]) => (o.add ? (b ? 3 : 2) : 0);
    let to = o.padding === 'max_length' ? o.max_length! : 0;
    if (o.padding === 'longest')
      for (const [a, b] of seqs) to = Math.max(to, a.length + (b?.length ?? 0) + specials(b));
    const out: BatchEncoding = { input_ids: [], attention_mask: [], token_type_ids: [] };
    for (const [a, b] of seqs) {
      const e = this.assemble(a, b, o.add, to);
      out.input_ids.push(e.input_ids);
      out.attention_mask.push(e.attention_mask);
      out.token_type_ids.push(e.token_type_ids);
    }
    return out;
  }

  /** HF `__call__`: one text gives one encoding, an array gives a batch. */
  call(text: string, options?: EncodeOptions & { text_pair?: string }): Encoding;
  call(text: string[], options?: EncodeOptions & { text_pair?: string[] }): BatchEncoding;
  call(
    text: string | string[],
    options: EncodeOptions & { text_pair?: string | string[] } = {},
  ): Encoding | BatchEncoding {
    return Array.isArray(text)
      ? this.encodeBatch(text, options as EncodeOptions & { text_pair?: string[] })
      : this.encodePlus(text, options as EncodeOptions & { text_pair?: string });
  }

  /** HF's strategy rules, including its quiet default: `max_length` without padding or truncation truncates. */
  private resolve(o: EncodeOptions) {
    const padding =
      o.padding === true || o.padding === 'longest' ? 'longest' : o.padding === 'max_length' ? 'max_length' : 'none';
    let truncation =
      o.truncation === true
        ? 'longest_first'
        : o.truncation === false || o.truncation === undefined
          ? 'none'
          : o.truncation === 'do_not_truncate'
            ? 'none'
            : o.truncation;
    if (o.truncation === undefined && o.max_length !== undefined && padding === 'none') truncation = 'longest_first';
    const max_length = o.max_length ?? this.config.model_max_length;
    if (max_length !== undefined && !(Number.isInteger(max_length) && max_length > 0))
      throw new Error(`max_length must be a positive integer, got ${max_length}`);
    if (padding === 'max_length' && max_length === undefined)
      throw new Error(`padding 'max_length' needs max_length (this tokenizer has no model_max_length)`);
    return { padding, truncation, max_length, add: o.add_special_tokens ?? true };
  }

  /**
   * HF `prepare_for_model`'s truncation: post (`truncation_side='right'`), leaving room for
   * [CLS] … [SEP] ( … [SEP]).
   */
  private prepare(
    text: string,
    pair: string | undefined,
    o: ReturnType<PreTrainedTokenizer['resolve']>,
  ): [number[], number[] | undefined] {
    let a = this.convert_tokens_to_ids(this.tokenize(text));
    let b = pair === undefined ? undefined : this.convert_tokens_to_ids(this.tokenize(pair));
    const specials = o.add ? (b ? 3 : 2) : 0;
    const total = a.length + (b?.length ?? 0) + specials;
    if (o.truncation !== 'none' && o.max_length !== undefined && total > o.max_length) {
      const remove = total - o.max_length;
      // HF logs an error and returns the sequence untruncated here; a silent over-long row is worse, so throw.
      const tooShort = () =>
        new Error(
          `max_length ${o.max_length} is too short: it leaves no room for the text after ${specials} special tokens`,
        );
      if (o.truncation === 'only_second') {
        if (!b || b.length <= remove) throw tooShort();
        b = b.slice(0, b.length - remove);
      } else if (o.truncation === 'only_first' || !b) {
        if (a.length <= remove) throw tooShort();
        a = a.slice(0, a.length - remove);
      } else {
        if (o.max_length < specials) throw tooShort();
        let na = a.length,
          nb = b.length;
        for (let k = 0; k < remove; k++)
          if (na > nb) na--;
          else nb--; // one token at a time from the longer; ties cut the pair
        a = a.slice(0, na);
        b = b.slice(0, nb);
      }
    }
    return [a, b];
  }
  /**
   * [CLS] a [SEP] (b [SEP]), then post padding (`padding_side='right'`) to `padTo` with [PAD], attention 0,
   * type 0.
   */
  private assemble(a: number[], b: number[] | undefined, add: boolean, padTo: number): Encoding {
    const n = a.length + (b?.length ?? 0) + (add ? (b ? 3 : 2) : 0),
      len = Math.max(n, padTo);
    const input_ids = new Array<number>(len),
      attention_mask = new Array<number>(len).fill(0),
      token_type_ids = new Array<number>(len).fill(0);
    let k = 0;
    if (add) input_ids[k++] = this.cls_token_id;
    for (const id of a) input_ids[k++] = id;
    if (add) input_ids[k++] = this.sep_token_id;
    if (b) {
      // Without special tokens HF gives the pair type 0 too (it builds type ids only when it adds [SEP]).
      const type = add ? 1 : 0;
      for (const id of b) {
        token_type_ids[k] = type;
        input_ids[k++] = id;
      }
      if (add) {
        token_type_ids[k] = 1;
        input_ids[k++] = this.sep_token_id;
      }
    }
    attention_mask.fill(1, 0, n);
    if (len > n) input_ids.fill(this.pad_token_id, n);
    return { input_ids, attention_mask, token_type_ids };
  }
}

/** One batch as int32 tensors `[batch, seq]`, for the model's `input_ids` / `attention_mask` / `token_type_ids`. */
export function toTensors(b: BatchEncoding | Encoding): {
  input_ids: tf.Tensor2D;
  attention_mask: tf.Tensor2D;
  token_type_ids: tf.Tensor2D;
} {
  const rows = (x: number[] | number[][]) =>
    Array.isArray(x[0]) || x.length === 0 ? (x as number[][]) : [x as number[]];
  const t = (name: string, x: number[] | number[][]) => {
    const r = rows(x),
      len = r[0]?.length ?? 0;
    r.forEach((row, i) => {
      if (row.length !== len)
        throw new Error(
          `${name}: row ${i} has ${row.length} ids, row 0 has ${len}: pad the batch (padding: true or 'max_length')`,
        );
    });
    return tf.tensor2d(Int32Array.from(r.flat()), [r.length, len], 'int32');
  };
  return {
    input_ids: t('input_ids', b.input_ids),
    attention_mask: t('attention_mask', b.attention_mask),
    token_type_ids: t('token_type_ids', b.token_type_ids),
  };
}

export interface PadSequencesConfig {
  maxlen?: number;
  padding: 'pre' | 'post';
  truncating: 'pre' | 'post';
  value: number;
}
/** Keras `pad_sequences`, with its defaults ('pre'); the course passed 'post' for both and value 0. */
export function padSequences(seqs: number[][], o: Partial<PadSequencesConfig> = {}): number[][] {
  const c: PadSequencesConfig = { padding: 'pre', truncating: 'pre', value: 0, ...o };
  const maxlen = c.maxlen ?? Math.max(0, ...seqs.map((s) => s.length));
  return seqs.map((s) => {
    const cut = s.length <= maxlen ? s : c.truncating === 'pre' ? s.slice(s.length - maxlen) : s.slice(0, maxlen);
    const fill = new Array<number>(maxlen - cut.length).fill(c.value);
    return c.padding === 'pre' ? [...fill, ...cut] : [...cut, ...fill];
  });
}

/**
 * The original notebook's data loader: "[CLS] " + text + " [SEP]", tokenize, ids, `pad_sequences(maxlen, post, post,
 * value 0)`, mask = id > 0. Truncation cuts the [SEP] off every long row, and with KoBERT 0 is [UNK], so the mask
 * also hides real [UNK] tokens and pads with [UNK] ids: the course's behaviour, kept so its numbers can be re-run.
 */
export function courseEncode(
  tok: PreTrainedTokenizer,
  texts: string[],
  maxlen: number,
): { input_ids: number[][]; attention_mask: number[][] } {
  const ids = texts.map((t) =>
    tok.convert_tokens_to_ids(tok.tokenize(`${tok.config.cls_token} ${t} ${tok.config.sep_token}`)),
  );
  const input_ids = padSequences(ids, { maxlen, padding: 'post', truncating: 'post', value: 0 });
  return { input_ids, attention_mask: input_ids.map((r) => r.map((i) => (i > 0 ? 1 : 0))) };
}

/**
 * `hai tokenize`: JSON lines `{"text", "text_pair"?}` in, one JSON line per input out: `tokens` (no special
 * tokens) and the callable form's ids, padded to and truncated at `maxLength` when it is given. Blank lines are
 * skipped.
 */
export function tokenizeJsonl(tok: PreTrainedTokenizer, inputText: string, maxLength?: number): string {
  const out: string[] = [];
  inputText.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const where = `line ${i + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: not valid JSON: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error(`${where}: expected a JSON object like {"text": "..."}`);
    const j = parsed as { text?: unknown; text_pair?: unknown };
    if (typeof j.text !== 'string') throw new Error(`${where}: missing field "text" (string)`);
    if (j.text_pair !== undefined && typeof j.text_pair !== 'string')
      throw new Error(`${where}: field "text_pair" must be a string`);
    const opts: EncodeOptions =
      maxLength === undefined ? {} : { max_length: maxLength, padding: 'max_length', truncation: true };
    let enc: Encoding;
    try {
      enc = tok.encodePlus(j.text, { ...opts, text_pair: j.text_pair });
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    out.push(
      JSON.stringify({
        tokens: tok.tokenize(j.text),
        input_ids: enc.input_ids,
        attention_mask: enc.attention_mask,
        token_type_ids: enc.token_type_ids,
      }),
    );
  });
  return out.map((l) => l + '\n').join('');
}
