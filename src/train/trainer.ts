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
import { Batch, EncodedLike, batchTensors, batches, numBatches, rowLengths, trimBatch } from '../infer/batches';
import { EvalResult } from '../infer/metrics';
import { ExportableModel, graphLogits, graphProblem } from '../infer/graph';
import { LogitsModel, evaluate, tfjsLogits } from '../infer/predict';
import { SamplerKind, groupByLength, microBatches, sampleOrder } from './batching';
import { currentSeed } from './seed';

/**
 * What the trainer needs of a model: its parameters and a forward pass (every family in src/models/modeling.ts has
 * it).
 */
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
  /** Also cap micro-batches at this many rows × padded width (0: no cap; train/batching.ts `microBatches`). */
  micro_batch_tokens: number;
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
  /**
   * Validate through the model's weights as an in-memory ONNX graph (src/infer/graph.ts: the exported-graph speed,
   * the same predictions); null: where onnxruntime-node loads, the family exports, the backend is wasm or cpu (a
   * GPU backend is faster as it is) and there are at least GRAPH_EVAL_MIN_ROWS validation rows (below that, building
   * the graph costs more than it saves).
   */
  eval_graph: boolean | null;
}

export const GRAPH_EVAL_MIN_ROWS = 2048;

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
    seed: currentSeed(),
    loss: lossDefaults(),
    dynamic_padding: false,
    group_by_length: false,
    micro_batch_size: 0,
    micro_batch_tokens: 0,
    activation_checkpointing: false,
    checkpoint_min_tokens: 0,
    eval_batch_size: 0,
    eval_graph: null,
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

/**
 * What validation runs through: the model's weights as an in-memory ONNX graph where `eval_graph` says so, else the
 * model itself (read asynchronously on WebGPU). `planTraining` times the same.
 */
export async function validationModel(model: Classifier, c: TrainerConfig, rows: number): Promise<LogitsModel> {
  const m = model as Classifier & Partial<ExportableModel>;
  const graph =
    c.eval_graph ??
    (['wasm', 'cpu'].includes(tf.getBackend()) && rows >= GRAPH_EVAL_MIN_ROWS && graphProblem(m) === null);
  return graph ? graphLogits(m as ExportableModel) : tfjsLogits(model);
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
        const valid = this.valid ? await this.validate(this.valid) : null;
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

  /** Validation metrics, through the in-memory graph when `eval_graph` says so (same predictions, faster). */
  private async validate(valid: EncodedLike): Promise<EvalResult> {
    const c = this.cfg;
    const m = await validationModel(this.model, c, valid.labels.length);
    return evaluate(m, valid, this.numLabels, c.eval_batch_size || c.batch_size);
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
    const width = c.dynamic_padding ? null : (b.input_ids[0]?.length ?? 1);
    for (const [s, e] of microBatches(rowLengths(b), c.micro_batch_size, c.micro_batch_tokens, width)) {
      let part: Batch = {
        input_ids: b.input_ids.slice(s, e),
        attention_mask: b.attention_mask.slice(s, e),
        labels: b.labels.slice(s, e),
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
