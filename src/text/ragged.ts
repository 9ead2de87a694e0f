/**
 * Memory-lean encodings for the course's real size (1.94 M training rows): token ids in one typed array
 * (`Uint16Array` when every id of the vocabulary fits, else `Int32Array`), rows stored ragged (ids + offsets, no
 * padding), and padding and masks made per batch. The padded form `courseEncode` returns costs rows × maxlen JS
 * numbers — 2 M × 256 × 8 bytes = 4 GB for the tuned run — while the course's utterances are ~10 tokens long.
 *
 * A batch comes out exactly as the padded encoding would give it: padded to `maxlen` (static, the 2022 runs) or to
 * its longest row (dynamic), with the same ids and the same mask. Under the course recipe (`courseEncode`: pad 0,
 * mask = id > 0) a row's trailing 0 ids (KoBERT's [UNK] is 0) cannot be told from padding, so they are not stored
 * and the mask is rebuilt as id > 0, interior [UNK]s included; under `hf` the mask is 1 on the row's tokens and
 * padding is the tokenizer's [PAD] id.
 *
 * Introduced in notebooks/04_tuned.ipynb.
 */
import { PreTrainedTokenizer } from './pretrainedtokenizer';

export type EncodingKind = 'course' | 'hf';
/** A batch as the trainer takes it (src/train/batching.ts `Batch`): rows padded to one width. */
export interface PaddedRows {
  input_ids: number[][];
  attention_mask: number[][];
  labels: number[];
}

export class RaggedEncoding {
  private cachedLengths: number[] | null = null;
  /**
   * `ids`: every row's ids back to back; `offsets[i]..offsets[i+1]`: row i (n + 1 entries); `maxlen`: the static
   * width; `padId`: what padding holds; `maskNonzero`: the course's mask (id > 0) rather than "a real token".
   */
  constructor(
    readonly ids: Uint16Array | Int32Array,
    readonly offsets: Uint32Array,
    readonly labels: number[],
    readonly maxlen: number,
    readonly padId: number,
    readonly maskNonzero: boolean,
  ) {
    if (offsets.length !== labels.length + 1)
      throw new Error(`ragged encoding: ${offsets.length} offsets for ${labels.length} rows`);
  }

  get size(): number {
    return this.labels.length;
  }
  /** Tokens stored (no padding). */
  get tokens(): number {
    return this.offsets[this.size];
  }
  /** Bytes held by the ids and offsets (labels aside). */
  get bytes(): number {
    return this.ids.byteLength + this.offsets.byteLength;
  }

  /** Each row's attended length: what `rowLengths` gives on the padded form, and what dynamic padding cuts to. */
  lengths(): number[] {
    if (!this.cachedLengths) {
      const n = this.size,
        out = new Array<number>(n);
      for (let i = 0; i < n; i++) out[i] = this.offsets[i + 1] - this.offsets[i];
      this.cachedLengths = out;
    }
    return this.cachedLengths;
  }

  /** Row i's ids without padding. */
  row(i: number): number[] {
    return Array.from(this.ids.subarray(this.offsets[i], this.offsets[i + 1]));
  }

  /** Rows `idx` padded to `width` (null: to their longest row, at least 1), with their masks and labels. */
  batch(idx: ArrayLike<number>, width: number | null = this.maxlen): PaddedRows {
    let w = width ?? 1;
    if (width === null)
      for (let k = 0; k < idx.length; k++) w = Math.max(w, this.offsets[idx[k] + 1] - this.offsets[idx[k]]);
    const input_ids = new Array<number[]>(idx.length),
      attention_mask = new Array<number[]>(idx.length),
      labels = new Array<number>(idx.length);
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k],
        s = this.offsets[i],
        len = Math.min(this.offsets[i + 1] - s, w);
      const ids = new Array<number>(w),
        mask = new Array<number>(w);
      for (let j = 0; j < len; j++) {
        const id = this.ids[s + j];
        ids[j] = id;
        mask[j] = this.maskNonzero ? (id > 0 ? 1 : 0) : 1;
      }
      for (let j = len; j < w; j++) {
        ids[j] = this.padId;
        mask[j] = 0;
      }
      input_ids[k] = ids;
      attention_mask[k] = mask;
      labels[k] = this.labels[i];
    }
    return { input_ids, attention_mask, labels };
  }

  /** The rows `idx`, in that order, as a new encoding (e.g. `max_train`'s evenly spaced subset). */
  subset(idx: ArrayLike<number>): RaggedEncoding {
    const b = new RaggedBuilder(this.ids instanceof Uint16Array ? 'uint16' : 'int32');
    const labels = new Array<number>(idx.length);
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      b.push(this.ids.subarray(this.offsets[i], this.offsets[i + 1]));
      labels[k] = this.labels[i];
    }
    return b.finish(labels, this.maxlen, this.padId, this.maskNonzero);
  }

  /**
   * Every row padded to `maxlen`: the old `Encoded` form (for tests and small tables only: it costs
   * rows × maxlen numbers).
   */
  toPadded(): PaddedRows {
    return this.batch(
      Array.from({ length: this.size }, (_, i) => i),
      this.maxlen,
    );
  }
}

/** Appends rows into a growing typed array; `finish` trims it. */
export class RaggedBuilder {
  private ids: Uint16Array | Int32Array;
  private offsets = new Uint32Array(1024);
  private n = 0;
  private used = 0;
  constructor(
    readonly dtype: 'uint16' | 'int32',
    capacity = 1 << 16,
  ) {
    this.ids = dtype === 'uint16' ? new Uint16Array(capacity) : new Int32Array(capacity);
  }
  get rows() {
    return this.n;
  }
  push(row: ArrayLike<number>, n = row.length): void {
    if (this.used + n > this.ids.length) {
      const size = Math.max(this.ids.length * 2, this.used + n);
      const next = this.dtype === 'uint16' ? new Uint16Array(size) : new Int32Array(size);
      next.set(this.ids.subarray(0, this.used));
      this.ids = next;
    }
    if (this.n + 2 > this.offsets.length) {
      const o = new Uint32Array(this.offsets.length * 2);
      o.set(this.offsets);
      this.offsets = o;
    }
    for (let j = 0; j < n; j++) this.ids[this.used + j] = row[j];
    this.used += n;
    this.offsets[++this.n] = this.used;
  }
  finish(labels: number[], maxlen: number, padId: number, maskNonzero: boolean): RaggedEncoding {
    if (labels.length !== this.n) throw new Error(`ragged encoding: ${labels.length} labels for ${this.n} rows`);
    return new RaggedEncoding(
      this.ids.slice(0, this.used),
      this.offsets.slice(0, this.n + 1),
      labels,
      maxlen,
      padId,
      maskNonzero,
    );
  }
}

/** The narrowest id type for a tokenizer: every id of its vocabulary (and [PAD]) must fit. */
export function idType(tok: PreTrainedTokenizer): 'uint16' | 'int32' {
  let max = 0;
  for (const id of tok.vocab.values()) if (id > max) max = id;
  return max < 65536 ? 'uint16' : 'int32';
}

export interface RaggedEncoderConfig {
  maxlen: number;
  encoding: EncodingKind;
}

/**
 * Encodes one text at a time into a builder, with `courseEncode`'s or `encodeBatch(…, max_length, padding:
 * 'max_length', truncation)`'s ids (test/text/ragged.test.ts checks both against them).
 */
export function raggedEncoder(tok: PreTrainedTokenizer, cfg: RaggedEncoderConfig) {
  if (!(Number.isInteger(cfg.maxlen) && cfg.maxlen > 0))
    throw new Error(`maxlen must be a positive integer, got ${cfg.maxlen}`);
  const builder = new RaggedBuilder(idType(tok));
  const course = cfg.encoding === 'course';
  const cls = tok.config.cls_token,
    sep = tok.config.sep_token;
  // "[CLS] text [SEP]" tokenizes as [CLS], then " text " (special tokens are cut out first and no special token
  // can span the spaces around the text), then [SEP]: skipping the split of the two markers is ~1.7x faster.
  const direct = !tok.all_special_tokens.some((t) => /\s/.test(t));
  const clsId = tok.vocab.get(cls) ?? tok.unk_token_id,
    sepId = tok.vocab.get(sep) ?? tok.unk_token_id;
  const unk = tok.unk_token_id;
  let scratch = new Int32Array(Math.min(cfg.maxlen, 1024));
  const push = (text: string): void => {
    if (!course) {
      builder.push(tok.encodePlus(text, { max_length: cfg.maxlen, truncation: true }).input_ids);
      return;
    }
    const toks = direct ? tok.tokenize(` ${text} `) : tok.tokenize(`${cls} ${text} ${sep}`);
    const total = direct ? toks.length + 2 : toks.length;
    let n = Math.min(total, cfg.maxlen); // pad_sequences' 'post' truncation
    if (scratch.length < n) scratch = new Int32Array(n);
    // Into one reused buffer: no array per row (2 M rows of garbage otherwise).
    for (let j = 0; j < n; j++) {
      const t = direct ? (j === 0 ? cls : j === total - 1 ? sep : toks[j - 1]) : toks[j];
      scratch[j] = direct && j === 0 ? clsId : direct && j === total - 1 ? sepId : (tok.vocab.get(t) ?? unk);
    }
    // trailing 0s are what padding holds: the mask (id > 0) hides them either way
    while (n > 0 && scratch[n - 1] === 0) n--;
    builder.push(scratch, n);
  };
  return {
    builder,
    push,
    finish: (labels: number[]) => builder.finish(labels, cfg.maxlen, course ? 0 : tok.pad_token_id, course),
  };
}

/** All `texts` at once (see `encodeCsv` in src/course/encodecache.ts for files, the progress bar and the cache). */
export function encodeRagged(
  tok: PreTrainedTokenizer,
  texts: string[],
  labels: number[],
  cfg: RaggedEncoderConfig,
): RaggedEncoding {
  if (labels.length !== texts.length) throw new Error(`${labels.length} labels for ${texts.length} texts`);
  const e = raggedEncoder(tok, cfg);
  for (const t of texts) e.push(t);
  return e.finish(labels);
}
