/** The generic trainer, samplers, batching and metrics (notebooks/03_baseline.ipynb). */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { Encoded, batches } from '../../src/infer/batches';
import { sampleOrder } from '../../src/train/batching';
import { Trainer } from '../../src/train/trainer';
import { classificationMetrics } from '../../src/infer/metrics';
import { formatEpochLine } from '../../src/train/callbacks';
import { tinyModel } from './tinymodel';

before(async () => {
  await initBackend('wasm');
});

/** Label k is signalled by token 4 + k somewhere in the row; rows are label-sorted like the course's table. */
function toyData(n: number, seed: number, maxlen = 6): Encoded {
  let s = seed;
  const r = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const enc: Encoded = { input_ids: [], attention_mask: [], labels: [] };
  for (let i = 0; i < n; i++) {
    const label = Math.floor((i * 4) / n);
    const len = 2 + Math.floor(r() * (maxlen - 2));
    const ids = Array.from({ length: maxlen }, (_, j) => (j < len ? 8 + Math.floor(r() * 12) : 0));
    ids[Math.floor(r() * len)] = 4 + label;
    enc.input_ids.push(ids);
    enc.attention_mask.push(ids.map((x) => (x > 0 ? 1 : 0)));
    enc.labels.push(label);
  }
  return enc;
}

test('samplers: sequential is the table order, random is a seeded permutation per epoch, weighted balances labels', () => {
  const labels = [0, 0, 0, 0, 0, 0, 1, 1, 2, 3];
  assert.deepEqual(sampleOrder(labels, 'sequential', 1), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const r0 = sampleOrder(labels, 'random', 1, 0);
  assert.deepEqual(
    [...r0].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(sampleOrder(labels, 'random', 1, 0), r0);
  assert.notDeepEqual(sampleOrder(labels, 'random', 1, 1), r0);
  const many = [...Array(4000).fill(0), ...Array(1000).fill(1), ...Array(500).fill(2), ...Array(100).fill(3)];
  const drawn = sampleOrder(many, 'weighted', 3).map((i) => many[i]);
  const counts = [0, 1, 2, 3].map((l) => drawn.filter((x) => x === l).length / drawn.length);
  for (const c of counts) assert.ok(Math.abs(c - 0.25) < 0.03, `weighted sampler shares ${counts}`);
});

test('batches: fixed length by default, cut to the longest row with dynamic padding', () => {
  const enc: Encoded = {
    input_ids: [
      [2, 5, 3, 0, 0],
      [2, 3, 0, 0, 0],
      [2, 6, 7, 3, 0],
    ],
    attention_mask: [
      [1, 1, 1, 0, 0],
      [1, 1, 0, 0, 0],
      [1, 1, 1, 1, 0],
    ],
    labels: [0, 1, 2],
  };
  assert.deepEqual(
    [...batches(enc, [0, 1, 2], 2)].map((b) => b.input_ids[0].length),
    [5, 5],
  );
  const dyn = [...batches(enc, [0, 1, 2], 2, true)];
  assert.deepEqual(
    dyn.map((b) => b.input_ids),
    [
      [
        [2, 5, 3],
        [2, 3, 0],
      ],
      [[2, 6, 7, 3]],
    ],
  );
  assert.deepEqual(
    dyn.map((b) => b.labels),
    [[0, 1], [2]],
  );
});

test('metrics: accuracy over all examples vs the mean of per-batch accuracies, macro-F1, confusion[true][pred]', () => {
  const m = classificationMetrics([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], 3, 2);
  assert.equal(m.accuracy, 3 / 5);
  assert.equal(m.mean_batch_accuracy, (1 / 2 + 2 / 2 + 0 / 1) / 3); // the short last batch weighs as much as a full one
  assert.deepEqual(m.confusion, [
    [1, 1, 0],
    [0, 2, 0],
    [1, 0, 0],
  ]);
  // class 0: P 1/2 R 1/2 F1 1/2; class 1: P 2/3 R 1 F1 0.8; class 2: P 0 R 0 F1 0
  assert.ok(Math.abs(m.macro_f1 - (0.5 + 0.8 + 0) / 3) < 1e-12);
  assert.equal(
    formatEpochLine({ epoch: 0, train_loss: 0.71274, valid: { ...m, mean_batch_accuracy: 0.17512 }, seconds: 1 }),
    'Epoch 0,  Average training loss: 0.7127 , Validation accuracy : 0.1751',
    'two spaces after the comma, as the original notebook printed',
  );
});

async function trainOnce(sampler: 'sequential' | 'random', seed: number, epochs = 3) {
  const model = tinyModel(11);
  const losses: number[] = [];
  const trainer = new Trainer(
    model,
    toyData(256, 5),
    toyData(128, 9),
    { epochs, batch_size: 16, lr: 0.05, sampler, seed },
    {
      onStepEnd: (s) => {
        losses.push(s.loss());
      },
    },
  );
  const history = await trainer.fit();
  const params = [...model.params.values()].map((v) => [...v.dataSync()]);
  tf.dispose([...model.params.values()]);
  return { history, losses, params };
}

test('same seed, same numbers; random sampling learns the sorted toy task far better than sequential', async () => {
  const a = await trainOnce('random', 42);
  const b = await trainOnce('random', 42);
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.params, b.params);
  // One epoch, as the baseline: sequential batches see one label at a time and end biased to the last one.
  const r1 = await trainOnce('random', 42, 1);
  const seq = await trainOnce('sequential', 42, 1);
  const accR = r1.history[0].valid!.accuracy,
    accS = seq.history[0].valid!.accuracy;
  console.log(`toy task, 1 epoch: random ${accR.toFixed(3)}, sequential ${accS.toFixed(3)}`);
  assert.ok(accR > 0.8, `random sampler accuracy ${accR}`);
  assert.ok(accR - accS > 0.2, `sequential ${accS} vs random ${accR}: the sorted-order lesson did not show`);
  assert.equal(a.history.length, 3);
  assert.ok(a.history[2].train_loss < a.history[0].train_loss);
});

test('frozen parameters are unchanged after training; the others move', async () => {
  const model = tinyModel(3);
  model.params.get('embeddings.weight')!.trainable = false;
  const before = [...model.params.values()].map((v) => [...v.dataSync()]);
  await new Trainer(model, toyData(64, 1), null, { epochs: 1, batch_size: 16, lr: 0.05 }).fit();
  const after = [...model.params.values()].map((v) => [...v.dataSync()]);
  assert.deepEqual(after[0], before[0]);
  assert.notDeepEqual(after[1], before[1]);
  tf.dispose([...model.params.values()]);
});

test('no tensor leaks: tf.memory().numTensors is flat over 100 training steps', async () => {
  const model = tinyModel(5);
  const counts: number[] = [];
  await new Trainer(
    model,
    toyData(400, 2),
    null,
    { epochs: 1, batch_size: 4, lr: 0.01, sampler: 'random' },
    {
      onStepEnd: () => {
        counts.push(tf.memory().numTensors);
      },
    },
  ).fit();
  assert.equal(counts.length, 100);
  assert.equal(new Set(counts.slice(1)).size, 1, `tensor count drifts: ${counts.slice(0, 5)} … ${counts.slice(-5)}`);
  tf.dispose([...model.params.values()]);
});

test('progress: a tqdm-like line, redrawn in place, the loss read only when drawn', async () => {
  const { Progress } = await import('../../src/util/progress');
  const { progressCallback } = await import('../../src/train/callbacks');
  const p = new Progress({ desc: 'epoch 0', width: 10 });
  assert.equal(
    p.line(25, 100, 10, 'loss 0.5000'),
    'epoch 0:  25%|███       | 25/100 [0:10<0:30, 2.50it/s, loss 0.5000]',
  );
  assert.equal(p.line(1, 100, 4), 'epoch 0:   1%|          | 1/100 [0:04<6:36, 4.00s/it]');
  let out = '',
    reads = 0;
  const cb = progressCallback({ write: (s) => (out += s), minIntervalMs: 60000 });
  for (let step = 0; step < 5; step++) {
    cb({
      epoch: 0,
      step,
      epochSteps: 5,
      globalStep: step,
      totalSteps: 5,
      lr: 1,
      loss: () => {
        reads++;
        return 0.25;
      },
      gradNorm: () => 0,
    });
  }
  assert.equal(reads, 2, 'drawn at the first step and at the last, throttled in between');
  assert.match(out, /^\repoch 0:  20%.*\repoch 0: 100%\|█+\| 5\/5 .*loss 0\.2500\]\n$/s);
});

test('micro-batches accumulate to the same step as the whole batch (plain and class-weighted loss)', async () => {
  for (const loss of [
    {},
    { class_weights: [0.5, 2, 1, 3] },
    { kind: 'focal' as const, class_weights: [0.5, 2, 1, 3] },
  ]) {
    const run = async (micro: number) => {
      const model = tinyModel(21, 20, 8, 4, 0);
      const h = await new Trainer(model, toyData(64, 4), toyData(16, 8), {
        epochs: 1,
        batch_size: 16,
        lr: 0.05,
        sampler: 'random',
        micro_batch_size: micro,
        loss: { kind: 'cross_entropy', label_smoothing: 0.1, gamma: 2, class_weights: null, ...loss },
      }).fit();
      const p = [...model.params.values()].map((v) => [...v.dataSync()]);
      tf.dispose([...model.params.values()]);
      return { loss: h[0].train_loss, p };
    };
    const whole = await run(0),
      micro = await run(5);
    assert.ok(Math.abs(whole.loss - micro.loss) < 1e-5, `${JSON.stringify(loss)}: loss ${whole.loss} vs ${micro.loss}`);
    whole.p.forEach((w, i) =>
      w.forEach((v, j) =>
        assert.ok(
          Math.abs(v - micro.p[i][j]) < 1e-5,
          `${JSON.stringify(loss)}: param ${i}[${j}] ${v} vs ${micro.p[i][j]}`,
        ),
      ),
    );
  }
});

test('setSeed sets the default seed of later configs', async () => {
  const { trainerDefaults } = await import('../../src/train/trainer');
  const { setSeed } = await import('../../src/train/seed');
  const { courseDefaults } = await import('../../src/course/config');
  setSeed(7);
  try {
    assert.equal(trainerDefaults().seed, 7);
    assert.equal(courseDefaults().seed, 7);
    assert.equal(trainerDefaults({ seed: 3 }).seed, 3);
  } finally {
    setSeed(42);
  }
  assert.throws(() => setSeed(1.5), /expected an integer/);
});
