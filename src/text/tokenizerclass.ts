/**
 * Which tokenizer class a folder gets, in the order transformers 4.2x's `AutoTokenizer.from_pretrained` uses
 * (models/auto/tokenization_auto.py): `tokenizer_class` in tokenizer_config.json, else `tokenizer_class` in
 * config.json, else the class registered for config.json's `model_type` (bert → BertTokenizer, distilbert →
 * DistilBertTokenizer, electra → ElectraTokenizer). Files play no part: a folder laid out like the hub's
 * `monologg/distilkobert` (model_type distilbert, KoBERT's vocab.txt and SentencePiece model, no tokenizer_class)
 * resolves to DistilBertTokenizer, i.e. WordPiece over a vocabulary of `▁` pieces — what the course's
 * `AutoTokenizer.from_pretrained("monologg/distilkobert")` gave it. `KoBertTokenizer` is used only when asked for
 * (the `tokenizer_class` option, or that name in one of the two files), as monologg's README asks users to do.
 *
 * transformers 4.2x defaults to `use_fast=True` and so gave the course `DistilBertTokenizerFast`, built from the same
 * vocab.txt with the same WordPiece rules; this kit implements the slow class. On NFC text such as the course's the
 * two agree (transformers.js, a port of the fast tokenizer, gives the kit's ids on the course corpus:
 * test/text/tokenizer.test.ts; the known differences are listed in src/text/wordpiece.ts).
 *
 * One extension: a folder with no config.json and no tokenizer_class (a bare vocab.txt, as tests and older kit
 * checkpoints have) reads as BertTokenizer, where transformers would fail for want of a config. A WordPiece class
 * over a folder that holds a SentencePiece model prints a one-line warning (once per folder and process).
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** transformers' TOKENIZER_MAPPING for the model types this kit has (slow classes). */
export const MODEL_TYPE_TOKENIZERS: Record<string, string> = {
  bert: 'BertTokenizer',
  distilbert: 'DistilBertTokenizer',
  electra: 'ElectraTokenizer',
};
export const WORDPIECE_CLASS = /^(Bert|Electra|DistilBert)Tokenizer(Fast)?$/;
export const KOBERT_CLASS = /^KoBertTokenizer(Fast)?$/i;

export interface TokenizerClassResolution {
  /** The class name as found (a `Fast` suffix kept). */
  tokenizer_class: string;
  /** Where it came from, in transformers' order; `files`: the kit's fallback for a folder without config.json. */
  from: 'option' | 'tokenizer_config.json' | 'config.json' | 'model_type' | 'files';
  model_type?: string;
  /** The folder's SentencePiece model files (`*.model`), whatever the class. */
  sentencepiece_files: string[];
  /** WordPiece (`BertTokenizer`, `DistilBertTokenizer`, `ElectraTokenizer`) or SentencePiece (`KoBertTokenizer`). */
  kind: 'wordpiece' | 'kobert';
}

export function readJson(file: string): Record<string, any> {
  if (!fs.existsSync(file)) return {};
  let j: unknown;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw new Error(`${file}: expected a JSON object`);
  return j as Record<string, any>;
}

const className = (v: unknown, file: string): string | undefined => {
  if (v === undefined || v === null) return undefined; // transformers treats null as absent
  if (typeof v !== 'string' || !v)
    throw new Error(`${file}: "tokenizer_class" must be a class name (a string), got ${JSON.stringify(v)}`);
  return v;
};

/** The tokenizer class of folder `dir`, as transformers 4.2x resolves it; `option` (a class name) comes first. */
export function resolveTokenizerClass(dir: string, option?: string): TokenizerClassResolution {
  const tcFile = path.join(dir, 'tokenizer_config.json'),
    cFile = path.join(dir, 'config.json');
  const sentencepiece_files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.model'))
    .sort();
  const done = (
    tokenizer_class: string,
    from: TokenizerClassResolution['from'],
    model_type?: string,
  ): TokenizerClassResolution => {
    const where =
      from === 'option'
        ? 'the tokenizer_class option'
        : from === 'model_type'
          ? `model_type "${model_type}" in ${cFile}`
          : from === 'files'
            ? dir
            : path.join(dir, from);
    const kind = KOBERT_CLASS.test(tokenizer_class)
      ? 'kobert'
      : WORDPIECE_CLASS.test(tokenizer_class)
        ? 'wordpiece'
        : null;
    if (!kind)
      throw new Error(
        `${where}: tokenizer_class ${tokenizer_class} is not supported ` +
          '(only BertTokenizer, ElectraTokenizer, DistilBertTokenizer, KoBertTokenizer)',
      );
    return { tokenizer_class, from, ...(model_type ? { model_type } : {}), sentencepiece_files, kind };
  };
  if (option !== undefined) return done(className(option, 'the tokenizer_class option')!, 'option');
  const fromTc = className(readJson(tcFile).tokenizer_class, tcFile);
  if (fromTc) return done(fromTc, 'tokenizer_config.json');
  if (!fs.existsSync(cFile)) return done('BertTokenizer', 'files');
  const config = readJson(cFile);
  const fromC = className(config.tokenizer_class, cFile);
  if (fromC) return done(fromC, 'config.json');
  const type = config.model_type;
  if (typeof type !== 'string')
    throw new Error(
      `${cFile}: no "model_type" and no "tokenizer_class": cannot tell which tokenizer this folder needs`,
    );
  const cls = MODEL_TYPE_TOKENIZERS[type];
  if (!cls)
    throw new Error(
      `${cFile}: model_type "${type}" has no tokenizer here ` +
        `(known: ${Object.keys(MODEL_TYPE_TOKENIZERS).join(', ')}); pass tokenizer_class`,
    );
  return done(cls, 'model_type', type);
}

/** The one-line warning for a WordPiece class over a folder that holds a SentencePiece model, or null. */
export function sentencePieceMismatch(dir: string, r: TokenizerClassResolution): string | null {
  if (r.kind !== 'wordpiece' || !r.sentencepiece_files.length) return null;
  const why =
    r.from === 'model_type'
      ? `model_type ${r.model_type} in config.json`
      : r.from === 'files'
        ? 'no config.json, no tokenizer_class'
        : r.from;
  return (
    `hai: warning: ${dir}: ${r.tokenizer_class} (${why}) reads vocab.txt as WordPiece, ` +
    'but the folder holds the SentencePiece model ' +
    `${r.sentencepiece_files.join(', ')}, which it ignores${r.from === 'files' ? '' : ' (as transformers does)'}; ` +
    "tokenizer_class 'KoBertTokenizer' uses it"
  );
}

const warned = new Set<string>();
/** Prints `sentencePieceMismatch` once per folder and process (a course run loads its tokenizer several times). */
export function warnSentencePieceMismatch(dir: string, r: TokenizerClassResolution): void {
  const w = sentencePieceMismatch(dir, r);
  if (w && !warned.has(dir)) {
    warned.add(dir);
    process.stderr.write(w + '\n');
  }
}
