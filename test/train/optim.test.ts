/**
 * AdamW (both variants), clipping, the linear schedule and the losses against PyTorch 1.13. The reference
 * numbers come from test/reference/optim_reference.py (run with Debian's python3-torch), committed as JSON.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { AdamW, NO_DECAY_HF, clipGradNorm, linearSchedule } from '../../src/train/optim';
import { balancedClassWeights, classificationLoss } from '../../src/train/losses';
import { assertClose } from '../helpers';

import { SHAPES, forward, ref } from './optimref';
before(async () => {
  await initBackend('wasm');
});

const makeParams = () =>
  new Map(
    Object.entries(SHAPES).map(([k, s]) => [k, tf.variable(tf.tensor(ref.init[k], s), true, `${k}_${Math.random()}`)]),
  );

test('the tiny model reproduces PyTorch logits', () => {
  const p = makeParams();
  assertClose(
    tf.tidy(() => forward(p).dataSync()),
    ref.logits.flat(),
    1e-6,
    1e-5,
    'logits',
  );
  tf.dispose([...p.values()]);
});

const RUNS: Record<string, { variant: 'torch' | 'hf'; no_decay: string[]; weight_decay: number }> = {
  torch_decay_all: { variant: 'torch', no_decay: [], weight_decay: 0.1 },
  torch_no_decay_groups: { variant: 'torch', no_decay: NO_DECAY_HF, weight_decay: 0.1 },
  hf_no_decay: { variant: 'hf', no_decay: [], weight_decay: 0 },
  hf_decay_groups: { variant: 'hf', no_decay: NO_DECAY_HF, weight_decay: 0.1 },
};

for (const [name, cfg] of Object.entries(RUNS)) {
  test(`3 AdamW steps (${name}) with clipping at 0.5 and a warmup schedule match torch: loss, grad norm, lr, every parameter`, () => {
    const p = makeParams();
    const opt = new AdamW(p, { lr: 0.05, eps: 1e-8, ...cfg });
    const sched = linearSchedule(3, 1);
    const y = tf.tensor1d(ref.labels, 'int32');
    ref.runs[name].forEach((want: any, step: number) => {
      const { value, grads } = tf.variableGrads(() => classificationLoss(forward(p), y));
      const named: Record<string, tf.Tensor> = {};
      for (const [k, v] of p) named[k] = grads[v.name];
      const { grads: clipped, norm } = clipGradNorm(named, 0.5);
      const lr = 0.05 * sched(step);
      assertClose([value.dataSync()[0]], [want.loss], 1e-6, 1e-5, `step ${step} loss`);
      assertClose([norm.dataSync()[0]], [want.grad_norm], 1e-6, 1e-5, `step ${step} grad norm`);
      assertClose([lr], [want.lr], 1e-12, 0, `step ${step} lr`);
      opt.step(clipped, lr);
      for (const [k, v] of p) assertClose(v.dataSync(), want.params[k], 2e-6, 1e-5, `step ${step} ${k}`);
      tf.dispose([value, norm, ...Object.values(grads), ...Object.values(clipped)]);
    });
    opt.dispose();
    tf.dispose([y, ...p.values()]);
  });
}

test('no-decay groups: biases and LayerNorm weights get weight_decay 0; frozen parameters get no state and no update', () => {
  const p = makeParams();
  p.get('embeddings.weight')!.trainable = false;
  const opt = new AdamW(p, { weight_decay: 0.1, no_decay: NO_DECAY_HF });
  assert.deepEqual(opt.groups(), [
    { name: 'LayerNorm.weight', weight_decay: 0 },
    { name: 'LayerNorm.bias', weight_decay: 0 },
    { name: 'classifier.weight', weight_decay: 0.1 },
    { name: 'classifier.bias', weight_decay: 0 },
  ]);
  const before = p.get('embeddings.weight')!.dataSync().slice();
  const grads: Record<string, tf.Tensor> = {};
  for (const [k, v] of p) grads[k] = tf.onesLike(v);
  opt.step(grads, 0.1);
  assert.deepEqual(p.get('embeddings.weight')!.dataSync(), before);
  assert.notDeepEqual(p.get('classifier.bias')!.dataSync(), new Float32Array(ref.init['classifier.bias']));
  opt.dispose();
  tf.dispose([...Object.values(grads), ...p.values()]);
});

test("linearSchedule is HF's get_linear_schedule_with_warmup", () => {
  // total 10, warmup 2: 0, 1/2 during warmup, then (10 - s) / 8 down to 0, never negative.
  const f = linearSchedule(10, 2);
  assert.deepEqual([0, 1, 2, 3, 6, 10, 12].map(f), [0, 0.5, 1, 7 / 8, 4 / 8, 0, 0]);
  // The course: no warmup, so the first update uses the full lr.
  assert.deepEqual([0, 1, 3].map(linearSchedule(4)), [1, 0.75, 0.25]);
});

test('losses match torch: weighted, label smoothing (with and without weights), focal', () => {
  const logits = tf.tensor2d(ref.logits);
  const y = tf.tensor1d(ref.labels, 'int32');
  const w = ref.losses.weights;
  const L = (cfg: object) => tf.tidy(() => classificationLoss(logits, y, cfg).dataSync()[0]);
  assertClose([L({})], [ref.losses.ce], 1e-6, 1e-6, 'ce');
  assertClose([L({ class_weights: w })], [ref.losses.ce_weighted], 1e-6, 1e-6, 'weighted');
  assertClose([L({ label_smoothing: 0.1 })], [ref.losses.ce_smooth], 1e-6, 1e-6, 'smoothing');
  assertClose(
    [L({ class_weights: w, label_smoothing: 0.2 })],
    [ref.losses.ce_weighted_smooth],
    1e-6,
    1e-6,
    'weighted smoothing',
  );
  assertClose([L({ kind: 'focal' })], [ref.losses.focal_g2], 1e-6, 1e-6, 'focal');
  assertClose([L({ kind: 'focal', class_weights: w })], [ref.losses.focal_g2_alpha], 1e-6, 1e-6, 'focal alpha');
  assertClose([L({ kind: 'focal', gamma: 0 })], [ref.losses.ce], 1e-6, 1e-6, 'focal with gamma 0 is cross-entropy');
  assert.throws(
    () => classificationLoss(logits as tf.Tensor2D, y as tf.Tensor1D, { class_weights: [1, 2] }),
    /class_weights has 2 entries for 4 labels/,
  );
  // sklearn 'balanced': n / (C · count)
  assert.deepEqual(balancedClassWeights([0, 0, 0, 1], 2), [4 / 6, 2]);
  tf.dispose([logits, y]);
});
