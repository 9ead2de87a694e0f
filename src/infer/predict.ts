/**
 * Inference, in the manner of transformers.js's `pipeline('text-classification')`: the one loop that turns an
 * encoding into labels, probabilities and logits, whatever computes the logits. A model is anything with
 * `logits(batch)` (`LogitsModel`): the kit's tfjs models (wrapped by `tfjsLogits`, or passed as they are) and an
 * ONNX export in onnxruntime-node (src/infer/runtime.ts). So both runtimes share the order, the batches, the
 * softmax and the argmax, and give the same labels (test/infer/predict.test.ts).
 *
 * The loop is synchronous when the model is (tfjs: the trainer's validation, `hai eval`, notebooks) and returns a
 * promise when `logits` does (onnxruntime-node is asynchronous); it is written once for both (`drive`).
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceClassifier } from '../models/modeling';
import { Batch, EncodedLike, batchTensors, batches, rowLengths } from './batches';
import { EvalResult, classificationMetrics } from './metrics';

/** What predicting needs of a model: the logits of one batch, `[rows × labels]`, row-major. */
export interface LogitsModel<R extends Float32Array | Promise<Float32Array> = Float32Array | Promise<Float32Array>> {
  logits(b: Batch): R;
}
export type SyncLogitsModel = LogitsModel<Float32Array>;
export type AsyncLogitsModel = LogitsModel<Promise<Float32Array>>;
/** A tfjs model of src/models/ (every family has `forward`). */
export type TfjsModel = Pick<SequenceClassifier, 'forward'>;

/** Backends whose tensors cannot be read synchronously under Node (WebGPU's reads need `await t.data()`). */
const readsAsync = () => tf.getBackend() === 'webgpu';

/**
 * A tfjs model as a `LogitsModel`: eval mode (no dropout), one batch on the device at a time. Synchronous on the
 * CPU backends; on WebGPU each batch's logits are read with `await data()`, so the loop returns a promise there
 * (the library's own callers await it; a notebook on WebGPU awaits `predict` and `evaluate` too).
 */
export function tfjsLogits(model: TfjsModel): LogitsModel {
  const run = (b: Batch) =>
    tf.tidy(() => {
      const t = batchTensors(b);
      return model.forward(t.ids, t.mask, { training: false });
    });
  return {
    logits(b) {
      const z = run(b);
      if (readsAsync()) return z.data().then((d) => (z.dispose(), d as Float32Array));
      const out = z.dataSync() as Float32Array;
      z.dispose();
      return out;
    },
  };
}

const asLogits = (m: TfjsModel | LogitsModel): LogitsModel =>
  'logits' in m && typeof m.logits === 'function' ? m : tfjsLogits(m as TfjsModel);

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
 * Softmax over each row, on the host in float64 and rounded to float32: the same probabilities whichever runtime
 * or backend computed the logits (and no device round trip, which WebGPU could not read back synchronously).
 */
function softmaxRows(z: Float32Array, rows: number): Float32Array {
  const k = z.length / rows,
    out = new Float32Array(z.length);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity,
      sum = 0;
    for (let j = 0; j < k; j++) max = Math.max(max, z[r * k + j]);
    for (let j = 0; j < k; j++) sum += Math.exp(z[r * k + j] - max);
    for (let j = 0; j < k; j++) out[r * k + j] = Math.exp(z[r * k + j] - max) / sum;
  }
  return out;
}

type OnBatch = (rows: number[], probs: Float32Array, logits: Float32Array) => void;

/**
 * Streams eval-mode predictions: one batch at a time (dynamic padding, length-sorted by default),
 * `onBatch(rows, probs, logits)` with the rows' input indices and their `[rows × labels]` numbers on the host.
 * Synchronous for a synchronous model; a promise when the model's `logits` returns one.
 */
export function forEachPrediction(
  m: TfjsModel | SyncLogitsModel,
  enc: EncodedLike,
  batchSize: number,
  opts: Partial<PredictOptions>,
  onBatch: OnBatch,
): void;
export function forEachPrediction(
  m: AsyncLogitsModel,
  enc: EncodedLike,
  batchSize: number,
  opts: Partial<PredictOptions>,
  onBatch: OnBatch,
): Promise<void>;
export function forEachPrediction(
  m: TfjsModel | LogitsModel,
  enc: EncodedLike,
  batchSize: number,
  opts: Partial<PredictOptions>,
  onBatch: OnBatch,
): void | Promise<void>;
export function forEachPrediction(
  m: TfjsModel | LogitsModel,
  enc: EncodedLike,
  batchSize: number,
  opts: Partial<PredictOptions>,
  onBatch: OnBatch,
): void | Promise<void> {
  const model = asLogits(m);
  const o = predictDefaults(opts);
  const order = Array.from({ length: enc.labels.length }, (_, i) => i);
  if (o.sort_by_length) {
    const len = rowLengths(enc);
    order.sort((a, b) => len[b] - len[a]);
  }
  const it = batches(enc, order, batchSize, o.dynamic_padding);
  let at = 0;
  const take = (b: Batch, z: Float32Array) => {
    const rows = order.slice(at, at + b.labels.length);
    at += rows.length;
    onBatch(rows, softmaxRows(z, rows.length), z);
  };
  // One loop for both kinds of model: it runs synchronously until a batch's logits are a promise, then
  // continues from that promise's callback (a fresh stack each time, so no depth builds up).
  const drive = (): void | Promise<void> => {
    for (let r = it.next(); !r.done; r = it.next()) {
      const b = r.value;
      const z = model.logits(b);
      if (z instanceof Promise) return z.then((zz) => (take(b, zz), drive()));
      take(b, z);
    }
  };
  return drive();
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

export interface Predictions {
  preds: number[];
  probs: number[][];
  logits: number[][];
}
const then = <T, U>(v: void | Promise<void>, f: () => U): U | Promise<U> => (v instanceof Promise ? v.then(f) : f());

/** Predicted labels, probabilities and logits for every example, in the input order, in eval mode (no dropout). */
export function predict(
  m: TfjsModel | SyncLogitsModel,
  enc: EncodedLike,
  batchSize?: number,
  opts?: Partial<PredictOptions>,
): Predictions;
export function predict(
  m: AsyncLogitsModel,
  enc: EncodedLike,
  batchSize?: number,
  opts?: Partial<PredictOptions>,
): Promise<Predictions>;
export function predict(
  m: TfjsModel | LogitsModel,
  enc: EncodedLike,
  batchSize?: number,
  opts?: Partial<PredictOptions>,
): Predictions | Promise<Predictions>;
export function predict(
  m: TfjsModel | LogitsModel,
  enc: EncodedLike,
  batchSize = 64,
  opts: Partial<PredictOptions> = {},
): Predictions | Promise<Predictions> {
  const n = enc.labels.length;
  const r: Predictions = { preds: new Array(n), probs: new Array(n), logits: new Array(n) };
  const done = forEachPrediction(m, enc, batchSize, opts, (rows, ps, zs) => {
    const k = ps.length / rows.length;
    rows.forEach((i, j) => {
      r.probs[i] = Array.from(ps.subarray(j * k, (j + 1) * k));
      r.logits[i] = Array.from(zs.subarray(j * k, (j + 1) * k));
    });
    argmaxRows(ps, rows.length, (j, c) => {
      r.preds[rows[j]] = c;
    });
  });
  return then(done, () => r);
}

/** Metrics on an encoding; keeps only the predicted labels (440k validation rows need no logits kept anywhere). */
export function evaluate(
  m: TfjsModel | SyncLogitsModel,
  enc: EncodedLike,
  numLabels: number,
  batchSize?: number,
  opts?: Partial<PredictOptions>,
): EvalResult;
export function evaluate(
  m: AsyncLogitsModel,
  enc: EncodedLike,
  numLabels: number,
  batchSize?: number,
  opts?: Partial<PredictOptions>,
): Promise<EvalResult>;
export function evaluate(
  m: TfjsModel | LogitsModel,
  enc: EncodedLike,
  numLabels: number,
  batchSize?: number,
  opts?: Partial<PredictOptions>,
): EvalResult | Promise<EvalResult>;
export function evaluate(
  m: TfjsModel | LogitsModel,
  enc: EncodedLike,
  numLabels: number,
  batchSize = 64,
  opts: Partial<PredictOptions> = {},
): EvalResult | Promise<EvalResult> {
  const preds: number[] = new Array(enc.labels.length);
  const done = forEachPrediction(m, enc, batchSize, opts, (rows, ps) =>
    argmaxRows(ps, rows.length, (j, c) => {
      preds[rows[j]] = c;
    }),
  );
  return then(done, () => classificationMetrics(enc.labels, preds, numLabels, batchSize));
}
