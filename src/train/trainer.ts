/**
 * A generic fine-tuning loop, in the manner of minGPT's trainer: nothing here knows which model family it
 * trains. The loop is the course notebook's, step for step: per batch, forward in training mode, the loss,
 * backward, `clip_grad_norm_(1.0)`, AdamW step, linear schedule step; after each epoch, the average training
 * loss and validation accuracy. Notebooks and the CLI own all printing and saving through named callbacks.
 *
 * No host sync happens per step unless a callback asks for the loss (`info.loss()`): the epoch's loss sum
 * stays on the device until the epoch ends.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceClassifier } from '../models/modeling';
import { LossConfig, classificationLoss, lossDefaults } from './losses';
import { AdamW, NO_DECAY_HF, clipGradNorm, linearSchedule } from './optim';
import {
  Batch,
  EncodedLike,
  SamplerKind,
  batchTensors,
  batches,
  groupByLength,
  numBatches,
  rowLengths,
  sampleOrder,
  trimBatch,
} from './batching';

/** What the trainer needs of a model: its parameters and a forward pass (every family in src/models/modeling.ts has it). */
export type Classifier = Pick<SequenceClassifier, 'params' | 'forward'>;

export interface TrainerConfig {
  epochs: number;
  batch_size: number;
  lr: number;
  eps: number;
  weight_decay: number;
  adamw: 'torch' | 'hf';
  /** Parameter-name substrings exempt from weight decay ([] = decay everything, as the course did). */
  no_decay: string[];
  warmup_steps: number;
  max_grad_norm: number;
  sampler: SamplerKind;
  seed: number;
  loss: LossConfig;
  /** Pad each batch (and micro-batch) only to its longest row instead of to the encoding's maxlen. */
  dynamic_padding: boolean;
  /**
   * Hugging Face Trainer's `group_by_length` on top of the sampler's order (pipeline.ts `groupByLength`):
   * batches of rows of similar length, so that dynamic padding has little left to pad. Off by default, as
   * the course ran; course.ts turns it on for every config that is not one of the original presets.
   */
  group_by_length: boolean;
  /**
   * Split each batch into micro-batches of this size and accumulate their gradients before the one optimiser
   * step (0: no split). The step is the same as on the whole batch (each micro-batch's loss is weighted by its
   * share of the batch's loss denominator); only memory changes, which is what the wasm heap needs.
   */
  micro_batch_size: number;
  /** Recompute encoder layers in the backward pass instead of storing their activations (memory for time). */
  activation_checkpointing: boolean;
  /**
   * With `activation_checkpointing`, micro-batches of fewer tokens than this (rows × padded width) store their
   * activations instead (0: checkpoint all). With dynamic padding most micro-batches are short and fit the heap
   * as they are, so they skip the extra forward pass; checkpointing gives the same gradients either way.
   */
  checkpoint_min_tokens: number;
  /** Validation batch size; 0 = batch_size, as the original (its mean of per-batch accuracies depends on it). */
  eval_batch_size: number;
}

let defaultSeed = 42;
/**
 * The seed every later config takes by default (trainer, course runs): samplers, dropout masks and new head
 * weights all derive from it, so the same config twice on the same backend gives the same numbers (tested on
 * wasm and cpu). tfjs has no global random state to seed; every random op here takes an explicit seed.
 * Not deterministic: tfjs-node-gpu, whose CUDA/cuDNN reductions may sum in a different order each run.
 */
export function setSeed(n: number): void {
  if (!Number.isInteger(n)) throw new Error(`setSeed: expected an integer, got ${n}`);
  defaultSeed = n;
}
export const currentSeed = () => defaultSeed;

/** The course's settings: transformers.AdamW(lr, eps) without decay, no warmup, clip 1.0, seed 42. */
export function trainerDefaults(o: Partial<TrainerConfig> = {}): TrainerConfig {
  return {
    epochs: 1,
    batch_size: 32,
    lr: 2e-5,
    eps: 1e-8,
    weight_decay: 0,
    adamw: 'hf',
    no_decay: [],
    warmup_steps: 0,
    max_grad_norm: 1.0,
    sampler: 'sequential',
    seed: defaultSeed,
    loss: lossDefaults(),
    dynamic_padding: false,
    group_by_length: false,
    micro_batch_size: 0,
    activation_checkpointing: false,
    checkpoint_min_tokens: 0,
    eval_batch_size: 0,
    ...o,
  };
}
export { NO_DECAY_HF };

export interface StepInfo {
  epoch: number;
  step: number;
  epochSteps: number;
  globalStep: number;
  totalSteps: number;
  lr: number;
  loss: () => number;
  gradNorm: () => number;
}
export interface EvalResult {
  n: number;
  accuracy: number;
  /** The original notebook's number: the mean of per-batch accuracies (differs when the last batch is short). */
  mean_batch_accuracy: number;
  macro_f1: number;
  per_class: { label: number; precision: number; recall: number; f1: number; support: number }[];
  /** confusion[true][pred] */
  confusion: number[][];
}
export interface EpochInfo {
  epoch: number;
  train_loss: number;
  valid: EvalResult | null;
  seconds: number;
  /** Mean length each training example was padded to (the model's work per example): maxlen without dynamic padding. */
  mean_padded_length?: number;
}
export interface Callbacks {
  onStepEnd?: (s: StepInfo) => void | Promise<void>;
  onEpochEnd?: (e: EpochInfo) => void | Promise<void>;
}

/** Accuracy, macro-F1, per-class precision/recall and the confusion matrix from predictions. */
export function classificationMetrics(
  labels: number[],
  preds: number[],
  numLabels: number,
  batchSize = labels.length,
): EvalResult {
  const confusion = Array.from({ length: numLabels }, () => new Array(numLabels).fill(0));
  labels.forEach((y, i) => confusion[y][preds[i]]++);
  const per_class = confusion.map((row, c) => {
    const tp = row[c],
      support = row.reduce((a, b) => a + b, 0),
      predicted = confusion.reduce((a, r) => a + r[c], 0);
    const precision = predicted ? tp / predicted : 0,
      recall = support ? tp / support : 0;
    return {
      label: c,
      precision,
      recall,
      f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
      support,
    };
  });
  const batchAcc: number[] = [];
  for (let s = 0; s < labels.length; s += batchSize) {
    const idx = labels.slice(s, s + batchSize);
    batchAcc.push(idx.filter((y, j) => preds[s + j] === y).length / idx.length);
  }
  const present = per_class.filter((c) => c.support > 0 || confusion.some((r) => r[c.label] > 0));
  return {
    n: labels.length,
    accuracy: labels.length ? labels.filter((y, i) => preds[i] === y).length / labels.length : 0,
    mean_batch_accuracy: batchAcc.length ? batchAcc.reduce((a, b) => a + b, 0) / batchAcc.length : 0,
    macro_f1: present.length ? present.reduce((a, c) => a + c.f1, 0) / present.length : 0,
    per_class,
    confusion,
  };
}

/**
 * The original notebook's line, as its saved output printed it: `Epoch 0,  Average training loss: 0.7127 , Validation
 * accuracy : 0.1751` (two spaces after the first comma; the slide text collapsed them to one).
 */
export const formatEpochLine = (e: EpochInfo) =>
  `Epoch ${e.epoch},  Average training loss: ${e.train_loss.toFixed(4)} , Validation accuracy : ${(e.valid?.mean_batch_accuracy ?? NaN).toFixed(4)}`;

/**
 * How inference batches are formed. Neither option changes a result, since padding is masked and every row
 * is computed on its own; both only save time, so both are on by default.
 * - `dynamic_padding`: cut each batch to its longest row instead of running the encoding's maxlen.
 * - `sort_by_length`: batch rows of similar length together (results come back in the input order).
 */
export interface PredictOptions {
  dynamic_padding: boolean;
  sort_by_length: boolean;
}
export const predictDefaults = (o: Partial<PredictOptions> = {}): PredictOptions => ({
  dynamic_padding: true,
  sort_by_length: true,
  ...o,
});

/**
 * Streams eval-mode predictions: one batch on the device at a time (dynamic padding, length-sorted by default),
 * `onBatch(rows, probs, logits)` with the rows' input indices and their `[rows × labels]` numbers on the host.
 */
export function forEachPrediction(
  model: Classifier,
  enc: EncodedLike,
  batchSize: number,
  opts: Partial<PredictOptions>,
  onBatch: (rows: number[], probs: Float32Array, logits: Float32Array) => void,
): void {
  const o = predictDefaults(opts);
  const order = Array.from({ length: enc.labels.length }, (_, i) => i);
  if (o.sort_by_length) {
    const len = rowLengths(enc);
    order.sort((a, b) => len[b] - len[a]);
  }
  let at = 0;
  for (const b of batches(enc, order, batchSize, o.dynamic_padding)) {
    const out = tf.tidy(() => {
      const t = batchTensors(b);
      const z = model.forward(t.ids, t.mask, { training: false });
      return [z, tf.softmax(z)];
    });
    const [zs, ps] = out.map((x) => x.dataSync() as Float32Array);
    tf.dispose(out);
    onBatch(order.slice(at, at + b.labels.length), ps, zs);
    at += b.labels.length;
  }
}

/** The highest probability's label in each row of a `[rows × k]` block (the first on ties, as `indexOf(max)`). */
function argmaxRows(p: Float32Array, rows: number, out: (j: number, label: number) => void): void {
  const k = p.length / rows;
  for (let j = 0; j < rows; j++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[j * k + c] > p[j * k + best]) best = c;
    out(j, best);
  }
}

/** Predicted labels, probabilities and logits for every example, in the input order, in eval mode (no dropout). */
export function predict(
  model: Classifier,
  enc: EncodedLike,
  batchSize = 64,
  opts: Partial<PredictOptions> = {},
): { preds: number[]; probs: number[][]; logits: number[][] } {
  const n = enc.labels.length;
  const preds: number[] = new Array(n),
    probs: number[][] = new Array(n),
    logits: number[][] = new Array(n);
  forEachPrediction(model, enc, batchSize, opts, (rows, ps, zs) => {
    const k = ps.length / rows.length;
    rows.forEach((i, j) => {
      probs[i] = Array.from(ps.subarray(j * k, (j + 1) * k));
      logits[i] = Array.from(zs.subarray(j * k, (j + 1) * k));
    });
    argmaxRows(ps, rows.length, (j, c) => {
      preds[rows[j]] = c;
    });
  });
  return { preds, probs, logits };
}

/** Metrics on an encoding; keeps only the predicted labels (440k validation rows need no logits kept anywhere). */
export function evaluate(
  model: Classifier,
  enc: EncodedLike,
  numLabels: number,
  batchSize = 64,
  opts: Partial<PredictOptions> = {},
): EvalResult {
  const preds: number[] = new Array(enc.labels.length);
  forEachPrediction(model, enc, batchSize, opts, (rows, ps) =>
    argmaxRows(ps, rows.length, (j, c) => {
      preds[rows[j]] = c;
    }),
  );
  return classificationMetrics(enc.labels, preds, numLabels, batchSize);
}

export class Trainer {
  readonly cfg: TrainerConfig;
  readonly history: EpochInfo[] = [];
  constructor(
    private model: Classifier,
    private train: EncodedLike,
    private valid: EncodedLike | null,
    cfg: Partial<TrainerConfig> = {},
    private callbacks: Callbacks = {},
    private numLabels = 4,
  ) {
    this.cfg = trainerDefaults(cfg);
    if (!train.labels.length) throw new Error('no training examples');
  }

  async fit(): Promise<EpochInfo[]> {
    const c = this.cfg;
    const perEpoch = numBatches(this.train.labels.length, c.batch_size);
    const totalSteps = perEpoch * c.epochs;
    const schedule = linearSchedule(totalSteps, c.warmup_steps);
    const opt = new AdamW(this.model.params, {
      lr: c.lr,
      eps: c.eps,
      weight_decay: c.weight_decay,
      variant: c.adamw,
      no_decay: c.no_decay,
    });
    const trainable = [...this.model.params.values()].filter((v) => v.trainable);
    const names = new Map(trainable.map((v) => [v.name, [...this.model.params].find(([, p]) => p === v)![0]]));
    const lossSum = tf.tidy(() => tf.variable(tf.scalar(0), false));
    const lengths = c.group_by_length ? rowLengths(this.train) : [];
    let globalStep = 0;
    try {
      for (let epoch = 0; epoch < c.epochs; epoch++) {
        const t0 = performance.now();
        tf.tidy(() => lossSum.assign(tf.scalar(0)));
        let order = sampleOrder(this.train.labels, c.sampler, c.seed, epoch);
        if (c.group_by_length) order = groupByLength(order, lengths, c.batch_size);
        let step = 0,
          padded = 0;
        for (const b of batches(this.train, order, c.batch_size, c.dynamic_padding)) {
          const lr = c.lr * schedule(globalStep);
          const { loss, norm, tokens } = this.step(b, trainable, names, opt, lr, c.seed * 7919 + globalStep * 97);
          padded += tokens;
          tf.tidy(() => lossSum.assign(tf.add(lossSum, loss)));
          if (this.callbacks.onStepEnd) {
            // webgpu cannot read synchronously under Node: read both scalars now, only when a callback may print them.
            const got = tf.getBackend() === 'webgpu' ? await Promise.all([loss.data(), norm.data()]) : null;
            await this.callbacks.onStepEnd({
              epoch,
              step,
              epochSteps: perEpoch,
              globalStep,
              totalSteps,
              lr,
              loss: () => (got ? got[0][0] : loss.dataSync()[0]),
              gradNorm: () => (got ? got[1][0] : norm.dataSync()[0]),
            });
          }
          tf.dispose([loss, norm]);
          step++;
          globalStep++;
        }
        const train_loss = (await lossSum.data())[0] / perEpoch;
        const valid = this.valid
          ? evaluate(this.model, this.valid, this.numLabels, c.eval_batch_size || c.batch_size)
          : null;
        const info: EpochInfo = {
          epoch,
          train_loss,
          valid,
          seconds: (performance.now() - t0) / 1000,
          mean_padded_length: padded / order.length,
        };
        this.history.push(info);
        await this.callbacks.onEpochEnd?.(info);
      }
    } finally {
      opt.dispose();
      lossSum.dispose();
    }
    return this.history;
  }

  /**
   * One optimiser step on batch `b`, through micro-batches when configured (each cut to its own longest row
   * with dynamic padding). Returns the loss, the grad norm and the tokens fed (rows × padded width).
   */
  private step(
    b: Batch,
    trainable: tf.Variable[],
    names: Map<string, string>,
    opt: AdamW,
    lr: number,
    seed: number,
  ): { loss: tf.Scalar; norm: tf.Scalar; tokens: number } {
    const c = this.cfg;
    // Each loss is a mean over Σ w[y] (w = class weights, or 1; focal is a plain mean), so a micro-batch's
    // share of the batch loss is its own Σ w[y] over the batch's.
    const w = (y: number) => (c.loss.kind !== 'focal' && c.loss.class_weights ? c.loss.class_weights[y] : 1);
    const total = b.labels.reduce((a, y) => a + w(y), 0);
    let acc: Record<string, tf.Tensor> | null = null;
    let loss: tf.Scalar = tf.scalar(0);
    let tokens = 0;
    const n = b.labels.length;
    const m = c.micro_batch_size > 0 && c.micro_batch_size < n ? c.micro_batch_size : n;
    for (let s = 0; s < n; s += m) {
      let part: Batch = {
        input_ids: b.input_ids.slice(s, s + m),
        attention_mask: b.attention_mask.slice(s, s + m),
        labels: b.labels.slice(s, s + m),
      };
      // Cut each micro-batch again: on a length-grouped batch, sorted longest first, later ones are much shorter.
      if (c.dynamic_padding) part = trimBatch(part);
      const partTokens = part.labels.length * part.input_ids[0].length;
      tokens += partTokens;
      const checkpoint = c.activation_checkpointing && partTokens >= c.checkpoint_min_tokens;
      const share = part.labels.reduce((a, y) => a + w(y), 0) / total;
      const { value, grads } = tf.tidy(() => {
        const t = batchTensors(part);
        return tf.variableGrads(
          () =>
            tf.mul(
              classificationLoss(
                this.model.forward(t.ids, t.mask, { training: true, seed: seed + s, checkpoint }),
                t.labels,
                c.loss,
              ),
              share,
            ) as tf.Scalar,
          trainable,
        );
      });
      const next: Record<string, tf.Tensor> = {};
      for (const [vn, g] of Object.entries(grads)) {
        const name = names.get(vn)!;
        next[name] = acc ? tf.add(acc[name], g) : g;
        if (acc) {
          acc[name].dispose();
          g.dispose();
        }
      }
      acc = next;
      const l = tf.add(loss, value) as tf.Scalar;
      tf.dispose([loss, value]);
      loss = l;
    }
    const { grads: clipped, norm } = clipGradNorm(acc!, c.max_grad_norm);
    opt.step(clipped, lr);
    tf.dispose([...Object.values(acc!), ...Object.values(clipped)]);
    return { loss, norm, tokens };
  }
}
