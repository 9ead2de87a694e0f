/**
 * From encoded texts to training batches: the samplers the course compares (sequential over a label-sorted
 * table, random, class-balanced) and batching, with two options beyond the course: padding each batch only
 * to its longest row ("dynamic padding") instead of to `maxlen`, and grouping rows of similar length into
 * the same batch (Hugging Face Trainer's `group_by_length`). The course's utterances are short (a median of
 * about 20 characters) while the tuned run pads every row to 256 tokens, so most of its compute multiplies
 * padding; together the two options cut each batch to roughly its real length.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import { rng } from '../util/random';
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
export type SamplerKind = 'sequential' | 'random' | 'weighted';

/**
 * The order of one epoch's examples.
 * - `sequential`: 0..n-1, as torch's SequentialSampler (on a label-sorted table: long runs of one label).
 * - `random`: a fresh seeded permutation per epoch, as torch's RandomSampler.
 * - `weighted`: n draws with replacement, each example weighted 1 / (its label's count), so every label is
 *   drawn equally often on average (torch's WeightedRandomSampler with those weights).
 */
export function sampleOrder(labels: number[], kind: SamplerKind, seed: number, epoch = 0): number[] {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i);
  if (kind === 'sequential') return order;
  const rand = rng(seed * 1000003 + epoch);
  if (kind === 'random') {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const cum: number[] = [];
  let total = 0;
  for (const l of labels) {
    total += 1 / counts.get(l)!;
    cum.push(total);
  }
  return order.map(() => {
    const x = rand() * total;
    let lo = 0,
      hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
}

/** Each row's attended length: the position after its last attended token (what dynamic padding cuts to). */
export const rowLengths = (enc: Pick<Encoded, 'attention_mask'> | RaggedEncoding): number[] =>
  enc instanceof RaggedEncoding ? enc.lengths() : enc.attention_mask.map((m) => m.lastIndexOf(1) + 1);

/**
 * Hugging Face Trainer's `group_by_length` (transformers' `get_length_grouped_indices`, behind its
 * LengthGroupedSampler), applied to a sampler's `order`: the order is cut into mega-batches of
 * `megaBatchMult · batchSize` examples, each sorted by length, longest first (stable, so ties keep the
 * sampler's order), and the longest example of all is swapped to the very front, so the first batch is the
 * most expensive one and an out-of-memory error comes at step 1 rather than hours in. On a `random` order
 * this is HF's sampler exactly: the mega-batches keep batches in a random order between epochs while the
 * batches inside one hold rows of similar length, so dynamic padding cuts little real text.
 *
 * `megaBatchMult` defaults as in transformers: 50, or fewer so that there are at least 4 mega-batches (at
 * least 1). With batch 256 on the 3,069-row course table that is 2 (mega-batches of 512 rows). Deterministic:
 * the same order gives the same result, so it is seeded and per-epoch through the sampler.
 */
export function groupByLength(order: number[], lengths: number[], batchSize: number, megaBatchMult?: number): number[] {
  const mult = megaBatchMult ?? Math.max(1, Math.min(Math.floor(order.length / (batchSize * 4)), 50));
  const size = mult * batchSize;
  const megas: number[][] = [];
  for (let s = 0; s < order.length; s += size)
    megas.push(order.slice(s, s + size).sort((a, b) => lengths[b] - lengths[a]));
  if (!megas.length) return [];
  let longest = 0;
  megas.forEach((m, i) => {
    if (lengths[m[0]] > lengths[megas[longest][0]]) longest = i;
  });
  [megas[0][0], megas[longest][0]] = [megas[longest][0], megas[0][0]];
  return megas.flat();
}

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
