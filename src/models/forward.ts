/**
 * `hai forward`: one batch through a model in eval mode (no dropout), as plain JSON, so any other program
 * (or Python, to compare) can check the numbers. Input `{"input_ids": [[…]], "attention_mask"?: [[…]],
 * "token_type_ids"?: [[…]]}` (the tokenizer's batch output); output
 * `{"logits": [[…]], "last_hidden_state": [[[…]]]}`.
 * A missing attention mask means all ones, as in transformers. Everything is checked before the model
 * runs: ids beyond the vocabulary would silently read zeros in tfjs where PyTorch raises.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { writeFileAtomic } from '../util/files';
import { AutoModelForSequenceClassification, FromPretrainedOptions } from './automodel';
import type { ForwardOutput, ModelConfig, ForwardOptions } from './modeling';

export interface ForwardBatchInput {
  input_ids: number[][];
  attention_mask?: number[][];
  token_type_ids?: number[][];
}
export interface ForwardBatchOutput {
  logits: number[][];
  last_hidden_state: number[][][];
}
export interface ForwardModel {
  config: ModelConfig;
  forwardWithHidden(ids: tf.Tensor2D, mask: tf.Tensor2D, opts?: ForwardOptions): ForwardOutput;
}

function matrix(
  name: string,
  x: unknown,
  rows: number | null,
  cols: number | null,
  ok: (v: number) => boolean,
  what: string,
): number[][] {
  if (!Array.isArray(x) || x.length === 0 || !x.every(Array.isArray))
    throw new Error(`${name} must be a non-empty array of rows (arrays of integers)`);
  const m = x as unknown[][];
  if (rows !== null && m.length !== rows) throw new Error(`${name} has ${m.length} rows, input_ids has ${rows}`);
  const width = cols ?? m[0].length;
  if (width === 0) throw new Error(`${name}: rows are empty`);
  m.forEach((r, i) => {
    if (r.length !== width)
      throw new Error(
        `${name}: row ${i} has ${r.length} entries, expected ${width}` +
          (cols === null ? ' (pad the batch)' : ' (as input_ids)'),
      );
    r.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || !ok(v))
        throw new Error(`${name}[${i}][${j}] = ${JSON.stringify(v)}: ${what}`);
    });
  });
  return m as number[][];
}

/** Logits and last hidden state of one batch, eval mode, as nested arrays. */
export function forwardBatch(model: ForwardModel, batch: ForwardBatchInput): ForwardBatchOutput {
  const c = model.config;
  if (!batch || typeof batch !== 'object') throw new Error('the batch must be a JSON object with input_ids');
  const V = Number(c.vocab_size);
  const ids = matrix(
    'input_ids',
    batch.input_ids,
    null,
    null,
    (v) => v >= 0 && v < V,
    `ids must be in 0..${V - 1} (vocab_size ${V})`,
  );
  const B = ids.length,
    T = ids[0].length;
  const mask =
    batch.attention_mask === undefined
      ? ids.map((r) => r.map(() => 1))
      : matrix('attention_mask', batch.attention_mask, B, T, (v) => v === 0 || v === 1, 'must be 0 or 1');
  let types: number[][] | undefined;
  if (batch.token_type_ids !== undefined) {
    if (c.model_type === 'distilbert') {
      const t = matrix('token_type_ids', batch.token_type_ids, B, T, () => true, '');
      if (t.some((r) => r.some((v) => v !== 0)))
        throw new Error('token_type_ids: DistilBERT has no token type embeddings; leave them out (or all 0)');
    } else {
      const TV = Number(c.type_vocab_size);
      types = matrix(
        'token_type_ids',
        batch.token_type_ids,
        B,
        T,
        (v) => v >= 0 && v < TV,
        `must be in 0..${TV - 1} (type_vocab_size ${TV})`,
      );
    }
  }
  const t2 = (m: number[][]) => tf.tensor2d(Int32Array.from(m.flat()), [B, T], 'int32');
  const [logits, hidden] = tf.tidy(() => {
    const out = model.forwardWithHidden(t2(ids), t2(mask), {
      training: false,
      tokenTypeIds: types ? t2(types) : undefined,
    });
    return [out.logits, out.last_hidden_state];
  });
  try {
    return { logits: logits.arraySync() as number[][], last_hidden_state: hidden.arraySync() as number[][][] };
  } finally {
    tf.dispose([logits, hidden]);
  }
}

export interface ForwardFileOptions extends FromPretrainedOptions {
  model: string;
  input: string;
  output?: string;
}

/**
 * What `hai forward --model <dir|id> --input batch.json [--output out.json]` does: loads the model (load
 * notes and stand-in banners go to stderr), runs the batch, writes `output` atomically when given, and
 * returns the JSON text (for the CLI to print when there is no `--output`).
 */
export async function forwardFile(o: ForwardFileOptions): Promise<string> {
  let batch: ForwardBatchInput;
  try {
    batch = JSON.parse(fs.readFileSync(o.input, 'utf8'));
  } catch (e) {
    throw new Error(`${o.input}: ${(e as Error).message}`);
  }
  await initBackend();
  const model = await AutoModelForSequenceClassification.from_pretrained(o.model, o);
  try {
    let out: ForwardBatchOutput;
    try {
      out = forwardBatch(model, batch);
    } catch (e) {
      throw new Error(`${o.input}: ${(e as Error).message}`);
    }
    const text = JSON.stringify(out) + '\n';
    if (o.output) writeFileAtomic(o.output, text);
    return text;
  } finally {
    model.dispose();
  }
}
