/**
 * `tokenizer.json`, the Hugging Face *fast* tokenizer file, for a WordPiece `BertTokenizer`: what transformers.js
 * (and Python's `PreTrainedTokenizerFast`) read beside an ONNX export. The pipeline is the one `BertTokenizerFast`
 * writes: BertNormalizer (clean text, space out CJK ideographs, lower-case / strip accents as configured),
 * BertPreTokenizer, WordPiece with `##`, and TemplateProcessing `[CLS] A [SEP]` (`[CLS] A [SEP] B [SEP]`, type ids 0
 * then 1), the special tokens as added tokens.
 *
 * The fast pipeline is not identical to the slow tokenizer this kit runs (src/text/wordpiece.ts says where
 * transformers.js differs: no NFC step, astral CJK, accents outside U+0300–U+036F, final sigma); on NFC Korean text
 * they give the same ids, which test/text/tokenizer.test.ts checks over the course corpus.
 *
 * Introduced in notebooks/06_inference.ipynb (serving the trained model; docs/models.md "Exporting to ONNX").
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../util/files';
import { BertTokenizer } from './tokenizer';
import { PreTrainedTokenizer } from './pretrainedtokenizer';

/** The tokenizer.json object of a WordPiece tokenizer; an error names what the fast format cannot express. */
export function tokenizerJson(tok: PreTrainedTokenizer): Record<string, unknown> {
  if (!(tok instanceof BertTokenizer)) {
    throw new Error(
      `tokenizer.json is written for WordPiece tokenizers only; ${tok.constructor.name} (KoBERT's SentencePiece) ` +
        'has none: transformers.js cannot load it',
    );
  }
  const c = tok.config;
  if (!c.do_basic_tokenize)
    throw new Error('tokenizer.json: do_basic_tokenize false has no BertNormalizer/BertPreTokenizer equivalent');
  if (c.never_split.length)
    throw new Error(`tokenizer.json: never_split (${c.never_split.join(', ')}) has no fast-tokenizer equivalent`);
  const id = (t: string) => {
    const i = tok.vocab.get(t);
    if (i === undefined) throw new Error(`tokenizer.json: the special token ${t} is not in vocab.txt`);
    return i;
  };
  const vocab: Record<string, number> = {};
  for (const [t, i] of tok.vocab) vocab[t] = i;
  const cls = c.cls_token,
    sep = c.sep_token;
  const special = (t: string, type_id: number) => ({ SpecialToken: { id: t, type_id } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: tok.all_special_tokens
      .filter((t) => tok.vocab.has(t))
      .map((t) => ({
        id: id(t),
        content: t,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      }))
      .sort((a, b) => a.id - b.id),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: c.tokenize_chinese_chars,
      strip_accents: c.strip_accents,
      lowercase: c.do_lower_case,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special(cls, 0), { Sequence: { id: 'A', type_id: 0 } }, special(sep, 0)],
      pair: [
        special(cls, 0),
        { Sequence: { id: 'A', type_id: 0 } },
        special(sep, 0),
        { Sequence: { id: 'B', type_id: 1 } },
        special(sep, 1),
      ],
      special_tokens: Object.fromEntries([cls, sep].map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: c.unk_token,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: c.max_input_chars_per_word,
      vocab,
    },
  };
}

/** Writes `dir/tokenizer.json` atomically; returns its path. */
export function saveTokenizerJson(dir: string, tok: PreTrainedTokenizer): string {
  const file = path.join(dir, 'tokenizer.json');
  writeFileAtomic(file, JSON.stringify(tokenizerJson(tok)) + '\n');
  return file;
}
