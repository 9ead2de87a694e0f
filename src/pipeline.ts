/**
 * From encoded texts to training batches: the samplers the course compares (sequential over a label-sorted
 * table, random, class-balanced) and batching, with the option beyond the course of padding each batch only
 * to its longest row ("dynamic padding") instead of to `maxlen`.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import { rng } from './inspect';

/** Token ids padded/truncated to one length, their attention masks, and labels. */
export interface Encoded { input_ids: number[][]; attention_mask: number[][]; labels: number[] }
export interface Batch { input_ids: number[][]; attention_mask: number[][]; labels: number[] }
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
    for (let i = n - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
    return order;
  }
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const cum: number[] = [];
  let total = 0;
  for (const l of labels) { total += 1 / counts.get(l)!; cum.push(total); }
  return order.map(() => {
    const x = rand() * total;
    let lo = 0, hi = n - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid] < x) lo = mid + 1; else hi = mid; }
    return lo;
  });
}

/** Batches in `order`; with `dynamicPadding`, each batch is cut to its longest attended row. */
export function* batches(enc: Encoded, order: number[], batchSize: number, dynamicPadding = false): Generator<Batch> {
  for (let s = 0; s < order.length; s += batchSize) {
    const idx = order.slice(s, s + batchSize);
    let ids = idx.map((i) => enc.input_ids[i]);
    let mask = idx.map((i) => enc.attention_mask[i]);
    if (dynamicPadding) {
      const len = Math.max(1, ...mask.map((m) => m.lastIndexOf(1) + 1));
      ids = ids.map((r) => r.slice(0, len));
      mask = mask.map((r) => r.slice(0, len));
    }
    yield { input_ids: ids, attention_mask: mask, labels: idx.map((i) => enc.labels[i]) };
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
