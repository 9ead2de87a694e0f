/**
 * The one predict loop (src/infer/predict.ts): a tfjs model, the same model as a synchronous `LogitsModel`, and
 * the same logits served asynchronously (as onnxruntime-node serves them) give identical labels, probabilities
 * and metrics, in the input order, whatever the batch size and sorting; a wrong model fails loudly.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { Encoded } from '../../src/infer/batches';
import { AsyncLogitsModel, evaluate, predict, tfjsLogits } from '../../src/infer/predict';
import { classificationMetrics } from '../../src/infer/metrics';
import { labelName } from '../../src/infer/load';
import { tinyModel } from '../train/tinymodel';

before(async () => {
  await initBackend('wasm');
});

/** 23 rows of lengths 1..12 (so sorting by length reorders them) over a 20-token vocabulary. */
function encoding(): Encoded {
  const input_ids: number[][] = [],
    attention_mask: number[][] = [],
    labels: number[] = [];
  for (let i = 0; i < 23; i++) {
    const len = 1 + ((i * 7) % 12);
    input_ids.push(Array.from({ length: 12 }, (_, j) => (j < len ? 1 + ((i * 3 + j * 5) % 19) : 0)));
    attention_mask.push(Array.from({ length: 12 }, (_, j) => (j < len ? 1 : 0)));
    labels.push(i % 4);
  }
  return { input_ids, attention_mask, labels };
}

test('tfjs, sync and async logits give the same predictions through the one loop', async () => {
  const model = tinyModel(3);
  const enc = encoding();
  const direct = predict(model, enc, 5);
  const sync = tfjsLogits(model);
  const viaSync = predict(sync, enc, 5);
  let calls = 0;
  const asyncModel: AsyncLogitsModel = {
    logits: async (b) => {
      calls++;
      await new Promise((r) => setImmediate(r));
      return sync.logits(b);
    },
  };
  const pending = predict(asyncModel, enc, 5);
  assert.ok(pending instanceof Promise, 'an asynchronous model gives a promise');
  const viaAsync = await pending;
  assert.equal(calls, 5, '23 rows in batches of 5');
  assert.deepEqual(viaSync, direct);
  assert.deepEqual(viaAsync, direct);
  // Results come back in the input order: row i's logits are the model's on row i alone.
  const alone = predict(model, {
    ...enc,
    input_ids: [enc.input_ids[7]],
    attention_mask: [enc.attention_mask[7]],
    labels: [0],
  });
  for (let j = 0; j < 4; j++) assert.ok(Math.abs(alone.logits[0][j] - direct.logits[7][j]) < 1e-5);
  // Neither batch size nor sorting changes a label.
  assert.deepEqual(predict(model, enc, 64, { sort_by_length: false, dynamic_padding: false }).preds, direct.preds);
  const m = evaluate(model, enc, 4, 5);
  assert.deepEqual(await evaluate(asyncModel, enc, 4, 5), m);
  assert.deepEqual(m, classificationMetrics(enc.labels, direct.preds, 4, 5));
  model.dispose();
});

test('the loop keeps no tensor and reports a failing model', async () => {
  const model = tinyModel(4);
  const enc = encoding();
  predict(model, enc, 4);
  const before = tf.memory().numTensors;
  predict(model, enc, 4);
  assert.equal(tf.memory().numTensors, before);
  const broken: AsyncLogitsModel = { logits: async () => Promise.reject(new Error('session closed')) };
  await assert.rejects(() => predict(broken, enc, 4), /session closed/);
  model.dispose();
});

test('label names: id2label when it has the label as its own key, else the course LABELS', () => {
  assert.equal(labelName(2, { 2: 'jeju' }), 'jeju');
  assert.equal(labelName(1, {}), '경상도');
  assert.equal(labelName(0, JSON.parse('{"__proto__": "x"}')), '표준어');
  assert.equal(labelName(9), '9');
});
