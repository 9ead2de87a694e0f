/**
 * The course's CSVs as memory-lean encodings (src/text/ragged.ts), tokenized once: `encodeCsv` reads a
 * `contents,label` file (src/data/csvcolumns.ts), takes `max_rows` evenly spaced rows, tokenizes them under a
 * progress bar, and caches the result as one binary file per (tokenizer, file, settings). A re-run, or the next
 * epoch's notebook cell, reads the ids back in well under a second instead of re-tokenizing 2 M rows.
 *
 * The cache key is a SHA-256 of: a format version; the tokenizer (class, settings, every vocabulary entry, and
 * the tokens of a few probe texts, so a changed normaliser or SentencePiece model changes the key); the CSV's
 * real path, size and modification time; maxlen, the encoding recipe and `max_rows`. Files are written through a
 * temporary file and a rename. `$HAI_ENCODING_CACHE` (default ~/.cache/hai/encodings) moves the folder;
 * `cache: null` turns the cache off. Delete the folder to clear it.
 *
 * Introduced in notebooks/04_tuned.ipynb.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCsvColumns } from '../data/csvcolumns';
import { PreTrainedTokenizer } from '../text/pretrainedtokenizer';
import { EncodingKind, RaggedEncoding, raggedEncoder } from '../text/ragged';
import { writeFileAtomic } from '../util/files';
import { Progress } from '../util/progress';

const FORMAT = 'hai-encoding-v1';
const MAGIC = Buffer.from('HAIENC01');

export interface EncodeCsvConfig {
  maxlen: number;
  encoding: EncodingKind;
  /** Keep at most this many rows, evenly spaced (as `evenSubset`); null keeps all. */
  max_rows: number | null;
  /** Cache folder; null: no cache. */
  cache: string | null;
  /** Labels must be below this (the row is named otherwise); null: any non-negative integer. */
  num_labels: number | null;
  /** Progress bar while tokenizing: 'auto' draws it for 20,000 rows or more. */
  progress: boolean | 'auto';
  /** Where the bar and the one-line summary go (stderr, as tqdm). */
  write: (s: string) => void;
  desc: string;
}
export const encodingCacheDir = () =>
  process.env.HAI_ENCODING_CACHE ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'hai', 'encodings');
export const encodeCsvDefaults = (o: Partial<EncodeCsvConfig> = {}): EncodeCsvConfig => ({
  maxlen: 128,
  encoding: 'course',
  max_rows: null,
  cache: encodingCacheDir(),
  num_labels: null,
  progress: 'auto',
  write: (s) => process.stderr.write(s),
  desc: 'tokenize',
  ...o,
});

export interface EncodeCsvResult {
  enc: RaggedEncoding;
  /** Read from the cache (no CSV read, no tokenization). */
  cached: boolean;
  cache_file: string | null;
  seconds: number;
  rows_per_s: number;
}

const fingerprints = new WeakMap<PreTrainedTokenizer, string>();
const PROBES = ['아이고 왔나? 빨리 들어온나', '\u1100\u1161\u11a8 NFD 한글', 'ㅋㅋㅋ 뭐 하노 [UNK] 123,456 ABC'];
/** A hash of everything that decides a tokenizer's ids (computed once per tokenizer). */
export function tokenizerFingerprint(tok: PreTrainedTokenizer): string {
  let f = fingerprints.get(tok);
  if (!f) {
    const h = crypto.createHash('sha256').update(`${tok.constructor.name}\n${JSON.stringify(tok.config)}\n`);
    for (const [t, i] of tok.vocab) h.update(`${t}\t${i}\n`);
    for (const p of PROBES) h.update(JSON.stringify(tok.tokenize(p)));
    f = h.digest('hex');
    fingerprints.set(tok, f);
  }
  return f;
}

/** The cache file of `file` under these settings. */
export function encodingCacheFile(
  tok: PreTrainedTokenizer,
  file: string,
  c: Pick<EncodeCsvConfig, 'maxlen' | 'encoding' | 'max_rows' | 'cache'>,
): string | null {
  if (!c.cache) return null;
  const real = fs.realpathSync(file),
    st = fs.statSync(real);
  const key = crypto
    .createHash('sha256')
    .update(
      JSON.stringify([FORMAT, tokenizerFingerprint(tok), real, st.size, st.mtimeMs, c.maxlen, c.encoding, c.max_rows]),
    )
    .digest('hex');
  return path.join(c.cache, `${path.basename(file).replace(/[^\w.-]/g, '_')}.${key.slice(0, 24)}.bin`);
}

/** Indices of `evenSubset(rows, k)`: every (n / k)-th row. */
export function evenIndices(n: number, k: number | null): number[] {
  if (k === null || n <= k) return Array.from({ length: n }, (_, i) => i);
  const step = n / k;
  return Array.from({ length: k }, (_, i) => Math.floor(i * step));
}

/** Binary layout: magic, header length (u32), JSON header padded to 8 bytes, labels (i32), offsets (u32), ids. */
export function serializeEncoding(e: RaggedEncoding): Buffer {
  const u16 = e.ids instanceof Uint16Array;
  let head = Buffer.from(
    JSON.stringify({
      format: FORMAT,
      rows: e.size,
      tokens: e.tokens,
      dtype: u16 ? 'uint16' : 'int32',
      maxlen: e.maxlen,
      pad_id: e.padId,
      mask_nonzero: e.maskNonzero,
    }),
  );
  head = Buffer.concat([head, Buffer.alloc((8 - ((MAGIC.length + 4 + head.length) % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  const view = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return Buffer.concat([MAGIC, len, head, view(Int32Array.from(e.labels)), view(e.offsets), view(e.ids)]);
}

export function deserializeEncoding(buf: Buffer, where = 'encoding'): RaggedEncoding {
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) throw new Error(`${where}: not a hai encoding file`);
  const hl = buf.readUInt32LE(8);
  const corrupt = () => new Error(`${where}: truncated or corrupt (${buf.length} bytes)`);
  let h: {
    format: string;
    rows: number;
    tokens: number;
    dtype: string;
    maxlen: number;
    pad_id: number;
    mask_nonzero: boolean;
  };
  try {
    h = JSON.parse(buf.subarray(12, 12 + hl).toString('utf8'));
  } catch {
    throw corrupt();
  }
  if (h.format !== FORMAT) throw new Error(`${where}: format ${h.format}, expected ${FORMAT}`);
  let at = 12 + hl;
  // Copies, so every array is aligned and owns its memory (the file's buffer can go).
  const take = (bytes: number) => {
    if (at + bytes > buf.length) throw corrupt();
    const b = new Uint8Array(bytes);
    b.set(buf.subarray(at, at + bytes));
    at += bytes;
    return b.buffer;
  };
  const labels = Array.from(new Int32Array(take(4 * h.rows)));
  const offsets = new Uint32Array(take(4 * (h.rows + 1)));
  const ids = h.dtype === 'uint16' ? new Uint16Array(take(2 * h.tokens)) : new Int32Array(take(4 * h.tokens));
  if (at !== buf.length || offsets[h.rows] !== h.tokens) throw corrupt();
  return new RaggedEncoding(ids, offsets, labels, h.maxlen, h.pad_id, h.mask_nonzero);
}

const loud = (c: EncodeCsvConfig, rows: number) => (c.progress === 'auto' ? rows >= 20000 : c.progress);

/** Texts (and labels) into a ragged encoding, with a progress bar; returns it and the rate. */
export function encodeTexts(
  tok: PreTrainedTokenizer,
  texts: string[],
  labels: number[],
  cfg: Partial<EncodeCsvConfig> = {},
): { enc: RaggedEncoding; seconds: number; rows_per_s: number } {
  const c = encodeCsvDefaults(cfg);
  const t0 = performance.now();
  const e = raggedEncoder(tok, { maxlen: c.maxlen, encoding: c.encoding });
  const bar = loud(c, texts.length) ? new Progress({ desc: c.desc, write: c.write }) : null;
  for (let i = 0; i < texts.length; i++) {
    e.push(texts[i]);
    if (bar && (i & 4095) === 0) bar.update(i, texts.length);
  }
  if (bar) {
    bar.update(texts.length, texts.length);
    bar.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { enc: e.finish(labels), seconds, rows_per_s: texts.length / Math.max(seconds, 1e-9) };
}

/** A `contents,label` CSV as a ragged encoding, from the cache when this tokenizer has encoded this file before. */
export function encodeCsv(tok: PreTrainedTokenizer, file: string, cfg: Partial<EncodeCsvConfig> = {}): EncodeCsvResult {
  const c = encodeCsvDefaults(cfg);
  const t0 = performance.now();
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
  const cacheFile = encodingCacheFile(tok, file, c);
  if (cacheFile && fs.existsSync(cacheFile)) {
    try {
      const enc = deserializeEncoding(fs.readFileSync(cacheFile), cacheFile);
      const seconds = (performance.now() - t0) / 1000;
      if (loud(c, enc.size))
        c.write(
          `${path.basename(file)}: ${enc.size.toLocaleString('en-US')} rows read from the encoding cache ` +
            `in ${seconds.toFixed(1)} s (${cacheFile})\n`,
        );
      return { enc, cached: true, cache_file: cacheFile, seconds, rows_per_s: enc.size / Math.max(seconds, 1e-9) };
    } catch (e) {
      // A damaged cache entry is rebuilt, never trusted.
      c.write(`${cacheFile}: ${(e as Error).message}; tokenizing again\n`);
    }
  }
  const cols = readCsvColumns(file, c.num_labels === null ? {} : { numLabels: c.num_labels });
  const idx = evenIndices(cols.contents.length, c.max_rows);
  const texts = idx.length === cols.contents.length ? cols.contents : idx.map((i) => cols.contents[i]);
  const labels = idx.length === cols.labels.length ? cols.labels : idx.map((i) => cols.labels[i]);
  const { enc, rows_per_s: tokRate } = encodeTexts(tok, texts, labels, {
    ...c,
    desc: `${c.desc} ${path.basename(file)}`,
  });
  if (cacheFile) {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    writeFileAtomic(cacheFile, serializeEncoding(enc));
  }
  const seconds = (performance.now() - t0) / 1000;
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  if (loud(c, enc.size))
    c.write(
      `${path.basename(file)}: ${n(enc.size)} rows, ${n(enc.tokens)} tokens ` +
        `(${(enc.bytes / 2 ** 20).toFixed(1)} MiB of ids) in ${seconds.toFixed(1)} s: ` +
        `${n(enc.size / seconds)} rows/s read and encoded, ${n(tokRate)} rows/s tokenized` +
        `${cacheFile ? `; cached in ${cacheFile}` : ''}\n`,
    );
  return { enc, cached: false, cache_file: cacheFile, seconds, rows_per_s: enc.size / Math.max(seconds, 1e-9) };
}

/**
 * `runCourse`'s data: the train and valid CSVs of a course config, `max_train` / `max_valid` rows evenly spaced,
 * every label checked against the course's label count (also on a cache hit).
 */
export function encodeCourseData(
  tok: PreTrainedTokenizer,
  c: {
    train_path: string;
    valid_path: string;
    maxlen: number;
    encoding: EncodingKind;
    max_train: number | null;
    max_valid: number | null;
    encoding_cache: boolean;
  },
  numLabels: number,
): { train: RaggedEncoding; valid: RaggedEncoding } {
  const one = (file: string, max: number | null) => {
    const { enc } = encodeCsv(tok, file, {
      maxlen: c.maxlen,
      encoding: c.encoding,
      max_rows: max,
      num_labels: numLabels,
      cache: c.encoding_cache ? encodingCacheDir() : null,
    });
    const bad = enc.labels.find((l) => l >= numLabels);
    if (bad !== undefined)
      throw new Error(
        `${file}: label ${bad} in the data, but the course has ${numLabels} labels (0..${numLabels - 1})`,
      );
    return enc;
  };
  return { train: one(c.train_path, c.max_train), valid: one(c.valid_path, c.max_valid) };
}
