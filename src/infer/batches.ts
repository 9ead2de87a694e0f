/**
 * Encodings as batches, for inference and training alike: the padded and ragged encodings (src/text/ragged.ts),
 * each row's attended length, batches in a given order cut to their longest row ("dynamic padding": padding is
 * masked, so only the time changes), and the int32 tensors of a batch. The samplers that choose a training
 * order live in src/train/batching.ts.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import { RaggedEncoding } from '../text/ragged';

/** Token ids padded/truncated to one length, their attention masks, and labels. */
export interface Encoded {
  input_ids: number[][];
  attention_mask: number[][];
  labels: number[];
}
/**
 * What the trainer, `predict` and `batches` take: the padded form, or the ragged one (src/text/ragged.ts: typed
 * arrays, padded per batch) that the course runs use; both give the same batches.
 */
export type EncodedLike = Encoded | RaggedEncoding;
export interface Batch {
  input_ids: number[][];
  attention_mask: number[][];
  labels: number[];
}
/** Each row's attended length: the position after its last attended token (what dynamic padding cuts to). */
export const rowLengths = (enc: Pick<Encoded, 'attention_mask'> | RaggedEncoding): number[] =>
  enc instanceof RaggedEncoding ? enc.lengths() : enc.attention_mask.map((m) => m.lastIndexOf(1) + 1);

/** The batch cut to its longest attended row (padding is masked, so only the time changes). */
export function trimBatch(b: Batch): Batch {
  const len = Math.max(1, ...rowLengths(b));
  if (len === b.input_ids[0]?.length) return b;
  return {
    input_ids: b.input_ids.map((r) => r.slice(0, len)),
    attention_mask: b.attention_mask.map((r) => r.slice(0, len)),
    labels: b.labels,
  };
}

/**
 * Batches in `order`; with `dynamicPadding`, each batch is cut to its longest attended row. A ragged encoding is
 * padded here, batch by batch, to its `maxlen` (static) or to the batch's longest row: the same batches.
 */
export function* batches(
  enc: EncodedLike,
  order: number[],
  batchSize: number,
  dynamicPadding = false,
): Generator<Batch> {
  for (let s = 0; s < order.length; s += batchSize) {
    const idx = order.slice(s, s + batchSize);
    if (enc instanceof RaggedEncoding) {
      yield enc.batch(idx, dynamicPadding ? null : enc.maxlen);
      continue;
    }
    const b: Batch = {
      input_ids: idx.map((i) => enc.input_ids[i]),
      attention_mask: idx.map((i) => enc.attention_mask[i]),
      labels: idx.map((i) => enc.labels[i]),
    };
    yield dynamicPadding ? trimBatch(b) : b;
  }
}

export const numBatches = (n: number, batchSize: number) => Math.ceil(n / batchSize);

/** int32 tensors for a batch (the caller disposes them). */
export function batchTensors(b: Batch): { ids: tf.Tensor2D; mask: tf.Tensor2D; labels: tf.Tensor1D } {
  return {
    ids: tf.tensor2d(b.input_ids, [b.input_ids.length, b.input_ids[0].length], 'int32'),
    mask: tf.tensor2d(b.attention_mask, [b.attention_mask.length, b.attention_mask[0].length], 'int32'),
    labels: tf.tensor1d(b.labels, 'int32'),
  };
}
