/**
 * `save_pretrained` for any family's model: config.json and model.safetensors (names and layout as PyTorch's),
 * the tokenizer's files (copied from its folder, or rebuilt from a WordPiece vocabulary in memory) and, when asked,
 * the ONNX export. A folder written here is read back by `AutoModelForSequenceClassification.from_pretrained` and
 * by Python's transformers.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LABELS } from '../data/rows';
import { writeFileAtomic } from '../util/files';
import { writeSafetensors } from './safetensors';
import { TOKENIZER_FILES } from './hubcache';
import { ModelConfig, Params, familyOf, torchStateDict } from './modeling';
import { BertTokenizer, KoBertTokenizer, tokenizerResolution } from '../text/tokenizer';
import { PreTrainedTokenizer } from '../text/pretrainedtokenizer';
import { saveWordPieceTokenizer } from '../text/wordpiece';
import { exportOnnx } from './onnxexport';

/** `{ "0": name0, … }` from a list of names (or a copy of such a map), as config.json's `id2label`. */
export const toLabelMap = (x: string[] | Record<string, string>): Record<string, string> =>
  Array.isArray(x) ? Object.fromEntries(x.map((v, i) => [String(i), v])) : { ...x };

export interface SaveOptions {
  tokenizer?: PreTrainedTokenizer | string;
  /**
   * Also the ONNX export for inference (onnx/model.onnx, and tokenizer.json for WordPiece):
   * src/models/onnxexport.ts.
   */
  onnx?: boolean;
}

/** `save_pretrained` for any family's model: config.json, model.safetensors, tokenizer files. Each file atomically. */
export function savePretrained(
  model: { config: ModelConfig; params: Params },
  dir: string,
  o: SaveOptions = {},
): string[] {
  const family = familyOf(model.config.model_type, 'model config');
  fs.mkdirSync(dir, { recursive: true });
  const n = model.config.num_labels;
  const id2label =
    model.config.id2label &&
    typeof model.config.id2label === 'object' &&
    Object.keys(model.config.id2label).length === n
      ? (model.config.id2label as Record<string, string>)
      : n === LABELS.length
        ? toLabelMap([...LABELS])
        : toLabelMap(Array.from({ length: n }, (_, i) => `LABEL_${i}`));
  const config = {
    ...model.config,
    architectures: [family.architecture],
    model_type: family.model_type,
    num_labels: n,
    id2label,
    label2id: Object.fromEntries(Object.entries(id2label).map(([k, v]) => [v, Number(k)])),
    torch_dtype: 'float32',
  };
  const written = [path.join(dir, 'config.json'), path.join(dir, 'model.safetensors')];
  writeSafetensors(written[1], torchStateDict(model.params, model.config));
  writeFileAtomic(written[0], JSON.stringify(config, null, 2) + '\n');
  if (o.tokenizer !== undefined) written.push(...saveTokenizer(dir, o.tokenizer));
  // With the tokenizer as a folder path, its files were copied; tokenizer.json then comes from that folder
  // (if it has one).
  if (o.onnx)
    written.push(
      ...exportOnnx({ config: { ...model.config, ...config }, params: model.params }, dir, {
        tokenizer: typeof o.tokenizer === 'object' ? o.tokenizer : undefined,
      }),
    );
  return written;
}

function saveTokenizer(dir: string, tok: PreTrainedTokenizer | string): string[] {
  if (typeof tok === 'string') {
    const src = path.resolve(tok);
    const files = TOKENIZER_FILES.filter((f) => fs.existsSync(path.join(src, f)));
    if (!files.length) throw new Error(`${src}: no tokenizer files (${TOKENIZER_FILES.join(', ')})`);
    for (const f of files)
      if (path.resolve(src, f) !== path.resolve(dir, f)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
    return files.map((f) => path.join(dir, f));
  }
  if (tok instanceof KoBertTokenizer) {
    // KoBERT cannot be rebuilt from memory (its SentencePiece model): copy the folder it was read from, and name
    // the class, which that folder may have left to the caller's option.
    const from = tokenizerResolution(tok)?.dir;
    if (!from)
      throw new Error(
        'this KoBertTokenizer was not read from a folder, so its SentencePiece file is unknown: ' +
          'pass its folder path as tokenizer',
      );
    const files = saveTokenizer(dir, from);
    const tc = path.join(dir, 'tokenizer_config.json');
    const config = fs.existsSync(tc) ? JSON.parse(fs.readFileSync(tc, 'utf8')) : {};
    writeFileAtomic(tc, JSON.stringify({ ...config, tokenizer_class: 'KoBertTokenizer' }) + '\n');
    return files.includes(tc) ? files : [...files, tc];
  }
  if (!(tok instanceof BertTokenizer))
    throw new Error('this tokenizer cannot be rebuilt from memory: pass its folder path as tokenizer');
  const vocab: string[] = [];
  for (let i = 0; i < tok.ids_to_tokens.size; i++) {
    const t = tok.ids_to_tokens.get(i);
    if (t === undefined)
      throw new Error(
        `the tokenizer's vocabulary has no id ${i} (repeated vocab.txt lines?): pass its folder path as tokenizer`,
      );
    vocab.push(t);
  }
  const c = tok.config;
  saveWordPieceTokenizer(dir, vocab, {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: c.do_lower_case,
    strip_accents: c.strip_accents,
    tokenize_chinese_chars: c.tokenize_chinese_chars,
    ...(c.normalize_nfc ? { normalize_nfc: true } : {}),
    ...(c.model_max_length !== undefined ? { model_max_length: c.model_max_length } : {}),
  });
  return ['vocab.txt', 'tokenizer_config.json'].map((f) => path.join(dir, f));
}
