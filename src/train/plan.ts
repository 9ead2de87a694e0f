/**
 * A dry run's plan (`hai train --dry-run`, `runCourse({ dry_run: true })`): before an hour-long run, what it will
 * cost on this backend. The epoch's batches are formed exactly as the Trainer forms them (sampler order of epoch
 * 0, length grouping, dynamic padding, micro-batches cut to their own longest row), without building tensors, to
 * count steps, tokens fed and the share of them that is padding. A few real training steps on batches spread over
 * that epoch (after one warm-up micro-batch) and a few validation batches are timed; the estimate is their seconds per
 * token fed × the tokens of a whole epoch, so short and long batches are weighted as the run will meet them.
 *
 * Introduced in notebooks/04_tuned.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import { RaggedEncoding } from '../text/ragged';
import { EncodedLike, numBatches, rowLengths } from '../infer/batches';
import { forEachPrediction } from '../infer/predict';
import { describeMicroBatches, groupByLength, microBatches, sampleOrder } from './batching';
import { Classifier, Trainer, TrainerConfig, trainerDefaults, validationModel } from './trainer';

export interface PlanConfig {
  /** Training steps timed (after a warm-up micro-batch). */
  steps: number;
  /** Validation batches timed after a warm-up batch. */
  eval_batches: number;
  write: (line: string) => void;
}
export const planDefaults = (o: Partial<PlanConfig> = {}): PlanConfig => ({
  steps: 2,
  eval_batches: 2,
  write: (l) => console.log(l),
  ...o,
});

export interface RunPlan {
  backend: string;
  rows_train: number;
  rows_valid: number;
  epochs: number;
  batch: number;
  micro_batch: number;
  micro_batch_tokens: number;
  dynamic_padding: boolean;
  maxlen: number;
  steps_per_epoch: number;
  total_steps: number;
  /** Tokens fed per epoch (rows × padded width, per micro-batch) and the real ones among them. */
  tokens_fed: number;
  tokens_real: number;
  padding_share: number;
  eval_tokens_fed: number;
  timed_steps: number;
  seconds_per_step: number;
  seconds_per_token: number;
  eval_seconds_per_token: number;
  est_epoch_s: number;
  est_eval_s: number;
  est_total_s: number;
  peak_rss_mb: number;
  heap_mb: number;
}

const widthOf = (enc: EncodedLike) => (enc instanceof RaggedEncoding ? enc.maxlen : (enc.input_ids[0]?.length ?? 0));

/** Rows × width of each batch as the Trainer feeds it (its micro-batches, each cut again with dynamic padding). */
export function batchTokens(
  order: number[],
  len: number[],
  maxlen: number,
  batch: number,
  micro: { rows: number; tokens: number },
  dynamic: boolean,
): number[] {
  const out: number[] = [];
  for (let s = 0; s < order.length; s += batch) {
    const n = Math.min(batch, order.length - s);
    if (!dynamic) {
      out.push(n * maxlen);
      continue;
    }
    const lens = order.slice(s, s + n).map((i) => len[i]);
    let tokens = 0;
    for (const [p, q] of microBatches(lens, micro.rows, micro.tokens, null)) {
      let w = 1;
      for (let k = p; k < q; k++) w = Math.max(w, lens[k]);
      tokens += (q - p) * w;
    }
    out.push(tokens);
  }
  return out;
}

/** Evenly spread picks of `count` out of 0..n-1 (distinct, sorted). */
const spread = (n: number, count: number) => [
  ...new Set(
    Array.from({ length: Math.min(n, count) }, (_, j) =>
      Math.round((j * (n - 1)) / Math.max(1, Math.min(n, count) - 1)),
    ),
  ),
];

export async function planTraining(
  model: Classifier,
  train: EncodedLike,
  valid: EncodedLike | null,
  cfg: Partial<TrainerConfig>,
  o: Partial<PlanConfig> = {},
): Promise<RunPlan> {
  const c = trainerDefaults(cfg),
    p = planDefaults(o);
  const len = rowLengths(train),
    maxlen = widthOf(train);
  let order = sampleOrder(train.labels, c.sampler, c.seed, 0);
  if (c.group_by_length) order = groupByLength(order, len, c.batch_size);
  const micro = { rows: c.micro_batch_size, tokens: c.micro_batch_tokens };
  const perBatch = batchTokens(order, len, maxlen, c.batch_size, micro, c.dynamic_padding);
  const tokensFed = perBatch.reduce((a, b) => a + b, 0),
    tokensReal = order.reduce((a, i) => a + len[i], 0);

  // Time real steps: the chosen (full) batches of this epoch, fed in order to a Trainer over just their rows. The
  // warm-up (first kernels, first allocations) is one micro-batch of the first pick, at its width: a whole step of
  // the tuned preset costs a minute on a busy CPU, and only the timed steps enter the estimate.
  const full = Math.floor(order.length / c.batch_size);
  const picks = full ? spread(full, p.steps) : [0];
  const fit = async (rows: number[], batch: number, stamps: number[]) => {
    await new Trainer(
      model,
      subsetOf(train, rows),
      null,
      { ...c, batch_size: batch, epochs: 1, sampler: 'sequential', group_by_length: false },
      {
        onStepEnd: (s) => {
          s.loss();
          stamps.push(performance.now());
        }, // reading the loss waits for the step to finish
      },
    ).fit();
  };
  const first = order.slice(picks[0] * c.batch_size, picks[0] * c.batch_size + c.batch_size);
  const lens = first.map((i) => len[i]);
  const m = microBatches(lens, c.micro_batch_size, c.micro_batch_tokens, c.dynamic_padding ? null : maxlen)[0][1];
  await fit(
    c.dynamic_padding ? [first[lens.indexOf(Math.max(...lens))], ...first].slice(0, m) : first.slice(0, m),
    m,
    [],
  );
  const stamps: number[] = [];
  const t0 = performance.now();
  await fit(
    picks.flatMap((b) => order.slice(b * c.batch_size, (b + 1) * c.batch_size)),
    c.batch_size,
    stamps,
  );
  const timed = stamps.map((t, i) => (t - (i ? stamps[i - 1] : t0)) / 1000),
    timedTokens = picks.map((b) => perBatch[b]);
  const secPerToken =
    timed.reduce((a, b) => a + b, 0) /
    Math.max(
      1,
      timedTokens.reduce((a, b) => a + b, 0),
    );

  // Validation as the Trainer runs it: sorted by length, dynamic padding, eval batch size.
  let evalTokens = 0,
    evalSecPerToken = 0;
  const eb = c.eval_batch_size || c.batch_size;
  if (valid && valid.labels.length) {
    const vlen = rowLengths(valid),
      vorder = vlen.map((_, i) => i).sort((a, b) => vlen[b] - vlen[a]);
    const vb = batchTokens(vorder, vlen, widthOf(valid), eb, { rows: 0, tokens: 0 }, true);
    evalTokens = vb.reduce((a, b) => a + b, 0);
    const vp = spread(vb.length, p.eval_batches + 1);
    let sec = 0,
      tok = 0;
    // Timed through what validation will run (the in-memory graph, or the model): the first batch warms up.
    const evalModel = await validationModel(model, c, valid.labels.length);
    for (const [j, b] of vp.entries()) {
      const s0 = performance.now();
      await forEachPrediction(
        evalModel,
        subsetOf(valid, vorder.slice(b * eb, (b + 1) * eb)),
        eb,
        { sort_by_length: false },
        () => {},
      );
      if (j > 0 || vp.length === 1) {
        sec += (performance.now() - s0) / 1000;
        tok += vb[b];
      }
    }
    evalSecPerToken = sec / Math.max(1, tok);
  }
  const estEpoch = secPerToken * tokensFed,
    estEval = evalSecPerToken * evalTokens;
  const steps = numBatches(train.labels.length, c.batch_size);
  return {
    backend: tf.getBackend(),
    rows_train: train.labels.length,
    rows_valid: valid?.labels.length ?? 0,
    epochs: c.epochs,
    batch: c.batch_size,
    micro_batch: c.micro_batch_size,
    micro_batch_tokens: c.micro_batch_tokens,
    dynamic_padding: c.dynamic_padding,
    maxlen,
    steps_per_epoch: steps,
    total_steps: steps * c.epochs,
    tokens_fed: tokensFed,
    tokens_real: tokensReal,
    padding_share: tokensFed ? 1 - tokensReal / tokensFed : 0,
    eval_tokens_fed: evalTokens,
    timed_steps: timed.length,
    seconds_per_step: timed.reduce((a, b) => a + b, 0) / Math.max(1, timed.length),
    seconds_per_token: secPerToken,
    eval_seconds_per_token: evalSecPerToken,
    est_epoch_s: estEpoch,
    est_eval_s: estEval,
    est_total_s: (estEpoch + estEval) * c.epochs,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    heap_mb: process.memoryUsage().heapUsed / 2 ** 20,
  };
}

function subsetOf(enc: EncodedLike, idx: number[]): EncodedLike {
  if (enc instanceof RaggedEncoding) return enc.subset(idx);
  return {
    input_ids: idx.map((i) => enc.input_ids[i]),
    attention_mask: idx.map((i) => enc.attention_mask[i]),
    labels: idx.map((i) => enc.labels[i]),
  };
}

/** "2 h 05 min", "4 min 10 s", "12.3 s". */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  const h = Math.floor(s / 3600),
    m = Math.round((s % 3600) / 60);
  return h >= 48 ? `${(s / 86400).toFixed(1)} days` : `${h} h ${String(m).padStart(2, '0')} min`;
}

/** The plan as the lines `hai train --dry-run` prints; the last starts with "estimated". */
export function formatPlan(p: RunPlan): string[] {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const s = (k: number) => (k === 1 ? '' : 's');
  const perRow = (tokens: number) => (tokens / Math.max(1, p.rows_train)).toFixed(1);
  const micro = describeMicroBatches(p.micro_batch, p.micro_batch_tokens);
  return [
    `plan: ${n(p.rows_train)} training rows, ${n(p.rows_valid)} validation rows; batch ${p.batch}` +
      `${micro ? ` (${micro})` : ''}, ${p.epochs} epoch${s(p.epochs)}, ` +
      `backend ${p.backend}`,
    `steps per epoch: ${n(p.steps_per_epoch)} (${n(p.total_steps)} in all); ` +
      (p.dynamic_padding ? 'dynamic padding (each batch to its longest row)' : `static padding to maxlen ${p.maxlen}`),
    `padding: ${(100 * p.padding_share).toFixed(1)} % of the ${n(p.tokens_fed)} tokens fed per epoch ` +
      `(mean real length ${perRow(p.tokens_real)}, fed ${perRow(p.tokens_fed)})`,
    `timed: ${p.timed_steps} training step${s(p.timed_steps)} after a warm-up micro-batch, ` +
      `${p.seconds_per_step.toFixed(2)} s/step on average; ` +
      `validation ${(p.eval_seconds_per_token * 1e6).toFixed(2)} µs/token`,
    `peak memory so far: RSS ${n(p.peak_rss_mb)} MiB, JS heap ${n(p.heap_mb)} MiB`,
    `estimated on ${p.backend}: ${formatDuration(p.est_epoch_s)} per epoch of training + ` +
      `${formatDuration(p.est_eval_s)} of validation; ${formatDuration(p.est_total_s)} for the whole run ` +
      `(${p.epochs} epoch${s(p.epochs)})`,
  ];
}
