/**
 * The wasm fast paths (src/engine/wasmfast.ts, src/engine/kernels.ts): the sliced batched matmul, the tiled transpose and the
 * column sum give tfjs's own results, leak nothing, and step aside with a reason when they cannot run.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { columnSum, matMul, swapLast2 } from '../../src/engine/kernels';
import {
  SLICED_MATMUL,
  WASM_INTERNALS_VERSION,
  fastBatchMatMul,
  fastPathProblem,
  fastPathStatus,
  wasmHeapBytes,
} from '../../src/engine/wasmfast';
import { assertClose } from '../helpers';

before(async () => {
  await initBackend('wasm');
});

test('the sliced batched matmul equals tf.matMul (attention shapes, rank 3 and 4) and leaks nothing', () => {
  assert.equal(fastPathStatus().active, true, fastPathStatus().reason);
  for (const [a, b] of [
    [
      [6, 5, 7],
      [6, 7, 3],
    ],
    [
      [2, 4, 16, 8],
      [2, 4, 8, 16],
    ],
    [
      [3, 1, 9],
      [3, 9, 1],
    ],
  ]) {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomNormal(a, 0, 1, 'float32', 1),
        y = tf.randomNormal(b, 0, 1, 'float32', 2);
      const got = fastBatchMatMul(x, y);
      assert.ok(got, 'fast path ran');
      assert.deepEqual(got.shape, [...a.slice(0, -1), b[b.length - 1]]);
      assertClose(got.dataSync(), tf.matMul(x, y).dataSync(), 1e-5, 1e-5, `[${a}] x [${b}]`);
    });
    assert.equal(tf.memory().numTensors, before);
  }
  // The kernel really is the one registered by this module.
  assert.ok(tf.getKernel(SLICED_MATMUL, 'wasm'));
});

test('matMul with transpose flags, swapLast2 and columnSum give tfjs results, and their gradients too', () => {
  tf.tidy(() => {
    const a = tf.randomNormal([2, 3, 5, 4], 0, 1, 'float32', 3),
      b = tf.randomNormal([2, 3, 6, 4], 0, 1, 'float32', 4);
    assertClose(matMul(a, b, false, true).dataSync(), tf.matMul(a, b, false, true).dataSync(), 1e-5, 1e-5, 'a·bᵀ');
    assertClose(swapLast2(a).dataSync(), tf.transpose(a, [0, 1, 3, 2]).dataSync(), 0, 0, 'swapLast2');
    const x = tf.randomNormal([37, 19], 0, 1, 'float32', 5);
    assertClose(swapLast2(x).dataSync(), tf.transpose(x).dataSync(), 0, 0, 'swapLast2 2-D, ragged tiles');
    assertClose(columnSum(x).dataSync(), tf.sum(x, 0).dataSync(), 1e-5, 1e-5, 'columnSum');
    const f = (p: tf.Tensor, q: tf.Tensor) =>
      tf.sum(tf.mul(matMul(p, q, false, true), tf.range(0, 30).reshape([5, 6]).toFloat()));
    const g = (p: tf.Tensor, q: tf.Tensor) =>
      tf.sum(tf.mul(tf.matMul(p, q, false, true), tf.range(0, 30).reshape([5, 6]).toFloat()));
    const [ga, gb] = tf.grads(f)([a, b]),
      [ra, rb] = tf.grads(g)([a, b]);
    assertClose(ga.dataSync(), ra.dataSync(), 1e-4, 1e-4, 'grad a');
    assertClose(gb.dataSync(), rb.dataSync(), 1e-4, 1e-4, 'grad b');
  });
});

test('the fast path names why it cannot run: another tfjs-backend-wasm version, HAI_WASM_FAST=0', () => {
  assert.match(
    fastPathProblem('4.21.0') ?? '',
    /tfjs-backend-wasm 4\.21\.0 is installed; the fast batched matmul was written for 4\.22\.0/,
  );
  assert.equal(fastPathProblem(WASM_INTERNALS_VERSION), null);
  process.env.HAI_WASM_FAST = '0';
  try {
    assert.match(fastPathProblem(WASM_INTERNALS_VERSION) ?? '', /HAI_WASM_FAST=0/);
  } finally {
    delete process.env.HAI_WASM_FAST;
  }
});

test('wasmHeapBytes reads the heap size on wasm and is null elsewhere', async () => {
  const heap = wasmHeapBytes();
  assert.ok(heap !== null && heap >= 16 * 2 ** 20 && heap <= 4 * 2 ** 30, String(heap));
  await tf.setBackend('cpu');
  try {
    assert.equal(wasmHeapBytes(), null);
    assert.equal(fastBatchMatMul(tf.ones([2, 2, 2]), tf.ones([2, 2, 2])), null); // off wasm: the caller uses tf.matMul
  } finally {
    await tf.setBackend('wasm');
  }
});
