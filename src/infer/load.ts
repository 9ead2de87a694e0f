/**
 * Loading a saved classifier for inference: the model and the tokenizer saved with it, and the settings it was
 * trained with (`training_args.json`: maxlen, encoding), so a checkpoint is encoded exactly as it was trained.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LABELS, Row } from '../data/rows';
import { AutoModelForSequenceClassification } from '../models/automodel';
import { AutoTokenizer } from '../models/autotokenizer';
import { PreTrainedTokenizer, courseEncode } from '../text/pretrainedtokenizer';
import { EncodingKind } from '../text/ragged';
import { Encoded } from './batches';

/** Loads a model and the tokenizer that came with it (same folder). */
export async function loadModelAndTokenizer(
  ckpt: string,
  o: { standin?: boolean; seed?: number; tokenizer_class?: string | null } = {},
) {
  const model = await AutoModelForSequenceClassification.from_pretrained(ckpt, {
    num_labels: LABELS.length,
    standin: o.standin,
    seed: o.seed,
  });
  const tokenizer = await AutoTokenizer.from_pretrained(
    model.report?.dir ?? ckpt,
    o.tokenizer_class ? { tokenizer_class: o.tokenizer_class } : {},
  );
  return { model, tokenizer };
}

/** What inference reads of a checkpoint's `training_args.json` (the rest is the course's: src/course/config.ts). */
export interface SavedArgs {
  maxlen?: number;
  encoding?: EncodingKind;
  [field: string]: unknown;
}

/** Reads the training settings a checkpoint was saved with (maxlen, encoding), if any; a bad file is named. */
export function trainingArgs(dir: string): SavedArgs {
  const f = path.join(dir, 'training_args.json');
  if (!fs.existsSync(f)) return {};
  try {
    return JSON.parse(fs.readFileSync(f, 'utf8')) as SavedArgs;
  } catch (e) {
    throw new Error(`${f}: not valid JSON (${(e as Error).message})`);
  }
}

/** Rows as the padded encoding the course trains on (`course`: [CLS] text [SEP], pad 0) or the tokenizer's call. */
export function encodeRows(
  tok: PreTrainedTokenizer,
  rows: Row[],
  maxlen: number,
  encoding: EncodingKind = 'course',
): Encoded {
  const texts = rows.map((r) => r.contents);
  const e =
    encoding === 'course'
      ? courseEncode(tok, texts, maxlen)
      : tok.encodeBatch(texts, { max_length: maxlen, padding: 'max_length', truncation: true });
  return { input_ids: e.input_ids, attention_mask: e.attention_mask, labels: rows.map((r) => r.label) };
}

/** A label's name: the checkpoint's `id2label`, else the course's LABELS (label i is LABELS[i]: no off-by-one). */
export function labelName(label: number, id2label?: unknown): string {
  const names = (id2label ?? {}) as Record<string, unknown>;
  const own = Object.prototype.hasOwnProperty.call(names, String(label)) ? names[String(label)] : undefined;
  return typeof own === 'string' ? own : (LABELS[label] ?? String(label));
}
