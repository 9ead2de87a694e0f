/** Numerics that PyTorch defines, checked against values worked out by hand (notebooks/00_setup.ipynb). */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { crossEntropy } from '../../src/train/losses';
import { electraForward, electraParamShapes, electraSmallConfig, initElectraParams } from '../../src/models/modeling';
import { gelu, layerNorm } from '../../src/models/numerics';
import { assertClose } from '../helpers';

before(async () => {
  await initBackend('wasm');
});

test('gelu is the erf form: x·Φ(x)', () => {
  // Φ(1) = 0.8413447460685429, Φ(-0.5) = 0.3085375387259869, Φ(3) = 0.9986501019683699
  const got = tf.tidy(() => gelu(tf.tensor1d([1, -0.5, 3, 0])).dataSync());
  assertClose(got, [0.8413447460685429, -0.5 * 0.3085375387259869, 3 * 0.9986501019683699, 0], 1e-6);
});

test('layerNorm uses the biased variance, as torch.nn.LayerNorm', () => {
  // [1,2,3,4]: mean 2.5, biased variance 1.25, so (x - 2.5) / sqrt(1.25)
  const got = tf.tidy(() => layerNorm(tf.tensor2d([[1, 2, 3, 4]]), tf.ones([4]), tf.zeros([4]), 1e-12).dataSync());
  assertClose(
    got,
    [-1.5, -0.5, 0.5, 1.5].map((v) => v / Math.sqrt(1.25)),
    1e-6,
  );
});

test('crossEntropy is the batch mean of -log softmax at the label', () => {
  const got = tf.tidy(
    () =>
      crossEntropy(
        tf.tensor2d([
          [0, 0, 0, 0],
          [Math.log(2), 0, 0, 0],
        ]),
        tf.tensor1d([3, 0], 'int32'),
      ).dataSync()[0],
  );
  // Row 1: ln 4. Row 2: p(label 0) = 2/5.
  assertClose([got], [(Math.log(4) - Math.log(2 / 5)) / 2], 1e-6);
});

test('KoELECTRA-small shapes: 13.7M parameters with the 4-label head, HF names', () => {
  const shapes = electraParamShapes(electraSmallConfig());
  const n = [...shapes.values()].reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
  // 35000·128 + 512·128 + 2·128 + 2·128 (embeddings) + 128·256 + 256 (project)
  // + 12 · (4·(256·256+256) + 2·2·256 + 256·1024 + 1024 + 1024·256 + 256) + (256·256 + 256) + (256·4 + 4)
  const want =
    35000 * 128 +
    512 * 128 +
    2 * 128 +
    2 * 128 +
    128 * 256 +
    256 +
    12 * (4 * (256 * 256 + 256) + 4 * 256 + 256 * 1024 + 1024 + 1024 * 256 + 256) +
    256 * 256 +
    256 +
    256 * 4 +
    4;
  assert.equal(n, want);
  assert.deepEqual(shapes.get('electra.encoder.layer.11.intermediate.dense.weight'), [256, 1024]);
  assert.deepEqual(shapes.get('classifier.out_proj.weight'), [256, 4]);
});

test('padding positions do not change the logits of the real tokens', () => {
  const c = electraSmallConfig({
    vocab_size: 30,
    embedding_size: 8,
    hidden_size: 8,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 16,
    max_position_embeddings: 8,
  });
  const params = initElectraParams(c, 1);
  const [a, b] = tf.tidy(() => [
    electraForward(
      params,
      c,
      tf.tensor2d([[2, 5, 3, 0, 0]], undefined, 'int32'),
      tf.tensor2d([[1, 1, 1, 0, 0]], undefined, 'int32'),
    ).dataSync(),
    electraForward(
      params,
      c,
      tf.tensor2d([[2, 5, 3, 17, 9]], undefined, 'int32'),
      tf.tensor2d([[1, 1, 1, 0, 0]], undefined, 'int32'),
    ).dataSync(),
  ]);
  assertClose(a, b, 1e-6);
  tf.dispose([...params.values()]);
});

test('no tensors leak across 20 training steps', () => {
  const c = electraSmallConfig({
    vocab_size: 30,
    embedding_size: 8,
    hidden_size: 8,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 16,
    max_position_embeddings: 8,
  });
  const params = initElectraParams(c, 1);
  const opt = tf.train.adam(1e-3);
  const ids = tf.tensor2d([[2, 5, 3, 4]], undefined, 'int32');
  const mask = tf.ones([1, 4], 'int32');
  const y = tf.tensor1d([2], 'int32');
  const counts: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < 20; i++) {
    const loss = opt.minimize(
      () =>
        crossEntropy(
          electraForward(params, c, ids as tf.Tensor2D, mask as tf.Tensor2D, { training: true, seed: i }),
          y as tf.Tensor1D,
        ),
      true,
    )!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
    counts.push(tf.memory().numTensors);
  }
  assert.equal(new Set(counts.slice(2)).size, 1, `tensor count drifts: ${counts}`);
  assert.ok(losses[19] < losses[0], `loss did not go down: ${losses[0]} -> ${losses[19]}`);
  opt.dispose();
  tf.dispose([ids, mask, y, ...params.values()]);
});
