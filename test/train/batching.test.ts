/**
 * Length grouping, dynamic padding and micro-batches (src/train/batching.ts, notebooks/03_baseline.ipynb),
 * the presets that keep or drop them (src/course/course.ts), and inference with and without padding.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { Encoded, batches, rowLengths } from '../../src/infer/batches';
import { MICRO_BATCH_OVERHEAD_TOKENS, groupByLength, microBatches, sampleOrder } from '../../src/train/batching';
import { Classifier, Trainer } from '../../src/train/trainer';
import { predict } from '../../src/infer/predict';
import { PRESETS, courseDefaults, smokeConfig } from '../../src/course/config';
import { courseTrainerConfig } from '../../src/course/course';
import { rng } from '../../src/util/random';
import { assertClose } from '../helpers';

before(async () => {
  await initBackend('wasm');
});

/** n rows padded to maxlen, of random real lengths 1..maxlen (token 2 first, like [CLS]); labels from token ids. */
function data(n: number, maxlen: number, seed: number): Encoded {
  const r = rng(seed);
  const enc: Encoded = { input_ids: [], attention_mask: [], labels: [] };
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(r() * maxlen);
    const ids = Array.from({ length: maxlen }, (_, j) => (j === 0 ? 2 : j < len ? 4 + Math.floor(r() * 16) : 0));
    enc.input_ids.push(ids);
    enc.attention_mask.push(ids.map((x) => (x > 0 ? 1 : 0)));
    enc.labels.push(Math.floor(r() * 4));
  }
  return enc;
}

test('groupByLength: a permutation of the order, deterministic, mega-batches sorted longest first, the longest example first', () => {
  const enc = data(1000, 40, 3);
  const len = rowLengths(enc);
  const order = sampleOrder(enc.labels, 'random', 42, 0);
  const g = groupByLength(order, len, 16, 5);
  assert.deepEqual(
    [...g].sort((a, b) => a - b),
    [...order].sort((a, b) => a - b),
    'a permutation',
  );
  assert.deepEqual(groupByLength(order, len, 16, 5), g, 'deterministic');
  assert.notDeepEqual(
    groupByLength(sampleOrder(enc.labels, 'random', 42, 1), len, 16, 5),
    g,
    'another epoch, another grouping',
  );
  assert.equal(len[g[0]], Math.max(...len), 'the first batch holds the longest example');
  const size = 5 * 16;
  for (let m = 0; m * size < g.length; m++) {
    const mega = g.slice(m * size, (m + 1) * size),
      from = new Set(order.slice(m * size, (m + 1) * size));
    // Sorted longest first, and the sampler's rows, except the head: the longest example is swapped to the front.
    assert.ok(
      mega.slice(1).every((i) => from.has(i)),
      `mega-batch ${m} holds the sampler's rows`,
    );
    for (let i = 2; i < mega.length; i++)
      assert.ok(len[mega[i - 1]] >= len[mega[i]], `mega-batch ${m} unsorted at ${i}`);
  }
  // HF's default multiplier: 50, or fewer so there are at least 4 mega-batches.
  const sorted = (xs: number[]) => xs.every((x, i) => i === 0 || len[xs[i - 1]] >= len[x]);
  const d = groupByLength(order, len, 16);
  assert.ok(
    sorted(d.slice(1, 15 * 16)) && !sorted(d.slice(1, 16 * 16 + 1)),
    'mega-batches of 1000 / (16·4) → 15 batches',
  );
  assert.deepEqual(groupByLength([], [], 16), []);
  // A unique longest example deep in the order is swapped to the front, its mega-batch's head takes its place.
  const long = [...len];
  long[order[700]] = 99;
  const h = groupByLength(order, long, 16, 5);
  const mega0 = order.slice(0, 80).sort((a, b) => len[b] - len[a]);
  assert.equal(h[0], order[700]);
  assert.deepEqual(h.slice(1, 80), mega0.slice(1));
  assert.equal(h[640], mega0[0], 'mega-batch 8 now starts with what mega-batch 0 led with');
});

test('grouping + dynamic padding cut the padded length of batches', () => {
  const enc = data(1000, 64, 7);
  const padded = (order: number[]) =>
    [...batches(enc, order, 32, true)].reduce((a, b) => a + b.labels.length * b.input_ids[0].length, 0) / 1000;
  const order = sampleOrder(enc.labels, 'random', 1);
  const random = padded(order),
    grouped = padded(groupByLength(order, rowLengths(enc), 32));
  const real = rowLengths(enc).reduce((a, b) => a + b, 0) / 1000;
  console.log(
    `mean padded length: static 64, dynamic ${random.toFixed(1)}, dynamic + grouped ${grouped.toFixed(1)}, real ${real.toFixed(1)}`,
  );
  assert.ok(random > 55, `random batches of 32 still pad to near the longest: ${random}`);
  assert.ok(grouped < real * 1.2, `grouped batches pad to near the real length: ${grouped} vs ${real}`);
});

/** A bag-of-embeddings classifier without dropout: its loss does not depend on the order of rows in a batch. */
function tinyModel(
  seed: number,
  V = 20,
  E = 8,
  C = 4,
): Classifier & { dispose(): void; calls: { rows: number; width: number; checkpoint: boolean }[] } {
  const calls: { rows: number; width: number; checkpoint: boolean }[] = [];
  const params = new Map<string, tf.Variable>([
    [
      'embeddings.weight',
      tf.variable(tf.randomNormal([V, E], 0, 0.5, 'float32', seed), true, `pemb${seed}_${Math.random()}`),
    ],
    [
      'position.weight',
      tf.variable(tf.randomNormal([64, E], 0, 0.5, 'float32', seed + 2), true, `ppos${seed}_${Math.random()}`),
    ],
    [
      'classifier.weight',
      tf.variable(tf.randomNormal([E, C], 0, 0.5, 'float32', seed + 1), true, `pcw${seed}_${Math.random()}`),
    ],
  ]);
  return {
    params,
    calls,
    forward(ids, mask, opts = {}) {
      calls.push({ rows: ids.shape[0], width: ids.shape[1], checkpoint: Boolean(opts.checkpoint) });
      return tf.tidy(() => {
        const m = tf.expandDims(tf.cast(mask, 'float32'), -1);
        const pos = tf.slice(params.get('position.weight')!, [0, 0], [ids.shape[1], -1]);
        const h = tf.div(
          tf.sum(tf.mul(tf.add(tf.gather(params.get('embeddings.weight')!, ids), pos), m), 1),
          tf.maximum(tf.sum(m, 1), 1),
        );
        return tf.matMul(h, params.get('classifier.weight')!) as tf.Tensor2D;
      });
    },
    dispose() {
      tf.dispose([...params.values()]);
    },
  };
}

test('one full batch: grouping + dynamic padding give the loss and step of the static pipeline', async () => {
  const run = async (o: object) => {
    const model = tinyModel(4);
    const h = await new Trainer(model, data(48, 24, 5), null, {
      epochs: 1,
      batch_size: 48,
      lr: 0.05,
      sampler: 'random',
      ...o,
    }).fit();
    const p = [...model.params.values()].map((v) => [...v.dataSync()]);
    model.dispose();
    return { loss: h[0].train_loss, p, len: h[0].mean_padded_length! };
  };
  const base = await run({});
  const fast = await run({ dynamic_padding: true, group_by_length: true, micro_batch_size: 8 });
  assert.equal(base.len, 24);
  assert.ok(fast.len < 20, `mean padded length ${fast.len}`);
  assert.ok(Math.abs(base.loss - fast.loss) < 1e-5, `loss ${base.loss} vs ${fast.loss}`);
  base.p.forEach((w, i) => assertClose(fast.p[i], w, 1e-5, 0, `param ${i}`));
});

test('no tensor leaks with grouping, dynamic padding and micro-batches over 60 steps', async () => {
  const model = tinyModel(6);
  const counts: number[] = [];
  await new Trainer(
    model,
    data(480, 32, 9),
    null,
    {
      epochs: 1,
      batch_size: 8,
      lr: 0.01,
      sampler: 'random',
      dynamic_padding: true,
      group_by_length: true,
      micro_batch_size: 4,
    },
    {
      onStepEnd: () => {
        counts.push(tf.memory().numTensors);
      },
    },
  ).fit();
  assert.equal(counts.length, 60);
  assert.equal(new Set(counts.slice(1)).size, 1, `tensor count drifts: ${counts.slice(0, 5)} … ${counts.slice(-5)}`);
  model.dispose();
});

test('presets: the 2022 runs keep static padding and their samplers; fast and custom configs group and pad dynamically', () => {
  for (const name of ['baseline', 'tuned'] as const) {
    const c = courseDefaults({ ...PRESETS[name] });
    assert.equal(c.dynamic_padding, false, name);
    assert.equal(c.group_by_length, false, name);
    assert.equal(smokeConfig(c).group_by_length, false, `${name} --smoke keeps the order`);
  }
  assert.equal(courseDefaults({ ...PRESETS.baseline }).sampler, 'sequential');
  const fast = courseDefaults({ ...PRESETS.fast }),
    tuned = courseDefaults({ ...PRESETS.tuned });
  // The stand-in recipe only applies to offline stand-ins (test/course/standin.test.ts); for the hub model fast is tuned.
  assert.deepEqual(
    { ...fast, dynamic_padding: false, group_by_length: false, standin_recipe: {} },
    tuned,
    'fast is tuned but for the pipeline',
  );
  assert.equal(fast.sampler, 'random');
  const custom = courseDefaults({ lr: 1e-4 });
  assert.equal(custom.dynamic_padding, true);
  assert.equal(custom.group_by_length, true);
  // On wasm: micro-batches of as many rows as fit the activation budget, checkpointing for 12 layers where a
  // micro-batch is bigger (KoELECTRA-small, fused GELU layers: 32 × 128 tokens; op-by-op layers, a ReLU model: 32 × 64).
  const t = courseTrainerConfig(fast, { num_hidden_layers: 12, hidden_size: 256, hidden_act: 'gelu' });
  assert.deepEqual(
    [t.micro_batch_size, t.micro_batch_tokens, t.activation_checkpointing, t.checkpoint_min_tokens, t.group_by_length],
    [0, 4096, true, 4096, true],
  );
  const rows = courseTrainerConfig({ ...fast, micro_batch: 32 }, { num_hidden_layers: 12, hidden_size: 256 });
  assert.deepEqual([rows.micro_batch_size, rows.micro_batch_tokens], [32, 0], 'micro_batch: 32 fixes the rows');
  assert.equal(
    courseTrainerConfig(fast, { num_hidden_layers: 12, hidden_size: 256, hidden_act: 'relu' }).checkpoint_min_tokens,
    2048,
  );
  assert.equal(
    courseTrainerConfig({ ...fast, activation_checkpointing: true }, { num_hidden_layers: 12 }).checkpoint_min_tokens,
    0,
    'asked for: everywhere',
  );
  assert.equal(
    courseTrainerConfig(fast, { n_layers: 6, dim: 768, activation: 'gelu' }).checkpoint_min_tokens,
    2730,
    'DistilBERT: half the layers, 3x the hidden size',
  );
});

test('microBatches: fixed row chunks without a token cap; with one, the cheapest split within the caps', () => {
  // Rows only (micro_batch: N): fixed chunks, as before; no caps at all: the whole batch.
  assert.deepEqual(microBatches([1, 1, 1, 1, 1], 2, 0, null), [
    [0, 2],
    [2, 4],
    [4, 5],
  ]);
  assert.deepEqual(microBatches([9, 9, 9], 0, 0, null), [[0, 3]]);
  assert.deepEqual(microBatches([], 0, 10, null), []);
  // The fast preset's shape: 256 rows of similar length (16 down to 13 tokens, sorted longest first) fit
  // KoELECTRA-small's 4,096 in one (4,096 tokens + 512); cut at row 128 they would cost 2,048 + 1,792 + 2 × 512.
  const lens = Array.from({ length: 256 }, (_, i) => 16 - Math.floor(i / 64));
  assert.deepEqual(microBatches(lens, 0, 4096, null), [[0, 256]]);
  // Half as long after row 128: 2,048 + 1,024 + 2 × 512 = 4,096 against 4,608 whole: cut.
  const halves = Array.from({ length: 256 }, (_, i) => (i < 128 ? 16 : 8));
  assert.deepEqual(microBatches(halves, 0, 4096, null), [
    [0, 128],
    [128, 256],
  ]);
  assert.deepEqual(microBatches(Array(256).fill(11), 0, 4096, null), [[0, 256]]);
  // Too wide for one: cut where the rows get shorter (32 rows of 40, then 224 of 8: 1,280 + 1,792 tokens and two
  // overheads), not where the cap would (102 rows at width 40, then the rest).
  const mixed = [...Array(32).fill(40), ...Array(224).fill(8)];
  assert.deepEqual(microBatches(mixed, 0, 4096, null), [
    [0, 32],
    [32, 256],
  ]);
  // Static padding: every row is `width` wide, so the fewest micro-batches under the cap.
  assert.equal(microBatches(Array(64).fill(3), 0, 4096, 256).length, 4);
  // A row wider than the cap is a micro-batch of its own.
  assert.deepEqual(microBatches([5000, 3, 3], 0, 4096, null)[0], [0, 1]);
});

test('microBatches: against every split of small batches, the least tokens fed plus overheads, caps kept', () => {
  const r = rng(5);
  const cost = (lens: number[], parts: [number, number][]) =>
    parts.reduce((a, [s, e]) => a + (e - s) * Math.max(1, ...lens.slice(s, e)) + MICRO_BATCH_OVERHEAD_TOKENS, 0);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(r() * 9),
      lens = Array.from({ length: n }, () => 1 + Math.floor(r() * 200));
    const rows = r() < 0.3 ? 1 + Math.floor(r() * 4) : 0,
      tokens = 100 + Math.floor(r() * 600);
    const got = microBatches(lens, rows, tokens, null);
    // Consecutive, covering, within the caps (a lone row may be wider than the token cap).
    assert.deepEqual(got[0][0], 0);
    assert.equal(got[got.length - 1][1], n);
    got.forEach(([s, e], k) => {
      if (k) assert.equal(s, got[k - 1][1]);
      assert.ok(e > s);
      if (e - s > 1) {
        assert.ok((e - s) * Math.max(...lens.slice(s, e)) <= tokens, `${lens} ${s}-${e} over ${tokens}`);
        if (rows) assert.ok(e - s <= rows);
      }
    });
    // Every split into consecutive parts (2^(n-1) of them): none within the caps is cheaper.
    let least = Infinity;
    for (let mask = 0; mask < 1 << (n - 1); mask++) {
      const parts: [number, number][] = [];
      let s = 0;
      for (let i = 1; i <= n; i++)
        if (i === n || mask & (1 << (i - 1))) {
          parts.push([s, i]);
          s = i;
        }
      const ok = parts.every(
        ([a, b]) => b - a === 1 || ((!rows || b - a <= rows) && (b - a) * Math.max(...lens.slice(a, b)) <= tokens),
      );
      if (ok) least = Math.min(least, cost(lens, parts));
    }
    assert.equal(cost(lens, got), least, `${lens} rows ${rows} tokens ${tokens}`);
  }
});

test('micro-batches are cut to their own longest row; only those of checkpoint_min_tokens or more are checkpointed', async () => {
  const model = tinyModel(8);
  const enc = data(32, 24, 13);
  const h = await new Trainer(model, enc, null, {
    epochs: 1,
    batch_size: 32,
    lr: 0.01,
    sampler: 'random',
    dynamic_padding: true,
    group_by_length: true,
    micro_batch_size: 8,
    activation_checkpointing: true,
    checkpoint_min_tokens: 100,
  }).fit();
  model.dispose();
  const widths = model.calls.map((c) => c.width);
  assert.deepEqual(
    model.calls.map((c) => c.rows),
    [8, 8, 8, 8],
  );
  assert.equal(widths[0], Math.max(...rowLengths(enc)));
  assert.ok(
    widths.every((w, i) => i === 0 || w <= widths[i - 1]) && widths[3] < widths[0],
    `sorted batch, shrinking micro-batches: ${widths}`,
  );
  assert.deepEqual(
    model.calls.map((c) => c.checkpoint),
    widths.map((w) => 8 * w >= 100),
  );
  assert.ok(
    model.calls.some((c) => c.checkpoint) && model.calls.some((c) => !c.checkpoint),
    `widths ${widths}: both kinds`,
  );
  assert.equal(h[0].mean_padded_length, widths.reduce((a, w) => a + 8 * w, 0) / 32);
});

test('predict: logits with static padding, dynamic padding and length-sorted batches agree within 1e-5', async () => {
  const { AutoModelForSequenceClassification } = await import('../../src/models/automodel');
  const model = AutoModelForSequenceClassification.from_config(
    {
      model_type: 'electra',
      vocab_size: 32,
      embedding_size: 16,
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      intermediate_size: 64,
      max_position_embeddings: 64,
      num_labels: 4,
    },
    3,
  );
  const enc = data(50, 48, 11);
  const stat = predict(model, enc, 16, { dynamic_padding: false, sort_by_length: false });
  for (const o of [
    { dynamic_padding: true, sort_by_length: false },
    { dynamic_padding: true, sort_by_length: true },
    { dynamic_padding: false, sort_by_length: true },
  ]) {
    const p = predict(model, enc, 16, o);
    assertClose(p.logits.flat(), stat.logits.flat(), 1e-5, 0, JSON.stringify(o));
    assert.deepEqual(p.preds, stat.preds, JSON.stringify(o));
  }
  assert.ok(new Set(stat.logits.map((r) => r[0].toFixed(6))).size > 10, 'rows differ, so a reordering would show');
  model.dispose();
});
