/**
 * Memory-lean encodings (src/text/ragged.ts) give exactly the batches, training runs and predictions of the padded
 * path (`courseEncode` / `encodeRows`), and the dry run's plan (src/train/plan.ts) counts the batches the Trainer
 * feeds (notebooks/04_tuned.ipynb).
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { readRowsCsv } from '../../src/data/rows';
import { AutoTokenizer } from '../../src/models/autotokenizer';
import { BertTokenizer } from '../../src/text/tokenizer';
import { PreTrainedTokenizer, courseEncode } from '../../src/text/pretrainedtokenizer';
import { RaggedEncoding, encodeRagged } from '../../src/text/ragged';
import { trainWordPiece } from '../../src/text/wordpiece';
import { encodeRows } from '../../src/infer/load';
import { Batch, batches, rowLengths, trimBatch } from '../../src/infer/batches';
import { groupByLength, microBatches, sampleOrder } from '../../src/train/batching';
import { Trainer } from '../../src/train/trainer';
import { evaluate, predict } from '../../src/infer/predict';
import { batchTokens, formatPlan, planTraining } from '../../src/train/plan';
import { tinyModel } from './tinymodel';
import { ROOT } from '../helpers';

const rows = readRowsCsv(path.join(ROOT, 'data', 'rows', 'course_train.csv'));
const texts = rows.map((r) => r.contents),
  labels = rows.map((r) => r.label);
let wp: PreTrainedTokenizer, kobert: PreTrainedTokenizer;

before(async () => {
  await initBackend('wasm');
  wp = new BertTokenizer(trainWordPiece(texts.slice(0, 1500), { vocab_size: 2000 }), { do_lower_case: false });
  kobert = await AutoTokenizer.from_pretrained(path.join(ROOT, 'test', 'fixtures', 'tokenizers', 'kobert-tiny'));
});

test('ragged encodings pad back to courseEncode and encodeBatch exactly (KoBERT: [UNK] = 0 inside and at the end of rows)', () => {
  for (const [name, tok] of [
    ['wordpiece', wp],
    ['kobert-tiny', kobert],
  ] as const) {
    for (const maxlen of [4, 12, 64]) {
      const old = courseEncode(tok, texts, maxlen);
      const r = encodeRagged(tok, texts, labels, { maxlen, encoding: 'course' });
      assert.ok(r.ids instanceof Uint16Array, 'small vocabularies use 16-bit ids');
      const p = r.toPadded();
      assert.deepEqual(p.input_ids, old.input_ids, `${name} maxlen ${maxlen}: ids`);
      assert.deepEqual(p.attention_mask, old.attention_mask, `${name} maxlen ${maxlen}: masks`);
      assert.deepEqual(r.lengths(), rowLengths(old), `${name} maxlen ${maxlen}: lengths`);
    }
    const hf = tok.encodeBatch(texts, { max_length: 16, padding: 'max_length', truncation: true });
    const rh = encodeRagged(tok, texts, labels, { maxlen: 16, encoding: 'hf' }).toPadded();
    assert.deepEqual(rh.input_ids, hf.input_ids, `${name} hf ids`);
    assert.deepEqual(rh.attention_mask, hf.attention_mask, `${name} hf masks`);
  }
  // KoBERT's course mask hides real [UNK]s: some rows of the corpus have an interior 0 with mask 0.
  const k = courseEncode(kobert, texts, 64);
  assert.ok(
    k.input_ids.some((r, i) => r.some((id, j) => id === 0 && j < rowLengths(k)[i])),
    'the corpus has interior [UNK]s under kobert-tiny',
  );
  // Stored without padding: about 1/20 of the padded form's numbers at maxlen 256.
  const r256 = encodeRagged(wp, texts, labels, { maxlen: 256, encoding: 'course' });
  assert.ok(r256.tokens * 10 < texts.length * 256, `${r256.tokens} tokens stored`);
});

test('batches, Trainer and predict: the same numbers from the ragged and the padded encodings', async () => {
  const maxlen = 32;
  const old = encodeRows(wp, rows, maxlen, 'course'),
    rag = encodeRagged(wp, texts, labels, { maxlen, encoding: 'course' });
  const order = groupByLength(sampleOrder(labels, 'random', 7, 0), rowLengths(old), 64);
  for (const dyn of [false, true]) {
    const a = [...batches(old, order, 64, dyn)],
      b = [...batches(rag, order, 64, dyn)];
    assert.deepEqual(b, a, `batches, dynamic padding ${dyn}`);
  }
  for (const o of [
    {},
    { dynamic_padding: true, group_by_length: true, micro_batch_size: 16, sampler: 'random' as const },
  ]) {
    const run = async (enc: typeof old | RaggedEncoding) => {
      const model = tinyModel(3, wp.vocab_size);
      const h = await new Trainer(model, enc, enc, { epochs: 2, batch_size: 64, lr: 0.05, ...o }).fit();
      const p = [...model.params.values()].map((v) => [...v.dataSync()]);
      model.dispose();
      return { h: h.map((e) => ({ ...e, seconds: 0 })), p };
    };
    const [x, y] = [await run(old), await run(rag)];
    assert.deepEqual(y, x, `training history and parameters, ${JSON.stringify(o)}`);
  }
  const model = tinyModel(5, wp.vocab_size);
  const ref = predict(model, old, 50, { dynamic_padding: false, sort_by_length: false });
  for (const opts of [{ dynamic_padding: false, sort_by_length: false }, {}]) {
    const p = predict(model, rag, 50, opts);
    assert.deepEqual(p.preds, ref.preds, `preds ${JSON.stringify(opts)}`);
    p.logits.forEach((z, i) =>
      z.forEach((v, j) => assert.ok(Math.abs(v - ref.logits[i][j]) < 1e-5, `logit ${i},${j}`)),
    );
    assert.deepEqual(
      evaluate(model, rag, 4, 50, opts),
      evaluate(model, old, 4, 50, { dynamic_padding: false, sort_by_length: false }),
    );
  }
  model.dispose();
});

test('the plan counts the tokens the Trainer feeds, times real steps, and ends with the estimate', async () => {
  const rag = encodeRagged(wp, texts, labels, { maxlen: 48, encoding: 'course' });
  const len = rag.lengths();
  for (const [dyn, micro, cap] of [
    [false, 0, 0],
    [true, 0, 0],
    [true, 16, 0],
    [true, 0, 300],
  ] as const) {
    const order = groupByLength(sampleOrder(labels, 'random', 1, 0), len, 64);
    const fed = [...batches(rag, order, 64, dyn)].map((b) => {
      // The micro-batches the Trainer forms (its split, microBatches), each cut to its own longest row here with
      // trimBatch, as the Trainer does: the plan must count the same tokens without building them.
      const width = dyn ? null : b.input_ids[0].length;
      return microBatches(rowLengths(b), micro, cap, width).reduce((t, [s, e]) => {
        const p: Batch = {
          input_ids: b.input_ids.slice(s, e),
          attention_mask: b.attention_mask.slice(s, e),
          labels: b.labels.slice(s, e),
        };
        const part = dyn ? trimBatch(p) : p;
        return t + part.labels.length * part.input_ids[0].length;
      }, 0);
    });
    const got = batchTokens(order, len, 48, 64, { rows: micro, tokens: cap }, dyn);
    assert.deepEqual(got, fed, `dynamic ${dyn}, micro ${micro}, cap ${cap}`);
  }
  const model = tinyModel(2, wp.vocab_size);
  const before = tf.memory().numTensors;
  const plan = await planTraining(
    model,
    rag,
    rag.subset([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    { epochs: 3, batch_size: 64, sampler: 'random' },
    { steps: 2 },
  );
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  model.dispose();
  assert.equal(plan.steps_per_epoch, Math.ceil(texts.length / 64));
  assert.equal(plan.total_steps, 3 * plan.steps_per_epoch);
  assert.equal(plan.timed_steps, 2);
  assert.equal(plan.tokens_fed, texts.length * 48);
  assert.ok(plan.padding_share > 0.5 && plan.padding_share < 1, `padding ${plan.padding_share}`);
  assert.ok(plan.est_epoch_s > 0 && plan.est_total_s > 3 * plan.est_epoch_s - 1e-9 && plan.peak_rss_mb > 0);
  const lines = formatPlan(plan);
  assert.match(lines[lines.length - 1], /^estimated on wasm: .* per epoch .* for the whole run \(3 epochs\)$/);
});
